"""Throttles that cannot be turned on a victim (issue 11, finding 4 and the registration part of 2).

Through the API and the screens, as a client at an address (REMOTE_ADDR, or X-Forwarded-For behind a
trusted proxy). Argon2 work is counted by wrapping Django's hasher, so "before the hash" is checked
by the number of hashes, not by time. Every test runs twice: counting in the database, and in Redis (what a
cluster does, EPORT_REDIS_URL); time passes by the throttles' clock."""

import datetime as dt
import subprocess
import sys
import threading
import uuid

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.utils import timezone

from eport.accounts.models import User, UserKind
from eport.audit.models import AuditEvent
from eport.throttles import hashing, services, stores
from eport.throttles.models import Scope
from eport.throttles.services import account_wait, user_key
from tests import factories as f
from tests.api.helpers import Api, assert_error

pytestmark = pytest.mark.django_db

A, B = "203.0.113.7", "198.51.100.23"
PROXY = "10.0.0.1"


@pytest.fixture(params=["database", "redis"], autouse=True)
def store(request):
    """Where the throttles count: the database (one machine), or Redis (a cluster)."""
    if request.param == "redis":
        request.getfixturevalue("redis_settings")
    return request.param


class Clock:
    """The throttles' time, moved forward by the tests (the same for both stores)."""

    def __init__(self):
        self.offset = dt.timedelta(0)

    def __call__(self):
        return timezone.now() + self.offset

    def advance(self, seconds):
        self.offset += dt.timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(services, "_now", c)
    return c


def counted(scope=Scope.CREDENTIAL, ip=A):
    """The attempts the store holds for the address."""
    return stores.current().count(scope, ip)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (Redis counts a registration once it commits), as a real request does."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def hashes(monkeypatch):
    """How many Argon2 hashes ran (encode or verify)."""
    count = {"n": 0}
    for name in ("encode", "verify"):
        original = getattr(Argon2PasswordHasher, name)

        def counted(self, *args, _original=original):
            count["n"] += 1
            return _original(self, *args)

        monkeypatch.setattr(Argon2PasswordHasher, name, counted)
    return count


def login(username, password, ip=A, **headers):
    return Api().post(
        "/auth/login", {"username": username, "password": password}, REMOTE_ADDR=ip, headers=headers or None
    )


def reviewer():
    return f.staff(UserKind.REVIEWER, "aic:440300", username=f"rev_{uuid.uuid4().hex[:8]}")


# --- password sign-in: per address, before the hash -------------------------------------------------


def test_random_usernames_from_one_address_are_throttled_before_their_hash(settings, hashes):
    settings.THROTTLE_ADDRESS_FAILURES = 5
    for i in range(5):
        assert_error(login(f"nobody_{i}", "Wrong#Pass2026"), 401, "invalid_credentials")
    assert hashes["n"] == 5  # an unknown name costs a hash too (Django hashes to hide which names exist)
    for i in range(20):
        e = assert_error(login(f"flood_{i}", "Wrong#Pass2026"), 429, "login_throttled", "username")
        assert "分钟后再试" in e["message"]
    assert hashes["n"] == 5  # the flood past the limit ran no hash
    # another address is not affected, nor is an account signing in from it
    user = f.cardless()
    assert login(user.username, f.PASSWORD, ip=B).status_code == 200
    # the refusals past the limit wrote nothing: a flood writes no more rows than the limit
    assert counted() == 5


def test_the_address_waits_out_its_window_then_signs_in(settings, clock):
    settings.THROTTLE_ADDRESS_FAILURES = 3
    user = f.cardless()
    for i in range(3):
        login(f"nobody_{i}", "Wrong#Pass2026")
    assert_error(login(user.username, f.PASSWORD), 429, "login_throttled")
    clock.advance(settings.THROTTLE_ADDRESS_SECONDS + 1)
    assert login(user.username, f.PASSWORD).status_code == 200


# --- per account, only together with the address that failed ------------------------------------------


def test_failures_from_one_address_never_lock_the_account_for_another(hashes):
    rev = reviewer()
    for i in range(5):
        assert_error(login(rev.username, f"Wrong#Pass{i}"), 401, "invalid_credentials")
    n = hashes["n"]
    assert_error(
        login(rev.username, f.PASSWORD), 429, "login_throttled"
    )  # locked from A, right password or not
    assert hashes["n"] == n
    r = login(rev.username, f.PASSWORD, ip=B)  # the reviewer at their own desk
    assert r.status_code == 200 and r.json()["token"]


def test_the_lock_is_temporary_and_grows_with_failures(settings, clock):
    """Keycloak's temporary lockout: from the 5th failure on, each failure locks for 60 s × (failures ÷ 5),
    at most the maximum."""
    settings.THROTTLE_LOCK_SECONDS, settings.THROTTLE_LOCK_MAX_SECONDS = 60, 150
    rev = reviewer()
    key = user_key(rev.username)

    def wait():
        return account_wait(key, A).total_seconds()

    def pass_time(seconds):
        clock.advance(seconds)

    for _i in range(4):
        assert login(rev.username, "Wrong#Pass2026").status_code == 401 and wait() == 0
    waits = []
    for _i in range(11):  # failures 5 … 15
        assert login(rev.username, "Wrong#Pass2026").status_code == 401
        assert_error(login(rev.username, f.PASSWORD), 429, "login_throttled")  # locked, whatever the password
        waits.append(round(wait() / 10) * 10)
        pass_time(waits[-1] + 1)
    assert waits == [60] * 5 + [120] * 5 + [150]  # grows with the failures, capped
    assert login(rev.username, f.PASSWORD).status_code == 200  # temporary: the right password gets in again
    assert account_wait(key, A) == dt.timedelta(0)
    assert stores.current().account_failures(key, A, clock() - dt.timedelta(days=1)) == (0, None)


def test_failures_are_forgotten_after_the_reset_time(settings, clock):
    rev = reviewer()
    for i in range(4):
        login(rev.username, f"Wrong#Pass{i}")
    clock.advance(settings.THROTTLE_RESET_SECONDS + 1)
    for i in range(4):
        assert (
            login(rev.username, f"Wrong#Pass{i}").status_code == 401
        )  # not 429: the old four no longer count


# --- behind a reverse proxy -------------------------------------------------------------------------------


def test_behind_a_trusted_proxy_the_forwarded_address_decides(settings):
    settings.TRUSTED_PROXIES = "10.0.0.0/8"
    rev = reviewer()
    for i in range(5):
        assert login(rev.username, f"Wrong#Pass{i}", ip=PROXY, x_forwarded_for=A).status_code == 401
    assert_error(login(rev.username, f.PASSWORD, ip=PROXY, x_forwarded_for=A), 429, "login_throttled")
    # every client comes through the proxy, but only the attacker's address is locked out
    assert login(rev.username, f.PASSWORD, ip=PROXY, x_forwarded_for=B).status_code == 200
    refused = AuditEvent.objects.filter(action="account.sign_in_refused", after__username=rev.username)
    assert set(refused.values_list("ip", flat=True)) == {A}
    assert AuditEvent.objects.get(action="account.sign_in", actor=rev).ip == B


def test_without_the_proxy_setting_a_forged_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES = ""
    settings.THROTTLE_ADDRESS_FAILURES = 5
    for i in range(5):
        assert login(f"nobody_{i}", "x", ip=A, x_forwarded_for=f"192.0.2.{i}").status_code == 401
    assert_error(login("nobody_9", "x", ip=A, x_forwarded_for="192.0.2.99"), 429, "login_throttled")
    assert set(AuditEvent.objects.filter(action="account.sign_in_refused").values_list("ip", flat=True)) == {
        A
    }


def test_ipv6_clients_are_counted_by_their_64(settings):
    settings.THROTTLE_ADDRESS_FAILURES = 3
    for i in range(3):
        login(f"nobody_{i}", "x", ip=f"2001:db8:1:2::{i + 1}")
    assert_error(login("nobody_9", "x", ip="2001:db8:1:2:ffff::9"), 429, "login_throttled")
    assert login("nobody_9", "x", ip="2001:db8:1:3::1").status_code == 401


# --- audit -------------------------------------------------------------------------------------------------


def test_sign_ins_and_refusals_are_audited_with_the_address():
    user = f.cardless()
    login(user.username, "Wrong#Pass2026")
    login("no_such_user", "Wrong#Pass2026")
    login(user.username, f.PASSWORD)
    refused = list(AuditEvent.objects.filter(action="account.sign_in_refused").order_by("id"))
    assert [(e.after["username"], e.object_id, e.reason, e.ip) for e in refused] == [
        (user.username, str(user.pk), "invalid_credentials", A),
        ("no_such_user", "", "invalid_credentials", A),
    ]
    ok = AuditEvent.objects.get(action="account.sign_in")
    assert ok.actor == user and ok.ip == A and ok.object_id == str(user.pk)


def test_every_audit_row_of_a_request_carries_the_client_address(settings):
    settings.TRUSTED_PROXIES = "10.0.0.0/8"
    user = f.cardless()
    api = Api(user)
    r = api.post(
        "/applications",
        {"kind": "enterprise_entry", "data": f.entry_data(user.enterprise.uscc)},
        REMOTE_ADDR=PROXY,
        headers={"X-Forwarded-For": A},
    )
    assert r.status_code == 201, r.content
    assert AuditEvent.objects.filter(action__startswith="application.").latest("id").ip == A


# --- password change: old_password ------------------------------------------------------------------------


def test_old_password_guesses_are_throttled(hashes):
    user = f.cardless()
    api = Api(user)
    for i in range(5):
        r = api.post(
            "/auth/password",
            {"old_password": f"Guess#{i}x2026", "new_password": "New#Pass2026x"},
            REMOTE_ADDR=A,
        )
        assert_error(r, 400, "wrong_password", "old_password")
    n = hashes["n"]
    r = api.post(
        "/auth/password", {"old_password": f.PASSWORD, "new_password": "New#Pass2026x"}, REMOTE_ADDR=A
    )
    e = assert_error(r, 429, "password_change_throttled", "old_password")
    assert "分钟后再试" in e["message"] and hashes["n"] == n
    assert AuditEvent.objects.filter(action="account.password_change_refused", actor=user, ip=A).count() == 5
    # the same guesses lock the account's password sign-in from that address, not from another
    assert_error(login(user.username, f.PASSWORD), 429, "login_throttled")
    assert login(user.username, f.PASSWORD, ip=B).status_code == 200


def test_old_password_throttle_on_the_screen(client):
    user = f.cardless()
    client.force_login(user)
    for i in range(5):
        client.post(
            "/password/",
            {
                "old_password": f"Guess#{i}x2026",
                "new_password": "New#Pass2026x",
                "new_password2": "New#Pass2026x",
            },
        )
    body = client.post(
        "/password/",
        {"old_password": f.PASSWORD, "new_password": "New#Pass2026x", "new_password2": "New#Pass2026x"},
    ).content.decode()
    assert "原密码输错次数过多" in body
    user.refresh_from_db()
    assert user.check_password(f.PASSWORD)


# --- registration ------------------------------------------------------------------------------------------


def registration(n):
    return {
        "username": f"reg_user_{n}",
        "password": "Sz#Trade2026x",
        "uscc": f.new_uscc(),
        "enterprise_name": f"注册限流测试企业{n}有限公司",
        "contact_name": "王五",
        "phone": "13800138000",
        "email": f"r{n}@example.com",
    }


def test_registration_is_throttled_per_address(settings, committed):
    settings.REGISTER_LIMIT = 3

    def register(data, ip=A):
        with committed():
            return Api().post("/accounts", data, REMOTE_ADDR=ip)

    for n in range(3):
        assert register(registration(n)).status_code == 201
    e = assert_error(register(registration(3)), 429, "register_throttled")
    assert "分钟后再试" in e["message"]
    assert not User.objects.filter(username="reg_user_3").exists()
    assert register(registration(4), ip=B).status_code == 201
    # a registration refused for its content is not counted
    settings.REGISTER_LIMIT = 4
    assert_error(register({**registration(5), "phone": "12"}), 400)
    # nor one refused by the service after the throttle counted it (a taken user name): it rolled back
    assert_error(register({**registration(7), "username": "reg_user_0"}), 409, "username_taken")
    assert counted(Scope.REGISTER) == 3
    assert register(registration(6)).status_code == 201
    assert AuditEvent.objects.get(action="account.register", after__username="reg_user_6").ip == A


def test_registration_throttle_on_the_screen(client, settings, committed):
    settings.REGISTER_LIMIT = 1
    with committed():
        assert client.post("/register/", registration(0), REMOTE_ADDR=A).status_code == 302
    r = client.post("/register/", registration(1), REMOTE_ADDR=A)
    assert "注册的账号过多" in r.content.decode()
    assert not User.objects.filter(username="reg_user_1").exists()


# --- screens ----------------------------------------------------------------------------------------------


def test_login_screen_shows_the_throttle(client, settings):
    settings.THROTTLE_ADDRESS_FAILURES = 2
    for i in range(2):
        client.post("/login/", {"username": f"nobody_{i}", "password": "x"})
    r = client.post("/login/", {"username": "nobody_3", "password": "x"})
    assert r.status_code == 429 and "登录失败次数过多" in r.content.decode()


def test_admin_login_goes_through_the_throttled_sign_in(client):
    r = client.get("/admin/login/?next=/admin/")
    assert r.status_code == 302 and r["Location"] == "/login/?next=/admin/"


# --- card PIN change ---------------------------------------------------------------------------------------


def test_card_pin_guesses_are_throttled(settings):
    from tests.api.test_cards import NEW_PIN, card_login

    settings.CARD_PIN_LIMIT = 10  # the card's own counter further away than the throttle
    made = f.make_card()
    token = card_login(made).json()["token"]
    api = Api(token=token)
    for i in range(5):
        r = api.post("/auth/card/pin", {"old_pin": f"1111111{i}", "new_pin": NEW_PIN}, REMOTE_ADDR=A)
        assert_error(r, 401, "pin_wrong", "old_pin")
    r = api.post("/auth/card/pin", {"old_pin": made.initial_pin, "new_pin": NEW_PIN}, REMOTE_ADDR=A)
    assert_error(r, 429, "pin_change_throttled", "old_pin")
    assert (
        api.post(
            "/auth/card/pin", {"old_pin": made.initial_pin, "new_pin": NEW_PIN}, REMOTE_ADDR=B
        ).status_code
        == 204
    )


# --- the cap on concurrent Argon2 work --------------------------------------------------------------------

HOLD = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def test_the_argon2_cap_refuses_at_once_when_every_slot_is_taken(settings, hashes):
    settings.ARGON2_SLOTS = 1
    user = f.cardless()
    n = hashes["n"]
    # another process (as another server worker would) holds the only slot
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(hashing._slot_path(0))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        e = assert_error(login(user.username, f.PASSWORD), 503, "server_busy")
        assert "繁忙" in e["message"]
        assert_error(Api().post("/accounts", registration(0), REMOTE_ADDR=A), 503, "server_busy")
        assert hashes["n"] == n  # refused before hashing
        assert counted() == 0  # busy is not a failure of the client
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert login(user.username, f.PASSWORD).status_code == 200
    assert hashes["n"] == n + 1


def test_the_cap_holds_between_threads_of_one_process(settings):
    settings.ARGON2_SLOTS = 1
    with hashing.argon2_slot(wait=False):
        with pytest.raises(hashing.Unavailable):
            with hashing.argon2_slot(wait=False):
                pass
        seen = []
        t = threading.Thread(target=lambda: seen.append(hashing._take(1)))
        t.start()
        t.join()
        assert seen == [None]
    with hashing.argon2_slot(wait=False):
        pass  # freed


def test_outside_a_request_a_hash_waits_for_a_slot(settings):
    settings.ARGON2_SLOTS = 1
    held, release = threading.Event(), threading.Event()

    def hold():
        with hashing.argon2_slot(wait=False):
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    threading.Timer(0.2, release.set).start()
    assert make_password("Eport#Pass2026").startswith("argon2$")  # a command (e.g. create-staff) waits
    t.join()
