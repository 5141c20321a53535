"""Accounts through the API: registration, sign-in, throttling, initial passwords, CSRF, /me."""

import json

import pytest
from django.test import Client

from eport.accounts.models import ApiToken, User, UserKind
from eport.accounts.services import staff_create
from eport.audit.models import AuditEvent
from eport.enterprises.models import Enterprise
from tests import factories as f

from .helpers import API, Api, assert_error

pytestmark = pytest.mark.django_db

GOOD = {
    "username": "shenzhen_trade",
    "password": "Sz#Trade2026x",
    "uscc": f.USCC_SZ,
    "enterprise_name": "深圳市前海示范贸易有限公司",
    "contact_name": "王五",
    "phone": "13800138000",
    "email": "wang@example.com",
}


def register(**over):
    return Api().post("/accounts", {**GOOD, **over})


# --- registration ---------------------------------------------------------------------------------------


def test_register_creates_user_and_enterprise():
    r = register()
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["username"] == "shenzhen_trade" and isinstance(body["id"], int)
    user = User.objects.get(pk=body["id"])
    assert user.kind == UserKind.CARDLESS and user.enterprise.uscc == f.USCC_SZ
    assert user.check_password(GOOD["password"]) and user.password != GOOD["password"]
    assert user.enterprise.contact_phone == "13800138000"
    assert AuditEvent.objects.filter(action="account.register", object_id=str(user.pk)).exists()


def test_register_lowercase_uscc_is_normalised():
    r = register(uscc=f.USCC_SZ.lower())
    assert r.status_code == 201, r.content
    assert Enterprise.objects.filter(uscc=f.USCC_SZ).count() == 1


@pytest.mark.parametrize(
    "over, field",
    [
        ({"uscc": "91440300MA5DDEM15X"}, "uscc"),  # wrong check character
        ({"uscc": "91440300"}, "uscc"),  # too short
        ({"password": "12345678"}, "password"),  # numeric
        ({"password": "abc"}, "password"),  # too short
        ({"password": "shenzhen_trade1"}, "password"),  # like the username
        ({"phone": "12"}, "phone"),
        ({"phone": "8600123"}, "phone"),  # a landline without its area code
        ({"email": "not-an-email"}, "email"),
        ({"username": "a b"}, "username"),
        ({"username": ""}, "username"),
        ({"enterprise_name": "   "}, "enterprise_name"),
    ],
)
def test_register_bad_input_is_400_naming_the_field(over, field):
    r = register(**over)
    assert_error(r, 400, field=field)
    assert not User.objects.filter(username=GOOD["username"]).exists()
    assert not Enterprise.objects.filter(uscc=f.USCC_SZ).exists()


@pytest.mark.parametrize(
    "missing", ["username", "password", "uscc", "enterprise_name", "contact_name", "phone", "email"]
)
def test_register_missing_field_is_400_never_422(missing):
    body = {k: v for k, v in GOOD.items() if k != missing}
    r = Api().post("/accounts", body)
    assert_error(r, 400, "field_required", missing)
    assert not User.objects.exists()


def test_register_malformed_json_is_400():
    r = Api().post("/accounts", "{not json")
    assert r.status_code == 400
    assert r.json()["error"]["code"]


def test_register_wrong_type_is_400():
    r = Api().post("/accounts", {**GOOD, "email": ["x"]})
    assert_error(r, 400, field="email")


def test_register_duplicate_username_is_refused():
    f.cardless(username="taken_name")
    r = register(username="TAKEN_name")
    assert_error(r, 409, "username_taken", "username")
    assert not Enterprise.objects.filter(uscc=f.USCC_SZ).exists()


def test_register_the_same_uscc_twice_is_accepted():
    """Issue 11 finding 2: registering first must not block the real enterprise (was 409 uscc_registered)."""
    assert register().status_code == 201
    assert register(username="another_user").status_code == 201
    assert User.objects.filter(enterprise__uscc=f.USCC_SZ).count() == 2


# --- sign-in --------------------------------------------------------------------------------------------


def login(username, password, client=None):
    c = client or Client()
    return c.post(
        f"{API}/auth/login",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
    )


def test_login_token_works_as_bearer():
    user = f.cardless()
    r = login(user.username, f.PASSWORD)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["must_change_password"] is False and len(body["token"]) > 20
    assert not ApiToken.objects.filter(key_hash=body["token"]).exists()  # only its hash is stored
    me = Api(token=body["token"]).get("/me")
    assert me.status_code == 200 and me.json()["username"] == user.username
    user.refresh_from_db()
    assert user.last_login is not None  # a token sign-in is a sign-in


def test_bad_or_missing_token_is_401():
    assert_error(Api(token="nope").get("/me"), 401, "not_authenticated")
    assert_error(Api().get("/me"), 401, "not_authenticated")
    assert_error(Api().get("/applications"), 401, "not_authenticated")


def test_unauthenticated_post_is_401_even_with_csrf_enforced():
    c = Client(enforce_csrf_checks=True)
    r = c.post(
        f"{API}/applications",
        json.dumps({"kind": "enterprise_entry", "data": {}}),
        content_type="application/json",
        headers={"Authorization": "Bearer expired-or-wrong"},
    )
    assert_error(r, 401, "not_authenticated")


def test_logout_revokes_token():
    api = Api(f.cardless())
    assert api.post("/auth/logout").status_code == 204
    assert_error(api.get("/me"), 401)


def test_wrong_password_is_401():
    user = f.cardless()
    assert_error(login(user.username, "Wrong#Pass2026"), 401, "invalid_credentials")
    assert_error(login("nobody_here", "Wrong#Pass2026"), 401, "invalid_credentials")


def test_login_missing_field_is_400():
    r = Client().post(f"{API}/auth/login", json.dumps({"username": "x"}), content_type="application/json")
    assert_error(r, 400, "field_required", "password")


def test_sixth_attempt_after_five_failures_is_throttled_even_with_right_password():
    user = f.cardless()
    for i in range(4):
        assert login(user.username, f"Wrong#Pass{i}").status_code == 401
    assert login(user.username, "Wrong#Pass5").status_code in (401, 429)
    r = login(user.username, f.PASSWORD)
    assert_error(r, 429, "login_throttled")
    assert "token" not in r.json()
    # another account from the same address is not locked
    other = f.cardless()
    assert login(other.username, f.PASSWORD).status_code == 200


def test_success_resets_failure_count():
    user = f.cardless()
    for i in range(4):
        assert login(user.username, f"Wrong#Pass{i}").status_code == 401
    assert login(user.username, f.PASSWORD).status_code == 200
    for i in range(4):
        assert login(user.username, f"Wrong#Pass{i}").status_code == 401
    assert login(user.username, f.PASSWORD).status_code == 200


# --- initial password -----------------------------------------------------------------------------------

BLOCKED = [
    ("get", "/applications", None),
    ("post", "/applications", {"kind": "enterprise_entry", "data": {}}),
    ("get", "/applications/1", None),
    ("patch", "/applications/1", {"data": {}, "version": 1}),
    ("delete", "/applications/1", None),
    ("post", "/applications/1/submit", {}),
    ("get", "/applications/1/attachments/1", None),
    ("delete", "/applications/1/attachments/1", None),
    ("get", "/reviews", None),
    ("post", "/reviews/1/approve", {"opinion": "同意"}),
    ("post", "/reviews/1/return", {"opinion": "退回"}),
    ("get", "/units/aic:440300/auto-review", None),
    ("put", "/units/aic:440300/auto-review", {"enabled": True}),
    ("get", "/refdata/customs", {"prefix": "53"}),
    ("get", f"/registry/{f.USCC_SZ}", None),
    ("get", "/registry/me", None),
    ("get", "/enterprise", None),
]


def test_initial_password_blocks_everything_but_password_change_and_me():
    admin = f.staff(UserKind.ADMIN, None)
    staff = staff_create(
        actor=admin, role="reviewer", username="new_reviewer", password=f.PASSWORD, unit_id="aic:440300"
    )
    assert staff.must_change_password
    r = login(staff.username, f.PASSWORD)
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    api = Api(token=r.json()["token"])
    for method, path, body in BLOCKED:
        if method == "get":
            resp = api.get(path, body)
        elif method == "delete":
            resp = api.delete(path)
        else:
            resp = getattr(api, method)(path, body)
        assert_error(resp, 403, "password_change_required")
    me = api.get("/me")
    assert me.status_code == 200 and me.json()["must_change_password"] is True

    assert_error(
        api.post("/auth/password", {"old_password": "Wrong#1234x", "new_password": "New#Pass2026x"}),
        400,
        field="old_password",
    )
    assert_error(
        api.post("/auth/password", {"old_password": f.PASSWORD, "new_password": f.PASSWORD}),
        400,
        field="new_password",
    )
    assert_error(
        api.post("/auth/password", {"old_password": f.PASSWORD, "new_password": "12345678"}),
        400,
        field="new_password",
    )
    assert_error(api.get("/reviews"), 403, "password_change_required")

    assert (
        api.post("/auth/password", {"old_password": f.PASSWORD, "new_password": "New#Pass2026x"}).status_code
        == 204
    )
    staff.refresh_from_db()
    assert staff.must_change_password is False and staff.check_password("New#Pass2026x")
    assert api.get("/reviews").status_code == 200
    assert api.get("/me").json()["must_change_password"] is False
    assert login(staff.username, "New#Pass2026x").json()["must_change_password"] is False


def test_initial_password_also_blocks_the_session():
    staff = f.staff(UserKind.REVIEWER, "aic:440300", must_change_password=True)
    c = Client()
    c.force_login(staff)
    assert_error(c.get(f"{API}/reviews"), 403, "password_change_required")
    assert c.get(f"{API}/me").status_code == 200


# --- session cookie and CSRF ----------------------------------------------------------------------------


def test_session_cookie_auth_needs_csrf_for_unsafe_methods():
    user = f.cardless()
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    assert c.get(f"{API}/me").status_code == 200  # safe method: no token needed
    body = json.dumps({"kind": "enterprise_entry", "data": {}})
    r = c.post(f"{API}/applications", body, content_type="application/json")
    assert_error(r, 403, "csrf_failed")
    assert not user.enterprise.applications.exists()

    # with the CSRF cookie and the matching header it is accepted
    secret = "a" * 32
    c.cookies["csrftoken"] = secret
    token_value = secret
    r = c.post(
        f"{API}/applications", body, content_type="application/json", headers={"X-CSRFToken": token_value}
    )
    assert r.status_code == 201, r.content


def test_bearer_needs_no_csrf():
    user = f.cardless()
    api = Api(user)
    api.client = Client(enforce_csrf_checks=True)
    r = api.post("/applications", {"kind": "enterprise_entry", "data": {}})
    assert r.status_code == 201, r.content


# --- /me ------------------------------------------------------------------------------------------------


def test_me_cardless():
    user = f.cardless(name="某某公司")
    body = Api(user).get("/me").json()
    assert body["kind"] == "cardless" and body["username"] == user.username
    assert body["enterprise"] == {
        "id": user.enterprise.id,
        "uscc": user.enterprise.uscc,
        "name": "某某公司",
        "network_status": "not_in_network",
    }
    assert body["unit"] is None and body["card"] is None


@pytest.mark.parametrize(
    "kind, unit", [(UserKind.REVIEWER, "aic:440300"), (UserKind.RA, "ra:5300"), (UserKind.ADMIN, None)]
)
def test_me_staff(kind, unit):
    user = f.staff(kind, unit)
    body = Api(user).get("/me").json()
    assert body["kind"] == kind and body["enterprise"] is None
    if unit:
        assert body["unit"]["id"] == unit and body["unit"]["dept"] == unit.split(":")[0]
        assert body["unit"]["code"] == unit.split(":")[1] and body["unit"]["name"]
    else:
        assert body["unit"] is None


def test_enterprise_endpoint():
    user = f.cardless()
    body = Api(user).get("/enterprise").json()
    assert body["uscc"] == user.enterprise.uscc and body["network_status"] == "not_in_network"
    assert_error(
        Api(f.staff(UserKind.REVIEWER, "aic:440300")).get("/enterprise"), 403, "enterprise_actor_required"
    )


def test_openapi_is_published():
    r = Client().get(f"{API}/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for p in ("/api/v1/accounts", "/api/v1/auth/login", "/api/v1/applications", "/api/v1/reviews"):
        assert p in paths


def test_password_change_ends_other_tokens_and_keeps_the_callers():
    user = f.cardless()
    first, second = Api(user), Api(user)
    r = first.post("/auth/password", {"old_password": f.PASSWORD, "new_password": "Other#Pass2026x"})
    assert r.status_code == 204
    assert first.get("/me").status_code == 200
    assert_error(second.get("/me"), 401)
