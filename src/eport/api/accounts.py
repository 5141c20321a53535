from django.contrib.auth import logout as auth_logout
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from ninja import Router, Status

from eport.accounts import services
from eport.accounts.models import CARD_KINDS, UserKind
from eport.cards.selectors import card_of, card_subsystems
from eport.errors import NotFound

from . import serializers
from .auth import AUTH, bearer_key
from .schemas import Error, LoginIn, LoginOut, MeOut, PasswordIn, RegisterIn, RegisterOut

router = Router(tags=["accounts"])
ERR = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 429: Error, 503: Error}


@router.post("/accounts", response={201: RegisterOut, **ERR}, auth=None, summary="无卡用户注册")
def register(request, payload: RegisterIn):
    user = services.account_register(data=payload.dict())
    return Status(201, {"id": user.id, "username": user.username})


@router.post("/auth/login", response={200: LoginOut, **ERR}, auth=None, summary="用户名密码登录")
def login(request, payload: LoginIn):
    user = services.password_sign_in(request=request, username=payload.username, password=payload.password)
    # A token sign-in is a sign-in: last_login is set, as the screens' auth_login() does through this signal.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return {"token": services.token_issue(user=user), "must_change_password": user.must_change_password}


@router.post("/auth/logout", response={204: None, **ERR}, auth=AUTH, summary="注销令牌")
def logout(request):
    key = bearer_key(request)
    if key:
        services.token_revoke(key)
    else:
        auth_logout(request)  # signed in by the session cookie: end the session
    return Status(204, None)


@router.post("/auth/password", response={204: None, **ERR}, auth=AUTH, summary="修改密码")
def change_password(request, payload: PasswordIn):
    services.password_change(user=request.auth, data=payload.dict(), keep_token=bearer_key(request))
    return Status(204, None)


@router.get("/me", response={200: MeOut, **ERR}, auth=AUTH, summary="当前登录者")
def me(request):
    u = request.auth
    e = u.enterprise
    out = {"kind": u.kind, "username": u.username, "must_change_password": u.must_change_password,
           "enterprise": None if e is None else serializers.enterprise_brief(e),
           "card": None, "subsystems": None, "unit": serializers.unit(u.unit)}
    if u.kind in CARD_KINDS:
        card = card_of(u)
        out.update(card=serializers.card(card), subsystems=card_subsystems(card), must_change_pin=card.must_change_pin)
    return out


def own_enterprise(u):
    """The enterprise its card-less user and its cards (legal and operator) may read."""
    if (u.kind != UserKind.CARDLESS and u.kind not in CARD_KINDS) or u.enterprise is None:
        raise NotFound("enterprise_not_found", _("没有可查看的企业。"))
    return u.enterprise


@router.get("/enterprise", response={200: dict, **ERR}, auth=AUTH, summary="本企业三证合一信息")
def enterprise(request):
    return serializers.enterprise(own_enterprise(request.auth))
