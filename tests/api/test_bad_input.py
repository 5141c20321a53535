"""Bad input anywhere: a 4xx in the API's error shape, never a 500, a 422 or an HTML page."""

import pytest

from eport.accounts.models import UserKind
from eport.applications.models import Application
from tests import factories as f

from .helpers import Api, err

pytestmark = pytest.mark.django_db

BODIES = [
    "",
    "{",
    "null",
    "[]",
    "123",
    '"text"',
    '{"data": null}',
    '{"data": []}',
    '{"version": "x"}',
    '{"kind": 5, "data": {"registered_capital": "NaN"}}',
    '{"opinion": ["x"]}',
    '{"enabled": "maybe"}',
]


def check(resp):
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.content[:300])
    assert resp["Content-Type"].startswith("application/json"), resp["Content-Type"]
    err(resp)
    assert resp.status_code != 422


@pytest.mark.parametrize("body", BODIES)
def test_weird_bodies_are_4xx(body):
    user = f.cardless()
    app = f.draft_entry(user)
    api = Api(user)
    reviewer = Api(f.staff(UserKind.REVIEWER, "aic:440300"))
    for path in ("/accounts", "/auth/login", "/applications"):
        check(api.post(path, body))
    check(api.patch(f"/applications/{app.id}", body))
    check(reviewer.post("/reviews/1/approve", body))
    resp = reviewer.put("/units/aic:440300/auto-review", body)
    check(resp)


@pytest.mark.parametrize(
    "data",
    [
        {"registered_capital": "1e40"},
        {"registered_capital": "Infinity"},
        {"registered_capital": ["1"]},
        {"legal_person_type": ["enterprise"]},
        {"enterprise_type": {"a": 1}},
        {"customs_code": 5300.5},
        {"name": "x" * 5000},
        {"legal_rep_id_type": "passport", "legal_rep_id_no": "\x00\x01"},
        {"phone": None},
        {"uscc": 123},
    ],
)
def test_weird_entry_data_is_400(data):
    user = f.cardless()
    resp = Api(user).post("/applications", {"kind": "enterprise_entry", "data": data})
    assert resp.status_code in (201, 400), resp.content
    if resp.status_code == 400:
        # A NUL character is refused for the whole request before any field is looked at.
        assert err(resp)["field"] or err(resp)["code"] == "nul_character"
        assert not Application.objects.exists()


def test_submit_body_is_optional_but_checked():
    user = f.cardless()
    app = f.draft_entry(user)
    api = Api(user)
    e = err(api.post(f"/applications/{app.id}/submit", '{"version": "x"}'))
    assert e["field"] == "version"
    check(api.post(f"/applications/{app.id}/submit", "{"))
    assert Application.objects.get(pk=app.id).status == "DRAFT"
    assert api.post(f"/applications/{app.id}/submit", "").status_code == 200


@pytest.mark.parametrize("body", ["[]", "5", '"text"', "true", '{"version": "1"}', '{"version": 1.0}'])
def test_an_optional_body_is_still_a_json_object_of_its_types(body):
    """Found by the fuzzing (test_fuzz.py): a body whose fields all have defaults took any JSON value
    (`[]` as `{}`) and a number in a string; the OpenAPI says an object with an integer version."""
    user = f.cardless()
    app = f.draft_entry(user)
    check(Api(user).post(f"/applications/{app.id}/submit", body))
    assert Application.objects.get(pk=app.id).status == "DRAFT"


def test_non_numeric_ids():
    api = Api(f.cardless())
    for resp in (
        api.get("/applications/abc"),
        api.post("/applications/abc/submit"),
        api.delete("/applications/1/attachments/x"),
        api.post("/reviews/abc/approve", {"opinion": "x"}),
    ):
        check(resp)
        assert resp.status_code in (400, 404)


def test_unknown_api_paths_answer_json_404():
    api = Api(f.cardless())
    for resp in (
        api.get("/nowhere"),
        api.post("/applications/1/publish"),
        Api().get("/deeper/and/deeper"),
        api.delete("/me/too"),
    ):
        assert resp.status_code == 404, resp.content[:200]
        assert err(resp)["code"] == "not_found"


def test_docs_are_served():
    assert Api().client.get("/api/v1/docs").status_code == 200


def test_a_form_sent_to_a_json_endpoint_is_a_400(user):
    """A multipart form where JSON is expected: refused as bad input, never a server error."""
    from django.test import Client

    c = Client()
    for path in ("/api/v1/auth/login", "/api/v1/auth/card/challenge"):
        r = c.post(path, {"username": "x", "card_no": "1"})  # the test client sends multipart by default
        assert r.status_code == 400, (path, r.status_code)
        assert r.json()["error"]["code"]
