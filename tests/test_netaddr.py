"""The client address: REMOTE_ADDR, or behind the configured trusted proxies what X-Forwarded-For says."""

import pytest
from django.test import RequestFactory

from eport.netaddr import client_ip, parse


def ip(remote, xff=None):
    headers = {"X-Forwarded-For": xff} if xff is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers))


def test_without_trusted_proxies_a_forged_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = ""
    assert ip("198.51.100.9", "203.0.113.7") == "198.51.100.9"


def test_behind_a_trusted_proxy_the_header_names_the_client(settings):
    settings.TRUSTED_PROXIES = "10.0.0.0/8, 192.0.2.10/32"
    assert ip("10.1.2.3", "203.0.113.7") == "203.0.113.7"
    # read from the right: whatever the client wrote itself (to the left) is not believed
    assert ip("10.1.2.3", "1.2.3.4, 203.0.113.7") == "203.0.113.7"
    assert ip("10.1.2.3", "10.9.9.9, 203.0.113.7") == "203.0.113.7"  # a forged "trusted" hop too
    # two proxies of ours: past both
    assert ip("192.0.2.10", "1.2.3.4, 203.0.113.7, 10.0.0.5") == "203.0.113.7"
    # a client that is not a proxy of ours cannot name another address
    assert ip("198.51.100.9", "203.0.113.7") == "198.51.100.9"


@pytest.mark.parametrize(
    "xff, expected",
    [
        ("", "10.0.0.1"),  # no header: the proxy itself (e.g. its health check)
        ("10.0.0.2", "10.0.0.2"),  # only proxies of ours: the farthest of them
        ("garbage", "10.0.0.1"),  # malformed: no further than the last address we trust
        ("203.0.113.7, garbage", "10.0.0.1"),
        ("garbage, 203.0.113.7", "203.0.113.7"),  # malformed where the client wrote: never reached
        ("203.0.113.7:5123", "203.0.113.7"),  # with a port
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("2001:DB8::7", "2001:db8::7"),  # one spelling for one address
        ("::ffff:203.0.113.7", "203.0.113.7"),  # IPv4-mapped
        (" 203.0.113.7 ,", "203.0.113.7"),  # blanks and an empty entry
    ],
)
def test_header_entries(settings, xff, expected):
    settings.TRUSTED_PROXIES = "10.0.0.0/8"
    assert ip("10.0.0.1", xff) == expected


def test_parse_refuses_what_is_not_an_address():
    assert parse("not an ip") is None and parse("") is None and parse(None) is None
    assert str(parse("fe80::1%eth0")) == "fe80::1"


def test_a_bad_proxy_setting_stops_the_start():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        capture_output=True,
        text=True,
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "eport.settings",
            "EPORT_TRUSTED_PROXIES": "10.0.0.0/8, proxy.example",
        },
    )
    assert out.returncode != 0 and "EPORT_TRUSTED_PROXIES: 'proxy.example'" in out.stderr
