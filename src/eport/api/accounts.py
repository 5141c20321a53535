from django.contrib.auth import logout as auth_logout
from django.contrib.auth.signals import user_logged_in
from ninja import Router, Status

from eport.accounts import services
from eport.accounts.permissions import CARD_KINDS, enterprise_for_reading
from eport.cards.selectors import signed_in_card
from eport.customs_registration.selectors import reminders as registration_reminders
from eport.enterprises import registration, trust
from eport.pagination import paginate

from .auth import AUTH, Request, SignedIn, bearer_key
from .schemas import (
    SIGNED_IN,
    THROTTLED,
    TOO_LARGE,
    AccountOut,
    AccountPage,
    AccountStateFilter,
    ConfirmEmailIn,
    ConfirmEmailOut,
    EnterpriseOut,
    LicenceChallengeOut,
    LicenceIn,
    LoginIn,
    LoginOut,
    MeOut,
    Page,
    PageSize,
    PasswordIn,
    ReasonIn,
    RegisterIn,
    RegisterOut,
    ReminderOut,
    errors,
)

router = Router(tags=["accounts"])


@router.post(
    "/accounts",
    response={201: RegisterOut, **errors(409, THROTTLED, TOO_LARGE)},
    auth=None,
    summary="无卡用户注册",
)
def register(request: Request, payload: RegisterIn) -> Status[RegisterOut]:
    user = registration.account_register(data=payload.dict())
    return Status(201, RegisterOut.model_validate(user))


@router.post(
    "/auth/login",
    response={200: LoginOut, **errors(401, THROTTLED, TOO_LARGE)},
    auth=None,
    summary="用户名密码登录",
)
def login(request: Request, payload: LoginIn) -> LoginOut:
    user = services.password_sign_in(request=request, username=payload.username, password=payload.password)
    # A token sign-in is a sign-in: last_login is set, as the screens' auth_login() does through this signal.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return LoginOut(token=services.token_issue(user=user), must_change_password=user.must_change_password)


@router.post("/auth/logout", response={204: None, **errors(*SIGNED_IN)}, auth=AUTH, summary="注销令牌")
def logout(request: SignedIn) -> Status[None]:
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
def change_password(request: SignedIn, payload: PasswordIn) -> Status[None]:
    services.password_change(user=request.auth, data=payload.dict(), keep_token=bearer_key(request))
    return Status(204, None)


@router.get("/me", response={200: MeOut, **errors(*SIGNED_IN)}, auth=AUTH, summary="当前登录者")
def me(request: SignedIn) -> MeOut:
    u = request.auth
    # A card holder's card: the row read with the token, its menu from the cache (cards/menu.py)
    card = signed_in_card(u) if u.kind in CARD_KINDS else None
    out = MeOut.model_validate(u, context={"card": card})
    if card is not None:
        out.reminders = [ReminderOut(**r) for r in registration_reminders(card)]
    return out


# --- trust (SPEC §8): e-mail confirmation, the licence, the legal card's decision ------------------------


@router.post(
    "/accounts/confirm-email",
    response={200: ConfirmEmailOut, **errors(TOO_LARGE)},
    auth=None,
    summary="确认电子邮箱",
)
def confirm_email(request: Request, payload: ConfirmEmailIn) -> ConfirmEmailOut:
    """The token is the last path segment of the link in the confirmation mail."""
    return ConfirmEmailOut.model_validate(services.email_confirm(token=payload.token))


@router.post(
    "/accounts/confirm-email/resend",
    response={204: None, **errors(*SIGNED_IN, 409, THROTTLED)},
    auth=AUTH,
    summary="重新发送确认邮件",
)
def confirm_email_resend(request: SignedIn) -> Status[None]:
    services.email_confirmation_resend(user=request.auth)
    return Status(204, None)


@router.post(
    "/accounts/licence/challenge",
    response={200: LicenceChallengeOut, **errors(*SIGNED_IN, 409)},
    auth=AUTH,
    summary="电子营业执照认证：取得随机数",
)
def licence_challenge(request: SignedIn) -> LicenceChallengeOut:
    return LicenceChallengeOut.model_validate(trust.licence_challenge(user=request.auth))


@router.post(
    "/accounts/licence/verify",
    response={200: MeOut, **errors(*SIGNED_IN, 409, TOO_LARGE)},
    auth=AUTH,
    summary="电子营业执照认证：提交签名断言",
)
def licence_verify(request: SignedIn, payload: LicenceIn) -> MeOut:
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
    request: SignedIn, state: AccountStateFilter = "", page: Page = 1, page_size: PageSize = 20
) -> AccountPage:
    items, total = paginate(trust.enterprise_accounts(request.auth, state=state or None), page, page_size)
    return AccountPage(items=[AccountOut.model_validate(u) for u in items], total=total)


@router.post(
    "/enterprise/accounts/{account_id}/approve",
    response={200: AccountOut, **errors(*SIGNED_IN, 404, 409)},
    auth=AUTH,
    summary="法人卡确认无卡用户账号",
)
def enterprise_account_approve(request: SignedIn, account_id: int) -> AccountOut:
    return AccountOut.model_validate(trust.account_approve(actor=request.auth, account_id=account_id))


@router.post(
    "/enterprise/accounts/{account_id}/refuse",
    response={200: AccountOut, **errors(*SIGNED_IN, 404, 409, TOO_LARGE)},
    auth=AUTH,
    summary="法人卡拒绝（或停用）无卡用户账号",
)
def enterprise_account_refuse(
    request: SignedIn, account_id: int, payload: ReasonIn | None = None
) -> AccountOut:
    reason = payload.reason if payload else ""
    return AccountOut.model_validate(
        trust.account_refuse(actor=request.auth, account_id=account_id, reason=reason)
    )


@router.get(
    "/enterprise",
    response={200: EnterpriseOut, **errors(*SIGNED_IN, 404)},
    auth=AUTH,
    summary="本企业三证合一信息",
)
def enterprise(request: SignedIn) -> EnterpriseOut:
    return EnterpriseOut.model_validate(enterprise_for_reading(request.auth))
