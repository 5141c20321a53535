"""The throttles: counted where every server process (and every node of a cluster) sees them: in Redis
when EPORT_REDIS_URL names one, else in the database (table Attempt); the rules below are written once,
over the store interface of stores.py.

Two limits on credentials (password, card PIN, card proof), both keyed by the client address that
eport.netaddr found through the trusted proxies:

- per address: EPORT_ADDRESS_FAILURE_LIMIT refused credentials from one address (any accounts) in
  EPORT_ADDRESS_FAILURE_SECONDS, and that address waits out the window;
- per account *from that address* (Keycloak's temporary lockout): after every EPORT_LOGIN_FAILURE_LIMIT
  failures the wait grows by EPORT_LOGIN_LOCK_SECONDS, up to EPORT_LOGIN_LOCK_MAX_SECONDS, counted from
  the last failure; failures older than EPORT_LOGIN_FAILURE_RESET_SECONDS are forgotten and a success
  from the address forgets them at once. Failures from address A never lock the account for address B,
  so nobody can lock a reviewer out by guessing its password.

And one on registrations: EPORT_REGISTER_LIMIT accounts per address in EPORT_REGISTER_SECONDS.

Callers check before the expensive or guessable part runs (the password hash), and count after it
failed. The checks read a handful of index rows (or two Redis sorted sets); a throttled attempt writes
nothing, so a flood from one address costs one or two reads per request. With Redis, a refused credential
writes nothing to the database either; when Redis does not answer, that call counts in the database
instead (stores.call): the throttles degrade to the database, never open.
"""

import datetime as dt
import ipaddress
import math

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy

from eport.errors import Throttled
from eport.netaddr import current_ip
from eport.throttles.codes import Code

from . import stores
from .models import Scope

MESSAGES = {
    Code.LOGIN_THROTTLED: gettext_lazy("登录失败次数过多，请%(m)d分钟后再试。"),
    Code.CARD_LOGIN_THROTTLED: gettext_lazy("IC卡登录失败次数过多，请%(m)d分钟后再试。"),
    Code.PIN_CHANGE_THROTTLED: gettext_lazy("IC卡密码输错次数过多，请%(m)d分钟后再试。"),
    Code.PASSWORD_CHANGE_THROTTLED: gettext_lazy("原密码输错次数过多，请%(m)d分钟后再试。"),
    Code.REGISTER_THROTTLED: gettext_lazy("从您所在网络注册的账号过多，请%(m)d分钟后再试。"),
}


def user_key(username: str) -> str:
    return f"user:{(username or '')[:150]}"


def card_key(card_no: str) -> str:
    return f"card:{(card_no or '')[:64]}"


def address_key(ip: str | None) -> str | None:
    """The address as the throttles count it: an IPv6 client by its /64 (one subscriber's network;
    per single address it could change address at every try)."""
    if not ip:
        return None
    addr = ipaddress.ip_address(ip)
    if addr.version == 6:
        return str(ipaddress.ip_network(f"{addr}/64", strict=False).network_address)
    return str(addr)


def _refuse(code: Code, wait: dt.timedelta, field: str | None) -> None:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    raise Throttled(code, MESSAGES[code] % {"m": minutes}, field)


def _now() -> dt.datetime:
    return timezone.now()


def _address_wait(scope: str, ip: str | None, limit: int, seconds: int, now) -> dt.timedelta:
    """How long the address must still wait: its limit-th newest attempt in the window ends the wait."""
    if ip is None or limit <= 0:
        return dt.timedelta(0)
    window = dt.timedelta(seconds=seconds)
    nth = stores.call("nth_newest", scope, ip, now - window, limit)
    return nth + window - now if nth else dt.timedelta(0)


def account_wait(account: str, ip: str | None, now=None) -> dt.timedelta:
    """Keycloak's rule for the account's failures from this address: wait = increment × (failures ÷
    factor), at most the maximum, counted from the last failure."""
    now = now or _now()
    factor = settings.THROTTLE_ACCOUNT_FAILURES
    if factor <= 0:
        return dt.timedelta(0)
    n, last = stores.call(
        "account_failures", account, ip, now - dt.timedelta(seconds=settings.THROTTLE_RESET_SECONDS)
    )
    steps = n // factor
    if not steps or last is None:
        return dt.timedelta(0)
    wait = dt.timedelta(
        seconds=min(settings.THROTTLE_LOCK_SECONDS * steps, settings.THROTTLE_LOCK_MAX_SECONDS)
    )
    return max(dt.timedelta(0), last + wait - now)


def credential_check(*, account: str, code: Code, field: str | None = None, ip: str | None = None) -> None:
    """Before a credential is checked: refuse (429) while the client's address, or the account from
    this address, must wait. `ip` defaults to the client address of the request being served."""
    ip = address_key(ip or current_ip())
    now = _now()
    wait = _address_wait(
        Scope.CREDENTIAL, ip, settings.THROTTLE_ADDRESS_FAILURES, settings.THROTTLE_ADDRESS_SECONDS, now
    ) or account_wait(account, ip, now)  # a flooding address: one query per request
    if wait > dt.timedelta(0):
        _refuse(code, wait, field)


def credential_failed(*, account: str, ip: str | None = None) -> int:
    """Count a refused credential (in the caller's transaction, which must commit); returns the seconds
    the account is now locked for from this address (0: not locked)."""
    ip = address_key(ip or current_ip())
    now = _now()
    stores.call("add", Scope.CREDENTIAL, ip, account, now)
    return math.ceil(account_wait(account, ip, now).total_seconds())


def credential_refused(*, account: str, code: Code, field: str | None = None, ip: str | None = None) -> None:
    """A refused card sign-in, whose check costs nothing worth protecting: throttled only once refused
    (so the holder is never turned away by a flood from the same address), and per address only: the
    card's PIN counter is its per-account limit, and only the holder of the card's key can spend it."""
    ip = address_key(ip or current_ip())
    wait = _address_wait(
        Scope.CREDENTIAL,
        ip,
        settings.THROTTLE_ADDRESS_FAILURES,
        settings.THROTTLE_ADDRESS_SECONDS,
        now := _now(),
    )
    if wait > dt.timedelta(0):
        _refuse(code, wait, field)
    stores.call("add", Scope.CREDENTIAL, ip, account, now)


def credential_succeeded(*, account: str, ip: str | None = None) -> None:
    """A right credential forgets the account's failures from this address (not other addresses')."""
    stores.call("forget", account, address_key(ip or current_ip()))


def registration(*, ip: str | None = None) -> None:
    """Count one registration from the client's address, or refuse (429) over the limit. In the
    registration's transaction: a registration that fails is not counted."""
    ip = address_key(ip or current_ip())
    now = _now()
    wait = _address_wait(Scope.REGISTER, ip, settings.REGISTER_LIMIT, settings.REGISTER_SECONDS, now)
    if wait > dt.timedelta(0):
        _refuse(Code.REGISTER_THROTTLED, wait, None)
    if ip is not None:
        stores.call("add", Scope.REGISTER, ip, "", now)
