from django.http import HttpResponse
from django.urls import path

app_name = "web"


def _todo(request, *a, **k):
    return HttpResponse("ok")


urlpatterns = [
    path("", _todo, name="home"),
    path("login/", _todo, name="login"),
    path("logout/", _todo, name="logout"),
    path("password/", _todo, name="password_change"),
]
