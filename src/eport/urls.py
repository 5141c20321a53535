from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from eport.api.urls import api

# Each answers in the shape of the place asked: JSON under /api/, the error page on the screens (eport/faults.py).
handler400 = "eport.faults.bad_request"
handler403 = "eport.faults.permission_denied"
handler404 = "eport.faults.not_found"
handler500 = "eport.faults.server_error"

urlpatterns = [
    # One password sign-in, throttled (eport.throttles): the admin's own login form goes to it.
    path("admin/login/", RedirectView.as_view(pattern_name="web:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("pki/", include("eport.pki.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("eport.web.urls")),
]
