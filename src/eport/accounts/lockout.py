"""What a locked-out sign-in gets (django-axes calls this): a 429 in the API's error shape."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

MESSAGE = "登录失败次数过多，账号已暂时锁定，请15分钟后再试。"


def locked_out(request, credentials=None, *args, **kwargs):
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "login_throttled", "message": _(MESSAGE), "field": "username"}},
                            status=429)
    return render(request, "web/login.html", {"error": _(MESSAGE), "form": None}, status=429)
