"""The client's address: REMOTE_ADDR, or behind the configured trusted proxies (EPORT_TRUSTED_PROXIES)
the first address in X-Forwarded-For that is not one of them, read from the right.

Only a trusted proxy's word is taken: each proxy appends the address it was connected from, so the
list is read from its right end, past our own proxies, and stops at the first address they did not
vouch for (anything further left was written by the client and could be forged). Throttles and the
audit use this address (`request.client_ip`, and `current_ip()` for code that has no request).
"""

import ipaddress
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_current: ContextVar[str | None] = ContextVar("eport_client_ip", default=None)
_serving: ContextVar[bool] = ContextVar("eport_serving_request", default=False)


@lru_cache(maxsize=8)
def _networks(setting: str) -> tuple:
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in setting.split(",") if c.strip())


def trusted_proxies() -> tuple:
    """The networks of settings.TRUSTED_PROXIES (checked when the settings load)."""
    return _networks(settings.TRUSTED_PROXIES)


def parse(value: str | None) -> Address | None:
    """An address as a proxy writes it ("203.0.113.7", "203.0.113.7:5123", "[2001:db8::1]:443",
    "2001:db8::1"), or None when it is none of these. IPv4-mapped IPv6 is read as IPv4."""
    text = (value or "").strip().strip('"')
    if text.startswith("["):  # [IPv6] or [IPv6]:port
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # IPv4:port
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text.split("%", 1)[0])  # no zone index
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return addr.ipv4_mapped
    return addr


def _trusted(addr: Address, networks) -> bool:
    return any(addr.version == n.version and addr in n for n in networks)


def client_ip(request) -> str | None:
    """The client's address for this request (None when the server gave none)."""
    addr = parse(request.META.get("REMOTE_ADDR"))
    networks = trusted_proxies()
    if addr is None or not networks or not _trusted(addr, networks):
        return None if addr is None else str(addr)
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        if not hop.strip():
            continue
        found = parse(hop)
        if found is None:
            break  # a proxy of ours writes addresses: whatever this is, nothing left of it can be trusted
        addr = found
        if not _trusted(addr, networks):
            break
    return str(addr)


def current_ip() -> str | None:
    """The client address of the request being served in this context (None outside a request)."""
    return _current.get()


def serving_request() -> bool:
    """True while a request is being served in this context (not in a command or a test's own code)."""
    return _serving.get()


class ClientAddressMiddleware:
    """Sets request.client_ip and the context's current_ip() for everything the request runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_ip = client_ip(request)
        ip_token, serving_token = _current.set(request.client_ip), _serving.set(True)
        try:
            return self.get_response(request)
        finally:
            _current.reset(ip_token)
            _serving.reset(serving_token)
