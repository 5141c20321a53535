"""Review through the API: queues by jurisdiction, approve/return, resubmission, approval effect, auto-review."""

import pytest

from eport.accounts.models import UserKind
from eport.applications import services
from eport.applications.models import Application, ReviewStep, Status, StepStatus
from eport.audit.models import AuditEvent
from eport.enterprises.models import Enterprise, EnterpriseHistory
from eport.refdata.models import Unit
from tests import factories as f

from .helpers import Api, assert_error, steps_by_unit

pytestmark = pytest.mark.django_db


def queue_step_ids(reviewer, status="pending"):
    resp = Api(reviewer).get("/reviews", {"status": status})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["total"] == len(body["items"])
    return {i["id"] for i in body["items"]}


def approve(reviewer, step_id, opinion="同意"):
    return Api(reviewer).post(f"/reviews/{step_id}/approve", {"opinion": opinion})


def ret(reviewer, step_id, opinion="材料不全，请补充"):
    return Api(reviewer).post(f"/reviews/{step_id}/return", {"opinion": opinion})


# --- queues ---------------------------------------------------------------------------------------------


def test_queue_by_jurisdiction(r, app):
    s = steps_by_unit(app)
    assert queue_step_ids(r["aic"]) == {s["aic:440300"].id}
    assert queue_step_ids(r["aic_province"]) == {s["aic:440300"].id}
    assert queue_step_ids(r["aic_beijing"]) == set()
    assert queue_step_ids(r["tax"]) == {s["tax:14403000000"].id}
    assert queue_step_ids(r["quality"]) == {s["quality:440300"].id}
    assert queue_step_ids(r["ra"]) == set()  # its stage is not open yet (WAITING)


def test_queue_item_shape(r, app, user):
    item = Api(r["aic"]).get("/reviews").json()["items"][0]
    assert item["status"] == "PENDING" and item["unit"]["id"] == "aic:440300"
    assert item["application"] == {
        "id": app.id,
        "number": app.number,
        "kind": "enterprise_entry",
        "enterprise_name": user.enterprise.name,
    }


def test_queue_bad_status_and_paging(r, app):
    assert_error(Api(r["aic"]).get("/reviews", {"status": "everything"}), 400, "status_invalid", "status")
    assert_error(Api(r["aic"]).get("/reviews", {"page_size": 500}), 400, "page_size_invalid", "page_size")


def test_decided_queue(r, app):
    s = steps_by_unit(app)
    approve(r["aic_province"], s["aic:440300"].id)
    assert queue_step_ids(r["aic"], "decided") == {s["aic:440300"].id}
    assert queue_step_ids(r["aic"]) == set()


def test_reviewer_sees_application_in_jurisdiction_only(r, app):
    assert Api(r["aic_province"]).get(f"/applications/{app.id}").status_code == 200
    assert_error(Api(r["aic_beijing"]).get(f"/applications/{app.id}"), 404, "application_not_found")


# --- approve / return -----------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["approve", "return"])
@pytest.mark.parametrize("opinion", ["", "   ", None])
def test_opinion_required(r, app, action, opinion):
    step = steps_by_unit(app)["aic:440300"]
    body = {} if opinion is None else {"opinion": opinion}
    assert_error(Api(r["aic"]).post(f"/reviews/{step.id}/{action}", body), 400, "opinion_required", "opinion")
    step.refresh_from_db()
    assert step.status == StepStatus.PENDING and step.reviewer is None
    assert Application.objects.get(pk=app.id).status == Status.SUBMITTED


def test_opinion_too_long(r, app):
    step = steps_by_unit(app)["aic:440300"]
    assert_error(approve(r["aic"], step.id, "很" * 501), 400, "opinion_too_long", "opinion")


def test_approve_records_reviewer_and_opinion(r, app):
    step = steps_by_unit(app)["aic:440300"]
    resp = approve(r["aic_province"], step.id, "  同意入网  ")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["status"] == "APPROVED" and body["opinion"] == "同意入网"
    assert body["reviewer"] == r["aic_province"].username and body["decided_at"]
    assert AuditEvent.objects.filter(action="step.approve", object_id=str(step.id)).exists()
    # the applicant sees it
    seen = {s["unit"]["id"]: s for s in Api(app.applicant).get(f"/applications/{app.id}").json()["steps"]}
    assert seen["aic:440300"]["status"] == "APPROVED" and seen["aic:440300"]["opinion"] == "同意入网"


def test_return_closes_round_then_resubmit_opens_new_round(r, app, user):
    s = steps_by_unit(app)
    assert approve(r["tax"], s["tax:14403000000"].id).status_code == 200
    resp = ret(r["quality"], s["quality:440300"].id, "技监单位代码有误")
    assert resp.status_code == 200 and resp.json()["status"] == "RETURNED"

    app.refresh_from_db()
    assert app.status == Status.RETURNED and app.decided_at
    statuses = {u: x.status for u, x in steps_by_unit(app).items()}
    assert statuses == {
        "aic:440300": StepStatus.CLOSED,
        "tax:14403000000": StepStatus.APPROVED,
        "quality:440300": StepStatus.RETURNED,
        "ra:5300": StepStatus.CLOSED,
    }
    assert queue_step_ids(r["aic"]) == set()
    assert AuditEvent.objects.filter(action="application.return", object_id=str(app.id)).exists()
    # closed steps can no longer be acted on
    assert_error(approve(r["aic"], s["aic:440300"].id), 409, "step_not_pending")

    api = Api(user)
    view = api.get(f"/applications/{app.id}").json()
    assert view["status"] == "RETURNED"
    assert any(x["opinion"] == "技监单位代码有误" for x in view["steps"])
    patched = api.patch(
        f"/applications/{app.id}",
        {"data": {"quality_unit": "440300", "address": "改后的地址"}, "version": view["version"]},
    )
    assert patched.status_code == 200, patched.content
    resub = api.post(f"/applications/{app.id}/submit")
    assert resub.status_code == 200, resub.content
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and app.round == 2 and app.decided_at is None
    new = steps_by_unit(app)
    assert {u: x.status for u, x in new.items()} == {
        "aic:440300": StepStatus.PENDING,
        "tax:14403000000": StepStatus.PENDING,
        "quality:440300": StepStatus.PENDING,
        "ra:5300": StepStatus.WAITING,
    }
    assert not set(x.id for x in new.values()) & set(x.id for x in s.values())
    assert ReviewStep.objects.filter(application=app).count() == 8
    assert queue_step_ids(r["aic"]) == {new["aic:440300"].id}


def test_full_approval_enters_network(r, app, user):
    s = steps_by_unit(app)
    for reviewer, unit in [
        (r["aic"], "aic:440300"),
        (r["tax"], "tax:14403000000"),
        (r["quality"], "quality:440300"),
    ]:
        assert approve(reviewer, s[unit].id).status_code == 200
        assert Application.objects.get(pk=app.id).status == Status.SUBMITTED
    assert queue_step_ids(r["ra"]) == {s["ra:5300"].id}
    assert approve(r["ra"], s["ra:5300"].id, "同意，可制法人卡").status_code == 200

    app.refresh_from_db()
    assert app.status == Status.APPROVED and app.decided_at
    e = Enterprise.objects.get(pk=user.enterprise_id)
    assert e.in_network and e.entered_at and e.enterprise_no and e.enterprise_no.startswith("5300")
    assert (
        e.name == "深圳测试贸易有限公司"
        and e.legal_rep_name == "张三"
        and str(e.registered_capital) == "500.00"
    )
    assert (
        e.aic_unit_id == "aic:440300"
        and e.tax_unit_id == "tax:14403000000"
        and e.quality_unit_id == "quality:440300"
    )
    assert e.card_issuer_id == "ra:5300" and e.customs_code == "5300"
    hist = EnterpriseHistory.objects.get(enterprise=e)
    assert (
        hist.application_id == app.id and hist.after["name"] == e.name and hist.before["legal_rep_name"] == ""
    )
    actions = set(
        AuditEvent.objects.filter(object_type="applications.application", object_id=str(app.id)).values_list(
            "action", flat=True
        )
    )
    assert {"application.create", "application.submit", "application.approve"} <= actions
    assert AuditEvent.objects.filter(action="step.approve").count() == 4

    # the enterprise sees the result; acting again is a conflict
    assert Api(user).get("/me").json()["enterprise"]["network_status"] == "in_network"
    assert_error(approve(r["ra"], s["ra:5300"].id), 409, "step_not_pending")
    assert_error(ret(r["aic"], s["aic:440300"].id), 409, "step_not_pending")
    assert AuditEvent.objects.filter(action="application.approve", object_id=str(app.id)).count() == 1


def test_waiting_step_cannot_be_acted_on(r, app):
    ra_step = steps_by_unit(app)["ra:5300"]
    assert_error(approve(r["ra"], ra_step.id), 409, "step_not_pending")
    ra_step.refresh_from_db()
    assert ra_step.status == StepStatus.WAITING


def test_decided_step_is_409(r, app):
    step = steps_by_unit(app)["aic:440300"]
    assert approve(r["aic"], step.id).status_code == 200
    assert_error(approve(r["aic_province"], step.id), 409, "step_not_pending")
    assert_error(ret(r["aic"], step.id), 409, "step_not_pending")
    step.refresh_from_db()
    assert step.reviewer_id == r["aic"].id


def test_other_jurisdiction_is_404(r, app):
    s = steps_by_unit(app)
    assert_error(approve(r["aic_beijing"], s["aic:440300"].id), 404, "step_not_found")
    assert_error(ret(r["aic_beijing"], s["aic:440300"].id), 404, "step_not_found")
    # another department of the same city is another jurisdiction too
    assert_error(approve(r["tax"], s["aic:440300"].id), 404, "step_not_found")
    assert_error(approve(r["aic"], 999999), 404, "step_not_found")
    assert steps_by_unit(app)["aic:440300"].status == StepStatus.PENDING


def test_enterprise_user_cannot_review(app, user):
    api = Api(user)
    assert_error(api.get("/reviews"), 403, "reviewer_required")
    step = steps_by_unit(app)["aic:440300"]
    assert_error(api.post(f"/reviews/{step.id}/approve", {"opinion": "自己批准"}), 403, "reviewer_required")
    assert_error(api.post(f"/reviews/{step.id}/return", {"opinion": "x"}), 403, "reviewer_required")
    assert steps_by_unit(app)["aic:440300"].status == StepStatus.PENDING


def test_admin_cannot_review(app):
    admin = f.staff(UserKind.ADMIN, None)
    step = steps_by_unit(app)["aic:440300"]
    assert_error(Api(admin).post(f"/reviews/{step.id}/approve", {"opinion": "同意"}), 403)


def test_reviewer_cannot_file_or_edit_applications(r, app):
    api = Api(r["aic_province"])
    assert_error(api.post("/applications", {"kind": "enterprise_entry", "data": {}}), 403)
    assert_error(api.get("/applications"), 403)
    assert not Application.objects.exclude(pk=app.id).exists()


def test_reviewer_cannot_edit_or_resubmit_a_returned_application(r, app):
    step = steps_by_unit(app)["aic:440300"]
    assert ret(r["aic"], step.id).status_code == 200
    app.refresh_from_db()
    before = (app.status, app.version, app.data, app.round)
    api = Api(r["aic"])
    resp = api.patch(f"/applications/{app.id}", {"data": {"address": "审核员改的"}, "version": app.version})
    assert_error(resp, 403, "enterprise_actor_required")
    assert_error(api.post(f"/applications/{app.id}/submit"), 403, "enterprise_actor_required")
    assert_error(api.delete(f"/applications/{app.id}"), 403, "enterprise_actor_required")
    pdf = b"%PDF-1.4\n%%EOF\n"
    assert_error(api.upload(app.id, pdf), 403, "enterprise_actor_required")
    app.refresh_from_db()
    assert (app.status, app.version, app.data, app.round) == before


# --- auto-review ----------------------------------------------------------------------------------------


def test_auto_review_own_unit(r):
    api = Api(r["aic"])
    got = api.get("/units/aic:440300/auto-review")
    assert got.status_code == 200 and got.json() == {
        "unit": {
            "id": "aic:440300",
            "dept": "aic",
            "code": "440300",
            "name": Unit.objects.get(pk="aic:440300").name,
        },
        "enabled": False,
    }
    resp = api.put("/units/aic:440300/auto-review", {"enabled": True})
    assert resp.status_code == 200 and resp.json()["enabled"] is True
    assert Unit.objects.get(pk="aic:440300").auto_review is True
    assert AuditEvent.objects.filter(action="unit.auto_review", object_id="aic:440300").exists()
    assert api.put("/units/aic:440300/auto-review", {"enabled": False}).json()["enabled"] is False
    assert Unit.objects.get(pk="aic:440300").auto_review is False


def test_auto_review_only_own_unit(r, user):
    assert_error(
        Api(r["aic_province"]).put("/units/aic:440300/auto-review", {"enabled": True}),
        403,
        "auto_review_own_unit_only",
    )
    assert_error(
        Api(r["tax"]).put("/units/aic:440300/auto-review", {"enabled": True}),
        403,
        "auto_review_own_unit_only",
    )
    assert_error(
        Api(user).put("/units/aic:440300/auto-review", {"enabled": True}), 403, "auto_review_own_unit_only"
    )
    assert Unit.objects.get(pk="aic:440300").auto_review is False
    assert_error(Api(r["aic"]).put("/units/aic:999999/auto-review", {"enabled": True}), 404, "unit_not_found")
    assert_error(Api(r["aic"]).get("/units/aic:999999/auto-review"), 404, "unit_not_found")
    assert_error(Api(r["aic"]).put("/units/aic:440300/auto-review", {}), 400, "field_required", "enabled")


def test_auto_review_approves_step_on_submission(r, user):
    assert Api(r["aic"]).put("/units/aic:440300/auto-review", {"enabled": True}).status_code == 200
    app = f.submitted_entry(user)
    s = steps_by_unit(app)
    assert s["aic:440300"].status == StepStatus.AUTO_APPROVED and s["aic:440300"].opinion
    assert s["aic:440300"].reviewer is None and s["aic:440300"].decided_at
    assert s["tax:14403000000"].status == StepStatus.PENDING
    assert queue_step_ids(r["aic"]) == set()
    assert AuditEvent.objects.filter(action="step.auto_approve", object_id=str(s["aic:440300"].id)).exists()


def test_auto_review_everywhere_approves_at_once(r, user):
    for reviewer, unit in [
        (r["aic"], "aic:440300"),
        (r["tax"], "tax:14403000000"),
        (r["quality"], "quality:440300"),
        (r["ra"], "ra:5300"),
    ]:
        assert Api(reviewer).put(f"/units/{unit}/auto-review", {"enabled": True}).status_code == 200
    app = f.submitted_entry(user)
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    assert {x.status for x in steps_by_unit(app).values()} == {StepStatus.AUTO_APPROVED}
    assert Enterprise.objects.get(pk=user.enterprise_id).in_network


def test_auto_review_opens_ra_when_joint_stage_done(r, user):
    Unit.objects.filter(pk__in=["aic:440300", "tax:14403000000", "quality:440300"]).update(auto_review=True)
    app = f.submitted_entry(user)
    s = steps_by_unit(app)
    assert s["ra:5300"].status == StepStatus.PENDING
    assert queue_step_ids(r["ra"]) == {s["ra:5300"].id}
    assert approve(r["ra"], s["ra:5300"].id).status_code == 200
    assert Application.objects.get(pk=app.id).status == Status.APPROVED


def test_queue_filters_by_enterprise_name_fuzzily():
    a = f.cardless(name="深圳市甲乙贸易有限公司")
    b = f.cardless(name="深圳市丙丁物流有限公司")
    f.submitted_entry(a)
    f.submitted_entry(b)
    province = f.staff(UserKind.REVIEWER, "aic:440000")
    r = Api(province).get("/reviews", {"status": "pending", "enterprise_name": "甲乙"})
    assert r.status_code == 200
    names = {i["application"]["enterprise_name"] for i in r.json()["items"]}
    assert names == {"深圳市甲乙贸易有限公司"}


def test_former_reviewers_lose_sight_when_resubmitted_elsewhere():
    """After a return the applicant moves the entry to 广州; 深圳's reviewer no longer sees it."""
    user = f.cardless()
    app = f.submitted_entry(user)
    sz = f.staff(UserKind.REVIEWER, "aic:440300")
    step = app.steps.get(unit_id="aic:440300")
    services.step_return(actor=sz, step_id=step.id, opinion="单位代码有误")
    assert Api(sz).get(f"/applications/{app.id}").status_code == 200  # its own decision, same round
    app.refresh_from_db()
    services.application_update(
        actor=user,
        application_id=app.id,
        version=app.version,
        data={"aic_unit": "440100", "tax_unit": "14401000000", "quality_unit": "440100"},
    )
    services.application_submit(actor=user, application_id=app.id)
    assert_error(Api(sz).get(f"/applications/{app.id}"), 404)
    assert_error(Api(sz).post(f"/reviews/{step.id}/approve", {"opinion": "x"}), 404)
    assert Api(sz).get("/reviews", {"status": "decided"}).json()["total"] == 0
