"""Accounts: e-mail confirmation, sign-in, tokens, password change, staff creation. Registration, which
makes or binds the enterprise row, is enterprises/registration.py's."""

import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from eport.accounts.codes import Code
from eport.audit.services import record
from eport.errors import Conflict, InvalidInput, Throttled, Unauthenticated, from_form_errors
from eport.netaddr import client_ip
from eport.refdata.models import Dept, Unit
from eport.throttles import services as throttles
from eport.throttles.codes import Code as ThrottleCode

from . import notify
from .forms import PasswordChangeForm
from .models import ApiToken, User, UserKind

# --- e-mail confirmation ---------------------------------------------------------------------------------


class _EmailConfirmationTokens(PasswordResetTokenGenerator):
    """Django's token generator: the token dies once the address is confirmed or changed (and after
    PASSWORD_RESET_TIMEOUT, set from EPORT_EMAIL_CONFIRMATION_DAYS)."""

    key_salt = "eport.accounts.email-confirmation"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{timestamp}{user.email}{user.email_confirmed_at}"


_tokens = _EmailConfirmationTokens()


def email_confirmation_token(user: User) -> str:
    """One URL path segment: the account id and Django's token, joined by "." (in neither alphabet)."""
    return f"{urlsafe_base64_encode(force_bytes(user.pk))}.{_tokens.make_token(user)}"


def email_confirmation_send(*, user: User) -> None:
    """Mail the confirmation link (after the commit, like every notification)."""
    user.email_confirmation_sent_at = timezone.now()
    user.save(update_fields=["email_confirmation_sent_at"])
    link = settings.PUBLIC_URL + reverse("web:confirm_email", args=[email_confirmation_token(user)])
    notify.email_confirmation(user, link)


def email_confirmation_resend(*, user: User) -> None:
    if user.email_confirmed:
        raise Conflict(Code.EMAIL_ALREADY_CONFIRMED, _("电子邮箱已经确认。"))
    sent = user.email_confirmation_sent_at
    if sent and (timezone.now() - sent).total_seconds() < settings.EMAIL_CONFIRMATION_RESEND_SECONDS:
        raise Throttled(Code.EMAIL_RESEND_TOO_SOON, _("确认邮件刚刚发出，请稍后再重新发送。"))
    email_confirmation_send(user=user)


@transaction.atomic
def email_confirm(*, token: str) -> User:
    """Confirm the address the token was mailed to. Confirming twice is harmless (the same answer)."""
    refused = InvalidInput(
        Code.EMAIL_TOKEN_INVALID, _("确认链接无效或已过期，请登录后重新发送确认邮件。"), "token"
    )
    uid, _sep, key = (token or "").partition(".")
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        raise refused from None
    user = User.objects.select_for_update().filter(pk=pk, kind=UserKind.CARDLESS).first()
    if user is None:
        raise refused
    if user.email_confirmed:
        return user
    if not _tokens.check_token(user, key):
        raise refused
    user.email_confirmed_at = timezone.now()
    user.save(update_fields=["email_confirmed_at"])
    record(actor=user, action="account.email_confirm", obj=user, after={"email": user.email})
    return user


def password_sign_in(*, request, username: str, password: str) -> User:
    """Check a username and password, audited either way. The throttles are asked before the
    password is hashed (a refused flood costs no Argon2), per client address and per account from
    that address; the hash itself waits for one of the Argon2 slots (eport.throttles.hashing)."""
    if not username or not password:
        raise InvalidInput(
            Code.CREDENTIALS_REQUIRED, _("请输入用户名和密码。"), "username" if not username else "password"
        )
    ip, account = client_ip(request), throttles.user_key(username)
    throttles.credential_check(account=account, ip=ip, code=ThrottleCode.LOGIN_THROTTLED, field="username")
    user = authenticate(request=request, username=username, password=password)
    refused = user is None or not user.is_active
    with transaction.atomic():  # the count and the audit row commit together, then the refusal goes out
        if refused:
            locked = throttles.credential_failed(account=account, ip=ip)
            known = User.objects.filter(username=username).only("pk").first()
            record(
                actor=None,
                action="account.sign_in_refused",
                object_type="accounts.user",
                object_id=known.pk if known else "",
                reason="invalid_credentials",
                ip=ip,
                after={"username": username[:150], **({"locked_seconds": locked} if locked else {})},
            )
        else:
            throttles.credential_succeeded(account=account, ip=ip)
            record(actor=user, action="account.sign_in", obj=user, ip=ip)
    if refused:
        raise Unauthenticated(Code.INVALID_CREDENTIALS, _("用户名或密码不正确。"), "password")
    assert user is not None  # refused otherwise
    return user


def token_issue(*, user: User) -> str:
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        key_hash=ApiToken.hash(key), user=user, expires_at=timezone.now() + settings.API_TOKEN_TTL
    )
    return key


def token_user(key: str) -> User | None:
    """The token's account, with what every request of it needs in the same query (a card holder's
    card and certificate included: the API checks on each request that the card is still usable)."""
    try:
        tok = ApiToken.objects.select_related(
            "user", "user__enterprise", "user__unit", "user__card", "user__card__certificate"
        ).get(key_hash=ApiToken.hash(key), expires_at__gt=timezone.now())
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
    throttles.credential_check(
        account=account, code=ThrottleCode.PASSWORD_CHANGE_THROTTLED, field="old_password"
    )
    form = PasswordChangeForm(user, data)
    if not form.is_valid():
        if form.has_error("old_password", "wrong_password"):
            with transaction.atomic():
                throttles.credential_failed(account=account)
                record(
                    actor=user, action="account.password_change_refused", obj=user, reason="wrong_password"
                )
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
def staff_create(
    *, actor, role: str, username: str, password: str, unit_id: str | None, must_change_password: bool = True
) -> User:
    """A department account bound to one unit (reviewer: a review department's unit; ra: an RA unit)."""
    if role not in STAFF_ROLES:
        raise InvalidInput(Code.ROLE_INVALID, _("角色必须是 reviewer、ra 或 admin。"), "role")
    kind = STAFF_ROLES[role]
    unit = None
    if kind != UserKind.ADMIN:
        unit = Unit.objects.filter(id=unit_id or "").first()
        if unit is None:
            raise InvalidInput(Code.UNIT_UNKNOWN, _("没有这个单位：%(u)s") % {"u": unit_id}, "unit")
        if (kind == UserKind.RA) != (unit.dept == Dept.RA):
            raise InvalidInput(
                Code.UNIT_DEPT_MISMATCH,
                _("操作中心账号须属于操作中心单位，审核账号须属于审核部门单位。"),
                "unit",
            )
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(Code.USERNAME_TAKEN, _("用户名已被使用。"), "username")
    user = User(
        username=username,
        kind=kind,
        unit=unit,
        must_change_password=must_change_password,
        is_staff=kind == UserKind.ADMIN,
        is_superuser=kind == UserKind.ADMIN,
    )
    user.set_password(password)
    user.save()
    record(
        actor=actor,
        action="account.staff_create",
        obj=user,
        after={"username": username, "role": role, "unit": unit.id if unit else None},
    )
    return user
