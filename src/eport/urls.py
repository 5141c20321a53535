from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from eport.api.urls import api

handler404 = "eport.web.views.not_found"
handler500 = "eport.web.views.server_error"

urlpatterns = [
    # One password sign-in, throttled (eport.throttles): the admin's own login form goes to it.
    path("admin/login/", RedirectView.as_view(pattern_name="web:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("pki/", include("eport.pki.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("eport.web.urls")),
]
