"""API authentication: bearer tokens for other systems, the session cookie (with CSRF) for the browser.

Both end in the same rule: an account still on its initial password may only change it.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from eport.accounts.services import token_user
from eport.errors import Forbidden

_OPEN_WITH_INITIAL_PASSWORD = ("/auth/password", "/auth/logout", "/me")


def _api_path(request) -> str:
    """The path below the API root ("/api/v1/me" -> "/me"), compared exactly: "/registry/me" is not "/me"."""
    root = reverse("api:api-root")
    path = request.path  # like reverse(), includes any SCRIPT_NAME prefix
    return "/" + path[len(root):].strip("/") if path.startswith(root) else path


def _finish(request, user):
    if user is None or not user.is_authenticated:
        return None
    if user.must_change_password and _api_path(request) not in _OPEN_WITH_INITIAL_PASSWORD:
        raise Forbidden("password_change_required", _("首次登录须先修改初始密码。"))
    request.user = user
    return user


class BearerAuth(HttpBearer):
    def authenticate(self, request, token):
        return _finish(request, token_user(token))


class CookieAuth(SessionAuth):
    def _get_key(self, request):
        # Without a session cookie there is no session to protect: the caller is simply not signed in
        # (401), not a cross-site request (a bad or expired bearer token must not turn into a CSRF 403).
        if not request.COOKIES.get(self.param_name):
            return None
        try:
            return super()._get_key(request)
        except HttpError:
            raise Forbidden("csrf_failed", _("CSRF 校验失败，请刷新页面后重试。")) from None

    def authenticate(self, request, key):
        if key is None:
            return None
        return _finish(request, super().authenticate(request, key))


AUTH = [BearerAuth(), CookieAuth()]
