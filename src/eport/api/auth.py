"""API authentication: bearer tokens for other systems, the session cookie (with CSRF) for the browser.

Both end in the same rule: an account still on its initial password may only change it.
"""

from ninja.security import HttpBearer, SessionAuth
from django.utils.translation import gettext as _

from eport.accounts.services import token_user
from eport.errors import Forbidden

_OPEN_WITH_INITIAL_PASSWORD = ("/auth/password", "/auth/logout", "/me")


def _finish(request, user):
    if user is None or not user.is_authenticated:
        return None
    if user.must_change_password and not request.path.endswith(_OPEN_WITH_INITIAL_PASSWORD):
        raise Forbidden("password_change_required", _("首次登录须先修改初始密码。"))
    request.user = user
    return user


class BearerAuth(HttpBearer):
    def authenticate(self, request, token):
        return _finish(request, token_user(token))


class CookieAuth(SessionAuth):
    def authenticate(self, request, key):
        return _finish(request, super().authenticate(request, key))


AUTH = [BearerAuth(), CookieAuth()]
