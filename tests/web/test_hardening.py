"""Odd input a browser or a probe can send: a clear refusal, never a server error."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from eport.accounts.models import User, UserKind
from eport.applications import services
from eport.applications.models import Application, Status, StepStatus
from eport.audit.models import AuditEvent
from eport.refdata.models import Unit
from tests import factories as f
from tests.api.helpers import Api, assert_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["²", "-1", "abc", str(10**19)])
def test_list_screens_survive_odd_page_numbers(client, page):
    user = f.cardless()
    f.draft_entry(user)
    client.force_login(user)
    for url in ("/entries/", "/status/"):
        assert client.get(url, {"page": page}).status_code == 200
    client.force_login(f.staff(UserKind.REVIEWER, "aic:440300"))
    assert client.get("/reviews/", {"page": page}).status_code == 200


def test_api_refuses_a_huge_page_number():
    assert_error(Api(f.cardless()).get("/applications", {"page": 10**12}), 400, "page_invalid", "page")


def test_decompression_bomb_is_refused_as_a_bad_file():
    user = f.cardless()
    app = f.draft_entry(user, documents=False)
    buf = io.BytesIO()
    Image.new("1", (30000, 30000)).save(buf, "PNG")
    resp = Api(user).upload(app.id, buf.getvalue(), name="bomb.png")
    assert_error(resp, 400, "file_type_invalid", "file")
    assert app.attachments.count() == 0


def test_nul_characters_are_refused(client):
    user = f.cardless()
    api = Api(user)
    assert_error(api.get("/refdata/aic_units", {"prefix": "44\x00"}), 400, "nul_character")
    assert_error(api.post("/auth/login", {"username": "a\x00", "password": "b"}), 400, "nul_character")
    r = client.post("/login/", {"username": "x\x00y", "password": "z"})
    assert r.status_code == 400 and "NUL" in r.content.decode()


def test_review_with_an_unknown_action_changes_nothing(client):
    app = f.submitted_entry(f.cardless())
    step = app.steps.get(unit_id="aic:440300")
    client.force_login(f.staff(UserKind.REVIEWER, "aic:440300"))
    r = client.post(f"/reviews/{step.id}/", {"action": "bogus", "opinion": "同意"})
    assert r.status_code == 400
    step.refresh_from_db()
    assert step.status == StepStatus.PENDING


def test_switching_auto_review_on_approves_the_steps_already_waiting():
    user = f.cardless()
    app = f.submitted_entry(user)
    for unit in ("aic:440300", "tax:14403000000"):
        services.unit_set_auto_review(actor=f.staff(UserKind.REVIEWER, unit), unit_id=unit, enabled=True)
    quality = f.staff(UserKind.REVIEWER, "quality:440300")
    services.unit_set_auto_review(actor=quality, unit_id="quality:440300", enabled=True)
    ra = f.staff(UserKind.RA, "ra:5300")
    services.unit_set_auto_review(actor=ra, unit_id="ra:5300", enabled=True)
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    assert set(app.steps.values_list("status", flat=True)) == {StepStatus.AUTO_APPROVED}
    # Nobody approved it by hand: the audit names the system, not the applicant or the last switcher.
    approve = AuditEvent.objects.get(action="application.approve", object_id=str(app.id))
    assert approve.actor is None and approve.actor_label == "system"
    assert AuditEvent.objects.filter(action="enterprise.apply", object_id=str(user.enterprise_id)).exists()


def test_admin_user_form_keeps_staff_bound_to_a_unit_of_their_department():
    user = User(username="x", kind=UserKind.RA, unit=Unit.objects.get(pk="aic:440300"))
    with pytest.raises(ValidationError):
        user.clean()
    with pytest.raises(ValidationError):
        User(username="y", kind=UserKind.REVIEWER).clean()
    User(username="z", kind=UserKind.REVIEWER, unit=Unit.objects.get(pk="aic:440300")).clean()


def test_api_logout_ends_a_cookie_session(client):
    user = f.cardless()
    client.force_login(user)
    assert client.get("/api/v1/me").status_code == 200
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else None
    if token is None:
        client.get("/login/")
        token = client.cookies["csrftoken"].value
    r = client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    assert r.status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "nxt", ["/\\evil.example", "//evil.example", "https://evil.example/", "/\\/evil.example"]
)
def test_sign_in_never_redirects_off_site(client, nxt):
    user = f.cardless()
    r = client.post(f"/login/?next={nxt}", {"username": user.username, "password": f.PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/"


def test_lone_surrogates_in_json_are_refused_and_pairs_kept():
    """PostgreSQL cannot store a lone UTF-16 half ("\\ud800") in JSON or text: refused up front, on
    both databases alike; a real pair (an emoji) is an ordinary character."""
    api = Api(f.cardless())
    for body in (
        '{"kind": "enterprise_entry", "data": {"name": "\\ud800"}}',
        '{"kind": "enterprise_entry", "data": {"name": "a\\udc00b"}}',
        '{"kind": "enterprise_entry", "data": {"name": "\\ude00\\ud83d"}}',
    ):
        assert_error(api.post("/applications", body), 400, "nul_character")
    r = api.post("/applications", '{"kind": "enterprise_entry", "data": {"address": "\\ud83d\\ude00 1号"}}')
    assert r.status_code == 201 and r.json()["data"]["address"] == "\U0001f600 1号"
