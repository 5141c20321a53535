"""API authentication: bearer tokens for other systems, the session cookie (with CSRF) for the browser.

Both end in the same rule: an account still on its initial password may only change it.
"""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from eport.accounts.models import User
from eport.accounts.permissions import CARD_KINDS
from eport.accounts.services import token_user
from eport.api.codes import Code
from eport.cards.models import Card
from eport.cards.signin import card_gate
from eport.errors import Forbidden


class Request(HttpRequest):
    """An API request as the views see it: eport.netaddr's middleware has set `client_ip`."""

    client_ip: str | None


class SignedIn(Request):
    """A request past AUTH: ninja has set `auth` to the signed-in account (also `user`)."""

    auth: User


_OPEN_WITH_INITIAL_PASSWORD = ("/auth/password", "/auth/logout", "/me")
_OPEN_WITH_INITIAL_PIN = ("/auth/card/pin", "/auth/logout", "/me")


def _api_path(request: HttpRequest) -> str:
    """The path below the API root ("/api/v1/me" -> "/me"), compared exactly: "/registry/me" is not "/me"."""
    root = reverse("api:api-root")
    path = request.path  # like reverse(), includes any SCRIPT_NAME prefix
    return "/" + path[len(root) :].strip("/") if path.startswith(root) else path


def bearer_key(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _finish(request: HttpRequest, user: Any, card: Card | None = None) -> User | None:
    if not isinstance(user, User) or not user.is_authenticated:  # None, or the session's AnonymousUser
        return None
    if user.kind in CARD_KINDS:
        # A card signs in only while usable: lost, frozen, locked or voided since, the token is worthless.
        gate = card_gate(user, card)
        if gate == "card_unusable":
            return None
        if gate == "pin_change_required" and _api_path(request) not in _OPEN_WITH_INITIAL_PIN:
            raise Forbidden(Code.PIN_CHANGE_REQUIRED, _("首次使用新IC卡（或解锁后）须先修改IC卡密码。"))
    elif user.must_change_password and _api_path(request) not in _OPEN_WITH_INITIAL_PASSWORD:
        raise Forbidden(Code.PASSWORD_CHANGE_REQUIRED, _("首次登录须先修改初始密码。"))
    request.user = user
    return user


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_user(token)
        # token_user loaded a card holder's card with the account, fresh for this request
        card = user._state.fields_cache.get("card") if user is not None else None
        return _finish(request, user, card)


class CookieAuth(SessionAuth):
    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie there is no session to protect: the caller is simply not signed in
        # (401), not a cross-site request (a bad or expired bearer token must not turn into a CSRF 403).
        if not request.COOKIES.get(self.param_name):
            return None
        try:
            return super()._get_key(request)
        except HttpError:
            raise Forbidden(Code.CSRF_FAILED, _("CSRF 校验失败，请刷新页面后重试。")) from None

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if key is None:
            return None
        return _finish(request, super().authenticate(request, key))


AUTH = [BearerAuth(), CookieAuth()]
