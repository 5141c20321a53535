"""Accounts: registration, sign-in, tokens, password change, staff creation."""

import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.audit.services import record
from eport.enterprises.models import Enterprise
from eport.errors import Conflict, InvalidInput, Unauthenticated, from_form_errors
from eport.netaddr import client_ip
from eport.refdata.models import Dept, Unit
from eport.throttles import services as throttles

from .forms import PasswordChangeForm, RegistrationForm
from .models import ApiToken, User, UserKind


@transaction.atomic
def account_register(*, data: dict) -> User:
    """Self-registration of a card-less enterprise user; the enterprise row is created with it."""
    throttles.registration()  # per client address; counted only if this registration commits
    form = RegistrationForm(data)
    if not form.is_valid():
        error = from_form_errors(form)
        if error.code == "username_taken":  # a state conflict, as when the unique constraint catches it below
            raise Conflict(error.code, error.message, error.field, error.details)
        raise error
    d = form.cleaned_data
    registered = Conflict("uscc_registered", _("该统一社会信用代码已注册过无卡用户，请使用已有账号登录。"), "uscc")
    # Locked, so two registrations for one existing enterprise cannot both pass the check below.
    enterprise = Enterprise.objects.select_for_update().filter(uscc=d["uscc"]).first()
    if enterprise is not None and enterprise.users.filter(kind=UserKind.CARDLESS).exists():
        raise registered
    if enterprise is None:
        try:
            with transaction.atomic():
                enterprise = Enterprise.objects.create(uscc=d["uscc"], name=d["enterprise_name"],
                                                       contact_name=d["contact_name"], contact_phone=d["phone"],
                                                       contact_email=d["email"])
        except IntegrityError:  # a concurrent registration of the same USCC created it first
            raise registered from None
    user = User(username=d["username"], kind=UserKind.CARDLESS, enterprise=enterprise, email=d["email"],
                contact_name=d["contact_name"], phone=d["phone"])
    user.set_password(d["password"])
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict("username_taken", _("用户名已被使用。"), "username") from None
    record(actor=user, action="account.register", obj=user, after={"username": user.username, "uscc": enterprise.uscc})
    return user


def password_sign_in(*, request, username: str, password: str) -> User:
    """Check a username and password, audited either way. The throttles are asked before the
    password is hashed (a refused flood costs no Argon2), per client address and per account from
    that address; the hash itself waits for one of the Argon2 slots (eport.throttles.hashing)."""
    if not username or not password:
        raise InvalidInput("credentials_required", _("请输入用户名和密码。"), "username" if not username else "password")
    ip, account = client_ip(request), throttles.user_key(username)
    throttles.credential_check(account=account, ip=ip, code="login_throttled", field="username")
    user = authenticate(request=request, username=username, password=password)
    refused = user is None or not user.is_active
    with transaction.atomic():  # the count and the audit row commit together, then the refusal goes out
        if refused:
            locked = throttles.credential_failed(account=account, ip=ip)
            known = User.objects.filter(username=username).only("pk").first()
            record(actor=None, action="account.sign_in_refused", object_type="accounts.user",
                   object_id=known.pk if known else "", reason="invalid_credentials", ip=ip,
                   after={"username": username[:150], **({"locked_seconds": locked} if locked else {})})
        else:
            throttles.credential_succeeded(account=account, ip=ip)
            record(actor=user, action="account.sign_in", obj=user, ip=ip)
    if refused:
        raise Unauthenticated("invalid_credentials", _("用户名或密码不正确。"), "password")
    return user


def token_issue(*, user: User) -> str:
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(key_hash=ApiToken.hash(key), user=user,
                            expires_at=timezone.now() + settings.API_TOKEN_TTL)
    return key


def token_user(key: str) -> User | None:
    """The token's account, with what every request of it needs in the same query (a card holder's
    card and certificate included: the API checks on each request that the card is still usable)."""
    try:
        tok = (ApiToken.objects.select_related("user", "user__enterprise", "user__unit", "user__card",
                                               "user__card__certificate")
               .get(key_hash=ApiToken.hash(key), expires_at__gt=timezone.now()))
    except ApiToken.DoesNotExist:
        return None
    return tok.user if tok.user.is_active else None


def token_revoke(key: str) -> None:
    ApiToken.objects.filter(key_hash=ApiToken.hash(key)).delete()


def password_change(*, user: User, data: dict, keep_token: str | None = None) -> User:
    """Change the password; every API token issued before ends, except the one making this call.
    A wrong old password counts like a failed sign-in of the account from the client's address (whoever
    holds a session cannot guess it without limit); it is counted and audited, then refused."""
    account = throttles.user_key(user.username)
    throttles.credential_check(account=account, code="password_change_throttled", field="old_password")
    form = PasswordChangeForm(user, data)
    if not form.is_valid():
        if form.has_error("old_password", "wrong_password"):
            with transaction.atomic():
                throttles.credential_failed(account=account)
                record(actor=user, action="account.password_change_refused", obj=user, reason="wrong_password")
        raise from_form_errors(form)
    with transaction.atomic():
        user.set_password(form.cleaned_data["new_password"])
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        user.api_tokens.exclude(key_hash=ApiToken.hash(keep_token or "")).delete()
        record(actor=user, action="account.password_change", obj=user)
    return user


STAFF_ROLES = {"reviewer": UserKind.REVIEWER, "ra": UserKind.RA, "admin": UserKind.ADMIN}


@transaction.atomic
def staff_create(*, actor, role: str, username: str, password: str, unit_id: str | None,
                 must_change_password: bool = True) -> User:
    """A department account bound to one unit (reviewer: a review department's unit; ra: an RA unit)."""
    if role not in STAFF_ROLES:
        raise InvalidInput("role_invalid", _("角色必须是 reviewer、ra 或 admin。"), "role")
    kind = STAFF_ROLES[role]
    unit = None
    if kind != UserKind.ADMIN:
        unit = Unit.objects.filter(id=unit_id or "").first()
        if unit is None:
            raise InvalidInput("unit_unknown", _("没有这个单位：%(u)s") % {"u": unit_id}, "unit")
        if (kind == UserKind.RA) != (unit.dept == Dept.RA):
            raise InvalidInput("unit_dept_mismatch", _("操作中心账号须属于操作中心单位，审核账号须属于审核部门单位。"), "unit")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("username_taken", _("用户名已被使用。"), "username")
    user = User(username=username, kind=kind, unit=unit, must_change_password=must_change_password,
                is_staff=kind == UserKind.ADMIN, is_superuser=kind == UserKind.ADMIN)
    user.set_password(password)
    user.save()
    record(actor=actor, action="account.staff_create", obj=user,
           after={"username": username, "role": role, "unit": unit.id if unit else None})
    return user
