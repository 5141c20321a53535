"""The security matrix: another enterprise's ids on every application endpoint answer 404 and change nothing;
roles stay in their lane."""

import pytest

from eport.accounts.models import UserKind
from eport.applications import services
from eport.applications.models import Application, Attachment, ReviewStep
from eport.audit.models import AuditEvent
from tests import factories as f

from .helpers import Api, assert_error, make_pdf, stored_files, too_large

pytestmark = pytest.mark.django_db


def state():
    return {
        "apps": sorted(Application.objects.values_list("id", "status", "version", "data", "round")),
        "atts": sorted(Attachment.objects.values_list("id", "application_id", "sha256")),
        "steps": sorted(ReviewStep.objects.values_list("id", "status")),
        "files": sorted(str(p) for p in stored_files()),
        "audit": AuditEvent.objects.count(),
    }


def endpoints(app_id, att_id, version):
    """Every application endpoint as (label, call(api) -> response)."""
    return [
        ("get", lambda a: a.get(f"/applications/{app_id}")),
        (
            "patch",
            lambda a: a.patch(
                f"/applications/{app_id}", {"data": {"address": "被别人改了"}, "version": version}
            ),
        ),
        ("delete", lambda a: a.delete(f"/applications/{app_id}")),
        ("submit", lambda a: a.post(f"/applications/{app_id}/submit")),
        ("submit_versioned", lambda a: a.post(f"/applications/{app_id}/submit", {"version": version})),
        ("upload", lambda a: a.upload(app_id, make_pdf())),
        ("upload_too_large", lambda a: a.upload(app_id, too_large())),
        ("upload_bad_type", lambda a: a.upload(app_id, b"not a pdf")),
        ("download", lambda a: a.get(f"/applications/{app_id}/attachments/{att_id}")),
        ("delete_attachment", lambda a: a.delete(f"/applications/{app_id}/attachments/{att_id}")),
    ]


@pytest.fixture
def victim():
    user = f.cardless()
    app = f.draft_entry(user)
    att = services.attachment_add(
        actor=user, application_id=app.id, doc_type="business_license", upload=_upload(make_pdf())
    )
    return user, app, att


def _upload(content, name="a.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.mark.parametrize("victim_state", ["DRAFT", "RETURNED"])
def test_other_enterprise_ids_are_404_everywhere(victim, victim_state):
    user, app, att = victim
    if victim_state == "RETURNED":
        r = f.reviewers()
        services.application_submit(actor=user, application_id=app.id)
        step = app.steps.get(unit_id="aic:440300")
        services.step_return(actor=r["aic"], step_id=step.id, opinion="退回")
    app.refresh_from_db()
    attacker = Api(f.cardless())
    before = state()
    for label, call in endpoints(app.id, att.id, app.version):
        resp = call(attacker)
        assert resp.status_code == 404, (label, resp.status_code, resp.content[:300])
        assert resp.json()["error"]["code"] in ("application_not_found", "attachment_not_found"), label
        assert state() == before, label


def test_other_enterprise_attachment_id_under_own_application_is_404(victim):
    _, _, att = victim
    me = f.cardless()
    mine = f.draft_entry(me)
    api = Api(me)
    before = state()
    assert_error(api.get(f"/applications/{mine.id}/attachments/{att.id}"), 404, "attachment_not_found")
    assert_error(api.delete(f"/applications/{mine.id}/attachments/{att.id}"), 404, "attachment_not_found")
    assert state() == before


def test_missing_ids_are_404(victim):
    user, app, att = victim
    api = Api(user)
    before = state()
    for label, call in endpoints(999999, 999999, 1):
        resp = call(api)
        assert resp.status_code == 404, (label, resp.status_code)
    assert_error(api.get(f"/applications/{app.id}/attachments/999999"), 404, "attachment_not_found")
    assert state() == before


def test_reviewer_cannot_touch_applications():
    user = f.cardless()
    app = f.submitted_entry(user)
    reviewer = f.staff(UserKind.REVIEWER, "aic:440000")
    api = Api(reviewer)
    before = state()
    assert_error(
        api.post("/applications", {"kind": "enterprise_entry", "data": {}}), 403, "enterprise_actor_required"
    )
    assert_error(api.get("/applications"), 403)
    for label, call in endpoints(app.id, 1, app.version):
        if label in ("get", "download"):
            continue  # reading what is routed to the reviewer is allowed (tested in test_reviews)
        # A reviewer's kind may not file: refused before the application is looked up.
        assert_error(call(api), 403, "enterprise_actor_required")
    assert state() == before


@pytest.mark.parametrize("kind, unit", [(UserKind.RA, "ra:5300"), (UserKind.ADMIN, None)])
def test_other_staff_cannot_file(kind, unit):
    api = Api(f.staff(kind, unit))
    assert_error(api.post("/applications", {"kind": "enterprise_entry", "data": {}}), 403)
    assert not Application.objects.exists()


def test_enterprise_user_cannot_use_review_endpoints():
    user = f.cardless()
    app = f.submitted_entry(user)
    api = Api(user)
    step = app.steps.first()
    before = state()
    assert_error(api.get("/reviews"), 403, "reviewer_required")
    assert_error(api.post(f"/reviews/{step.id}/approve", {"opinion": "同意"}), 403, "reviewer_required")
    assert_error(api.post(f"/reviews/{step.id}/return", {"opinion": "退回"}), 403, "reviewer_required")
    assert_error(
        api.put(f"/units/{step.unit_id}/auto-review", {"enabled": True}), 403, "auto_review_own_unit_only"
    )
    assert state() == before


def test_anonymous_is_401_everywhere(victim):
    _, app, att = victim
    before = state()
    for _label, call in endpoints(app.id, att.id, 1):
        assert_error(call(Api()), 401, "not_authenticated")
    assert_error(Api().get("/reviews"), 401)
    assert_error(Api().post("/reviews/1/approve", {"opinion": "x"}), 401)
    assert state() == before
