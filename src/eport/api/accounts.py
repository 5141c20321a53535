from django.contrib.auth import logout as auth_logout
from django.contrib.auth.signals import user_logged_in
from ninja import Router, Status

from eport.accounts import services
from eport.accounts.models import UserKind
from eport.accounts.permissions import CARD_KINDS, enterprise_for_reading
from eport.cards.selectors import card_of, card_subsystems
from eport.enterprises import registration, trust
from eport.pagination import paginate

from . import serializers
from .auth import AUTH, bearer_key
from .schemas import (
    ACCOUNT_STATES,
    PAGE,
    PAGE_SIZE,
    SIGNED_IN,
    THROTTLED,
    TOO_LARGE,
    AccountOut,
    AccountPage,
    ConfirmEmailIn,
    ConfirmEmailOut,
    EnterpriseOut,
    LicenceChallengeOut,
    LicenceIn,
    LoginIn,
    LoginOut,
    MeOut,
    PasswordIn,
    ReasonIn,
    RegisterIn,
    RegisterOut,
    errors,
    one_of,
)

router = Router(tags=["accounts"])


@router.post(
    "/accounts",
    response={201: RegisterOut, **errors(409, THROTTLED, TOO_LARGE)},
    auth=None,
    summary="无卡用户注册",
)
def register(request, payload: RegisterIn):
    user = registration.account_register(data=payload.dict())
    return Status(201, {"id": user.id, "username": user.username})


@router.post(
    "/auth/login",
    response={200: LoginOut, **errors(401, THROTTLED, TOO_LARGE)},
    auth=None,
    summary="用户名密码登录",
)
def login(request, payload: LoginIn):
    user = services.password_sign_in(request=request, username=payload.username, password=payload.password)
    # A token sign-in is a sign-in: last_login is set, as the screens' auth_login() does through this signal.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return {"token": services.token_issue(user=user), "must_change_password": user.must_change_password}


@router.post("/auth/logout", response={204: None, **errors(*SIGNED_IN)}, auth=AUTH, summary="注销令牌")
def logout(request):
    key = bearer_key(request)
    if key:
        services.token_revoke(key)
    else:
        auth_logout(request)  # signed in by the session cookie: end the session
    return Status(204, None)


@router.post(
    "/auth/password",
    response={204: None, **errors(*SIGNED_IN, THROTTLED, TOO_LARGE)},
    auth=AUTH,
    summary="修改密码",
)
def change_password(request, payload: PasswordIn):
    services.password_change(user=request.auth, data=payload.dict(), keep_token=bearer_key(request))
    return Status(204, None)


@router.get("/me", response={200: MeOut, **errors(*SIGNED_IN)}, auth=AUTH, summary="当前登录者")
def me(request):
    u = request.auth
    e = u.enterprise
    out = {
        "kind": u.kind,
        "username": u.username,
        "must_change_password": u.must_change_password,
        "enterprise": None if e is None else serializers.enterprise_brief(e),
        "card": None,
        "subsystems": None,
        "unit": serializers.unit(u.unit),
    }
    if u.kind in CARD_KINDS:
        card = card_of(u)
        out.update(
            card=serializers.card(card),
            subsystems=card_subsystems(card),
            must_change_pin=card.must_change_pin,
        )
    if u.kind == UserKind.CARDLESS:
        out.update(
            verified=u.is_verified,
            verified_by=u.verified_by or None,
            email_confirmed=u.email_confirmed,
            closed=u.closed_at is not None,
            closed_reason=u.closed_reason or None,
        )
    return out


# --- trust (SPEC §8): e-mail confirmation, the licence, the legal card's decision ------------------------


@router.post(
    "/accounts/confirm-email",
    response={200: ConfirmEmailOut, **errors(TOO_LARGE)},
    auth=None,
    summary="确认电子邮箱",
)
def confirm_email(request, payload: ConfirmEmailIn):
    """The token is the last path segment of the link in the confirmation mail."""
    user = services.email_confirm(token=payload.token)
    return {"username": user.username, "email_confirmed": True}


@router.post(
    "/accounts/confirm-email/resend",
    response={204: None, **errors(*SIGNED_IN, 409, THROTTLED)},
    auth=AUTH,
    summary="重新发送确认邮件",
)
def confirm_email_resend(request):
    services.email_confirmation_resend(user=request.auth)
    return Status(204, None)


@router.post(
    "/accounts/licence/challenge",
    response={200: LicenceChallengeOut, **errors(*SIGNED_IN, 409)},
    auth=AUTH,
    summary="电子营业执照认证：取得随机数",
)
def licence_challenge(request):
    return trust.licence_challenge(user=request.auth)


@router.post(
    "/accounts/licence/verify",
    response={200: MeOut, **errors(*SIGNED_IN, 409, TOO_LARGE)},
    auth=AUTH,
    summary="电子营业执照认证：提交签名断言",
)
def licence_verify(request, payload: LicenceIn):
    trust.account_verify_licence(user=request.auth, assertion=payload.assertion)
    request.auth.refresh_from_db()
    return me(request)


@router.get(
    "/enterprise/accounts",
    response={200: AccountPage, **errors(*SIGNED_IN)},
    auth=AUTH,
    summary="无卡用户账号管理（法人卡）",
)
def enterprise_accounts(
    request, state: one_of(ACCOUNT_STATES, blank=True) = "", page: PAGE = 1, page_size: PAGE_SIZE = 20
):
    items, total = paginate(trust.enterprise_accounts(request.auth, state=state or None), page, page_size)
    return {"items": [serializers.account(u) for u in items], "total": total}


@router.post(
    "/enterprise/accounts/{account_id}/approve",
    response={200: AccountOut, **errors(*SIGNED_IN, 404, 409)},
    auth=AUTH,
    summary="法人卡确认无卡用户账号",
)
def enterprise_account_approve(request, account_id: int):
    return serializers.account(trust.account_approve(actor=request.auth, account_id=account_id))


@router.post(
    "/enterprise/accounts/{account_id}/refuse",
    response={200: AccountOut, **errors(*SIGNED_IN, 404, 409, TOO_LARGE)},
    auth=AUTH,
    summary="法人卡拒绝（或停用）无卡用户账号",
)
def enterprise_account_refuse(request, account_id: int, payload: ReasonIn | None = None):
    return serializers.account(
        trust.account_refuse(
            actor=request.auth, account_id=account_id, reason=payload.reason if payload else ""
        )
    )


@router.get(
    "/enterprise",
    response={200: EnterpriseOut, **errors(*SIGNED_IN, 404)},
    auth=AUTH,
    summary="本企业三证合一信息",
)
def enterprise(request):
    return serializers.enterprise(enterprise_for_reading(request.auth))
