"""The application engine's services, called directly: states, versions, rounds, stages, scoping, audit."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from eport.accounts.models import UserKind
from eport.applications import selectors, services
from eport.applications.files import sniff_upload
from eport.applications.kinds import all_kinds, get_kind
from eport.applications.models import Application, Attachment, ReviewStep, Status, StepStatus
from eport.audit.models import AuditEvent
from eport.errors import Conflict, Forbidden, InvalidInput, NotFound, TooLarge
from eport.refdata.models import Unit
from tests import factories as f
from tests.api.helpers import approve_all, make_jpeg, make_pdf, make_png, steps_by_unit

pytestmark = pytest.mark.django_db


def pdf(content=None, name="a.pdf"):
    return SimpleUploadedFile(
        name, make_pdf() if content is None else content, content_type="application/pdf"
    )


# --- kinds ----------------------------------------------------------------------------------------------


def test_kind_registry():
    assert "enterprise_entry" in all_kinds()
    with pytest.raises(InvalidInput) as e:
        get_kind("no_such_kind")
    assert e.value.field == "kind"


def test_entry_initial_data_back_fills_from_registry():
    user = f.cardless(uscc=f.USCC_SZ)
    data = get_kind("enterprise_entry").initial_data(enterprise=user.enterprise)
    assert data["uscc"] == f.USCC_SZ and data["legal_rep_name"] == "张伟" and data["address"]
    assert data["issuing_authority_name"] == "深圳市市场监督管理局"
    assert "status" not in data


def test_entry_initial_data_for_unknown_uscc(user):
    data = get_kind("enterprise_entry").initial_data(enterprise=user.enterprise)
    assert data["uscc"] == user.enterprise.uscc and data["issuing_authority_name"] == "工商行政管理局"


# --- create ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, unit", [(UserKind.REVIEWER, "aic:440300"), (UserKind.RA, "ra:5300"), (UserKind.ADMIN, None)]
)
def test_only_enterprise_users_create(kind, unit):
    with pytest.raises(Forbidden):
        services.application_create(actor=f.staff(kind, unit), kind="enterprise_entry", data={})
    assert not Application.objects.exists()


def test_create_numbers_and_audits(user):
    app = f.draft_entry(user)
    assert app.status == Status.DRAFT and app.version == 1 and app.round == 0
    assert app.number.startswith("RW") and app.number.endswith(f"{app.pk:08d}")
    assert app.subject_key == f"enterprise:{user.enterprise_id}" and app.applicant == user
    ev = AuditEvent.objects.get(action="application.create", object_id=str(app.pk))
    assert ev.actor == user and ev.after["status"] == "DRAFT"


def test_one_open_application_is_a_database_rule_too(user):
    app = f.draft_entry(user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(kind=app.kind, subject_key=app.subject_key, enterprise=app.enterprise)
    # a closed one does not count
    Application.objects.filter(pk=app.pk).update(status=Status.APPROVED)
    Application.objects.create(kind=app.kind, subject_key=app.subject_key, enterprise=app.enterprise)


def test_create_race_is_conflict_not_500(user):
    """Both creators passed the exists() check; the loser hits the partial unique index -> 409."""
    f.draft_entry(user)
    real = Application.objects

    class Blind:  # what the loser saw: no open application yet
        def __getattr__(self, name):
            return getattr(real, name)

        def filter(self, **kw):
            return real.none() if "subject_key" in kw else real.filter(**kw)

    with mock.patch.object(Application, "objects", Blind()):
        with pytest.raises(Conflict) as e:
            f.draft_entry(user)
    assert e.value.code == "open_application_exists"
    assert Application.objects.count() == 1


# --- update ---------------------------------------------------------------------------------------------


def test_update_merges_and_audits(user):
    app = f.draft_entry(user)
    app = services.application_update(
        actor=user, application_id=app.id, data={"address": "新地址"}, version=1
    )
    assert app.version == 2 and app.data["address"] == "新地址" and app.data["name"] == "深圳测试贸易有限公司"
    ev = AuditEvent.objects.get(action="application.update", object_id=str(app.pk))
    assert ev.before["data"]["address"] == "深圳市南山区科技园1号" and ev.after["data"]["address"] == "新地址"


def test_update_checks_state_before_version(user):
    app = f.submitted_entry(user)
    with pytest.raises(Conflict) as e:
        services.application_update(actor=user, application_id=app.id, data={}, version=1)
    assert e.value.code == "not_editable"


def test_update_other_enterprise_is_not_found(user):
    app = f.draft_entry(f.cardless())
    with pytest.raises(NotFound):
        services.application_update(actor=user, application_id=app.id, data={"address": "x"}, version=1)
    with pytest.raises(NotFound):
        services.application_submit(actor=user, application_id=app.id)
    with pytest.raises(NotFound):
        services.application_delete(actor=user, application_id=app.id)
    assert Application.objects.get(pk=app.id).version == 1


@pytest.mark.parametrize("who", ["aic", "aic_province", "ra"])
def test_staff_cannot_change_what_they_review(user, r, who):
    app = f.submitted_entry(user)
    services.step_return(actor=r["aic"], step_id=steps_by_unit(app)["aic:440300"].id, opinion="退回")
    app.refresh_from_db()
    actor = r[who]
    assert selectors.application_get(actor, app.id) == app  # may read it
    with pytest.raises(Forbidden):
        services.application_update(
            actor=actor, application_id=app.id, data={"address": "x"}, version=app.version
        )
    with pytest.raises(Forbidden):
        services.application_submit(actor=actor, application_id=app.id)
    with pytest.raises(Forbidden):
        services.application_delete(actor=actor, application_id=app.id)
    with pytest.raises(Forbidden):
        services.attachment_add(actor=actor, application_id=app.id, doc_type="business_license", upload=pdf())
    assert Application.objects.get(pk=app.id).status == Status.RETURNED


def test_admin_cannot_change_applications(user):
    admin = f.staff(UserKind.ADMIN, None)
    app = f.draft_entry(user)
    with pytest.raises(Forbidden):
        services.application_delete(actor=admin, application_id=app.id)
    assert Application.objects.filter(pk=app.id).exists()


# --- submit, stages, rounds -----------------------------------------------------------------------------


def test_submit_failure_changes_nothing(user):
    app = f.draft_entry(user, address="")
    with pytest.raises(InvalidInput) as e:
        services.application_submit(actor=user, application_id=app.id)
    assert e.value.field == "address"
    app.refresh_from_db()
    assert (app.status, app.version, app.round, app.submitted_at) == (Status.DRAFT, 1, 0, None)
    assert not ReviewStep.objects.exists()
    assert not AuditEvent.objects.filter(action="application.submit").exists()


def test_stage_two_opens_only_when_stage_one_is_done(user, r):
    app = f.submitted_entry(user)
    s = steps_by_unit(app)
    services.step_approve(actor=r["aic"], step_id=s["aic:440300"].id, opinion="同意")
    services.step_approve(actor=r["tax"], step_id=s["tax:14403000000"].id, opinion="同意")
    assert steps_by_unit(app)["ra:5300"].status == StepStatus.WAITING
    services.step_approve(actor=r["quality"], step_id=s["quality:440300"].id, opinion="同意")
    assert steps_by_unit(app)["ra:5300"].status == StepStatus.PENDING
    assert Application.objects.get(pk=app.id).status == Status.SUBMITTED


def test_approval_applies_effect_and_audits(user, r):
    app = f.submitted_entry(user)
    approve_all(app, r)
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    ev = AuditEvent.objects.get(action="application.approve", object_id=str(app.pk))
    assert ev.actor == r["ra"] and ev.before["status"] == "SUBMITTED" and ev.after["status"] == "APPROVED"
    user.enterprise.refresh_from_db()
    assert user.enterprise.in_network and user.enterprise.history.count() == 1


def test_return_then_resubmit_keeps_old_round(user, r):
    app = f.submitted_entry(user)
    s1 = steps_by_unit(app)
    services.step_approve(actor=r["aic"], step_id=s1["aic:440300"].id, opinion="同意")
    services.step_return(actor=r["tax"], step_id=s1["tax:14403000000"].id, opinion="税务代码不对")
    app.refresh_from_db()
    assert app.status == Status.RETURNED and app.round == 1
    services.application_update(
        actor=user, application_id=app.id, data={"tax_unit": "14403000000"}, version=app.version
    )
    app = services.application_submit(actor=user, application_id=app.id)
    assert app.round == 2 and app.status == Status.SUBMITTED
    old = {x.unit_id: x.status for x in ReviewStep.objects.filter(application=app, round=1)}
    assert old == {
        "aic:440300": StepStatus.APPROVED,
        "tax:14403000000": StepStatus.RETURNED,
        "quality:440300": StepStatus.CLOSED,
        "ra:5300": StepStatus.CLOSED,
    }
    new = steps_by_unit(app)
    assert {x.status for u, x in new.items() if u != "ra:5300"} == {StepStatus.PENDING}
    # the old approval does not carry over: approve round 2 fully
    approve_all(app, r)
    assert Application.objects.get(pk=app.id).status == Status.APPROVED
    assert ReviewStep.objects.filter(application=app, round=2, status=StepStatus.APPROVED).count() == 4


def test_return_by_ra_after_joint_approval(user, r):
    app = f.submitted_entry(user)
    s = steps_by_unit(app)
    for who, unit in (("aic", "aic:440300"), ("tax", "tax:14403000000"), ("quality", "quality:440300")):
        services.step_approve(actor=r[who], step_id=s[unit].id, opinion="同意")
    services.step_return(actor=r["ra"], step_id=s["ra:5300"].id, opinion="请补充营业执照")
    app.refresh_from_db()
    assert app.status == Status.RETURNED
    user.enterprise.refresh_from_db()
    assert not user.enterprise.in_network


def test_ra_cannot_act_on_joint_steps_and_reviewers_not_on_ra(user, r):
    app = f.submitted_entry(user)
    s = steps_by_unit(app)
    with pytest.raises(NotFound):
        services.step_approve(actor=r["ra"], step_id=s["aic:440300"].id, opinion="同意")
    Unit.objects.filter(pk__in=["aic:440300", "tax:14403000000", "quality:440300"]).update(auto_review=True)
    with pytest.raises(NotFound):
        services.step_approve(actor=r["aic_province"], step_id=s["ra:5300"].id, opinion="同意")


def test_national_ra_covers_every_sub_centre(user):
    app = f.submitted_entry(user, legal_person_type="special")
    national = f.staff(UserKind.RA, "ra:0000")
    assert {x.id for x in selectors.review_queue(national)} == {steps_by_unit(app)["ra:5300"].id}
    beijing_ra = f.staff(UserKind.RA, "ra:0100")
    assert not selectors.review_queue(beijing_ra).exists()


def _step_audit(step, action):
    return list(
        AuditEvent.objects.filter(
            action=action, object_type="applications.reviewstep", object_id=str(step.id)
        )
    )


def test_every_step_change_is_audited_once(user, r):
    """Opening the next stage and closing the round's other steps are audited per step, like a decision."""
    app = f.submitted_entry(user)
    s = steps_by_unit(app)
    for who, unit in (("aic", "aic:440300"), ("tax", "tax:14403000000")):
        services.step_approve(actor=r[who], step_id=s[unit].id, opinion="同意")
    assert not _step_audit(s["ra:5300"], "step.open")  # still waiting for the third unit
    services.step_approve(actor=r["quality"], step_id=s["quality:440300"].id, opinion="同意")
    (opened,) = _step_audit(s["ra:5300"], "step.open")
    assert (opened.actor, opened.before, opened.after) == (
        r["quality"],
        {"status": "WAITING"},
        {"status": "PENDING"},
    )
    services.step_return(actor=r["ra"], step_id=s["ra:5300"].id, opinion="请补充")

    app = f.submitted_entry(f.cardless())  # a return in stage one closes its sibling and the waiting stage
    s = steps_by_unit(app)
    services.step_return(actor=r["tax"], step_id=s["tax:14403000000"].id, opinion="税务代码不对")
    for unit in ("aic:440300", "quality:440300", "ra:5300"):
        (closed,) = _step_audit(s[unit], "step.close")
        assert closed.actor == r["tax"] and closed.after == {"status": "CLOSED"}
        assert closed.before["status"] == ("WAITING" if unit == "ra:5300" else "PENDING")
    assert not _step_audit(s["tax:14403000000"], "step.close")
    assert len(_step_audit(s["tax:14403000000"], "step.return")) == 1


def test_closing_applications_closes_and_audits_their_open_steps(user):
    app = f.submitted_entry(user)
    draft = services.application_create(actor=user, kind="commerce_filing", data={})
    with transaction.atomic():
        assert services.applications_close(enterprise=user.enterprise, reason="另一账号已认证") == 2
    for a in (app, draft):
        a.refresh_from_db()
        assert a.status == Status.CLOSED
        ev = AuditEvent.objects.get(action="application.close", object_id=str(a.id))
        assert ev.actor is None and ev.reason == "另一账号已认证"
    steps = list(ReviewStep.objects.filter(application=app))
    assert {x.status for x in steps} == {StepStatus.CLOSED}
    assert all(len(_step_audit(x, "step.close")) == 1 for x in steps)
    with pytest.raises(Conflict) as e:  # the table: nothing moves a closed application
        services.application_update(actor=user, application_id=app.id, data={}, version=app.version)
    assert e.value.code == "not_editable"


# --- save and submit in one step ------------------------------------------------------------------------


def test_save_and_submit_creates_and_submits_together(user):
    # An institution needs only the legal representative's ID: uploaded with the same save
    app = services.application_save(
        actor=user,
        kind="enterprise_entry",
        data=f.entry_data(user.enterprise.uscc, legal_person_type="institution"),
        submit=True,
        upload=("legal_rep_id", pdf()),
    )
    app.refresh_from_db()
    assert (app.status, app.round, app.version) == (Status.SUBMITTED, 1, 2)
    assert ReviewStep.objects.filter(application=app).count() == 2 and app.attachments.count() == 1
    assert [
        e.action for e in AuditEvent.objects.filter(object_id=str(app.id), action__startswith="application.")
    ] == [
        "application.create",
        "application.submit",
    ]


def test_save_and_submit_refused_at_submission_saves_nothing(user):
    with pytest.raises(InvalidInput) as e:
        services.application_save(
            actor=user,
            kind="enterprise_entry",
            data=f.entry_data(user.enterprise.uscc, address=""),
            submit=True,
        )
    assert e.value.field == "address"
    assert not Application.objects.filter(enterprise=user.enterprise).exists()
    assert not AuditEvent.objects.filter(action__startswith="application.").exists()

    app = f.draft_entry(user)
    with pytest.raises(InvalidInput):
        services.application_save(
            actor=user,
            application_id=app.id,
            data={"address": "", "phone": "0755-86009999"},
            version=1,
            submit=True,
        )
    app.refresh_from_db()
    assert (app.status, app.version, app.data["phone"]) == (Status.DRAFT, 1, "0755-86001234")
    saved = services.application_save(
        actor=user, application_id=app.id, data={"phone": "0755-86009999"}, version=1
    )
    assert (saved.status, saved.version, saved.data["phone"]) == (Status.DRAFT, 2, "0755-86009999")


def test_enterprise_user_cannot_decide(user):
    app = f.submitted_entry(user)
    with pytest.raises(Forbidden):
        services.step_approve(actor=user, step_id=app.steps.first().id, opinion="同意")


def test_auto_review_switch_rules(r):
    assert services.unit_set_auto_review(actor=r["ra"], unit_id="ra:5300", enabled=True).auto_review
    with pytest.raises(Forbidden):
        services.unit_set_auto_review(actor=f.staff(UserKind.RA, "ra:0000"), unit_id="ra:5300", enabled=False)
    with pytest.raises(NotFound):
        services.unit_set_auto_review(actor=r["ra"], unit_id="ra:9999", enabled=True)
    # setting the same value again records nothing new
    n = AuditEvent.objects.filter(action="unit.auto_review").count()
    services.unit_set_auto_review(actor=r["ra"], unit_id="ra:5300", enabled=True)
    assert AuditEvent.objects.filter(action="unit.auto_review").count() == n


# --- attachments ----------------------------------------------------------------------------------------


def test_attachment_needs_a_file_and_known_type(user):
    app = f.draft_entry(user, documents=False)
    with pytest.raises(InvalidInput) as e:
        services.attachment_add(actor=user, application_id=app.id, doc_type="business_license", upload=None)
    assert e.value.field == "file"
    with pytest.raises(InvalidInput) as e:
        services.attachment_add(actor=user, application_id=app.id, doc_type="selfie", upload=pdf())
    assert e.value.field == "doc_type"
    assert not Attachment.objects.exists()


def test_attachment_too_large(user, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    app = f.draft_entry(user, documents=False)
    with pytest.raises(TooLarge):
        services.attachment_add(
            actor=user, application_id=app.id, doc_type="business_license", upload=pdf(make_pdf(pad=200))
        )
    assert not Attachment.objects.exists()


def test_attachment_file_removed_when_row_cannot_be_saved(user):
    from tests.api.helpers import stored_files

    app = f.draft_entry(user, documents=False)
    with mock.patch("eport.applications.services.record", side_effect=RuntimeError("audit down")):
        with pytest.raises(RuntimeError):
            services.attachment_add(
                actor=user, application_id=app.id, doc_type="business_license", upload=pdf()
            )
    assert stored_files() == []


@pytest.mark.parametrize(
    "content, expected",
    [
        (make_pdf(), "application/pdf"),
        (make_png(), "image/png"),
        (make_jpeg(), "image/jpeg"),
        (b"%PDF-1.7\n" + b"x" * 5000, None),  # no %%EOF at the end
        (b"%%EOF%PDF-", None),
        (make_png()[:30], None),  # truncated image
        (b"\xff\xd8\xff" + b"\x00" * 100, None),
        (b"PK\x03\x04 zip file", None),
        (b"", None),
    ],
)
def test_sniff(content, expected):
    assert sniff_upload(SimpleUploadedFile("x", content)) == expected
