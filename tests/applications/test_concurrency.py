"""Concurrent reviewers and applicants (PostgreSQL only: row locks are what these tests are about).

Each test runs real threads with their own database connections against committed data
(transaction=True), so the engine's select_for_update is what keeps the outcome right.
"""

import time
from unittest import mock

import pytest
from django.db import connection

from eport.applications import services
from eport.applications.models import Application, ReviewStep, Status, StepStatus
from eport.audit.models import AuditEvent
from eport.enterprises.models import EnterpriseHistory
from eport.errors import DomainError
from eport.refdata.models import Unit
from tests import factories as f
from tests.concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locking is only meaningful on PostgreSQL"
    ),
]


def slow(fn, seconds=0.2):
    """Widen the race window: without the row lock both threads would be inside at once."""

    def wrapper(*a, **kw):
        time.sleep(seconds)
        return fn(*a, **kw)

    return wrapper


@pytest.fixture
def setup():
    user = f.cardless()
    r = f.reviewers()
    app = f.submitted_entry(user)
    steps = {s.unit_id: s for s in app.steps.all()}
    yield user, r, app, steps
    Unit.objects.filter(auto_review=True).update(auto_review=False)


def test_two_last_approvals_at_once_approve_exactly_once(setup):
    user, r, app, steps = setup
    Unit.objects.filter(pk="ra:5300").update(auto_review=True)  # the last stage approves itself when it opens
    services.step_approve(actor=r["aic"], step_id=steps["aic:440300"].id, opinion="同意")

    with mock.patch("eport.applications.services._advance", slow(services._advance)):
        results = run_together(
            lambda: services.step_approve(
                actor=r["tax"], step_id=steps["tax:14403000000"].id, opinion="同意"
            ),
            lambda: services.step_approve(
                actor=r["quality"], step_id=steps["quality:440300"].id, opinion="同意"
            ),
        )
    assert all(not isinstance(x, BaseException) for x in results), results

    app.refresh_from_db()
    assert app.status == Status.APPROVED
    assert {s.unit_id: s.status for s in ReviewStep.objects.filter(application=app)} == {
        "aic:440300": StepStatus.APPROVED,
        "tax:14403000000": StepStatus.APPROVED,
        "quality:440300": StepStatus.APPROVED,
        "ra:5300": StepStatus.AUTO_APPROVED,
    }
    assert AuditEvent.objects.filter(action="application.approve", object_id=str(app.id)).count() == 1
    assert EnterpriseHistory.objects.filter(enterprise=user.enterprise).count() == 1
    user.enterprise.refresh_from_db()
    assert user.enterprise.in_network


def test_two_reviewers_on_one_step_one_wins(setup):
    _, r, app, steps = setup
    step_id = steps["aic:440300"].id
    with mock.patch("eport.applications.services._advance", slow(services._advance)):
        results = run_together(
            lambda: services.step_approve(actor=r["aic"], step_id=step_id, opinion="同意"),
            lambda: services.step_return(actor=r["aic_province"], step_id=step_id, opinion="退回"),
        )
    errors = [x for x in results if isinstance(x, BaseException)]
    assert len(errors) == 1 and isinstance(errors[0], DomainError) and errors[0].code == "step_not_pending", (
        results
    )
    step = ReviewStep.objects.get(pk=step_id)
    app.refresh_from_db()
    if step.status == StepStatus.APPROVED:
        assert app.status == Status.SUBMITTED and step.reviewer_id == r["aic"].id
    else:
        assert step.status == StepStatus.RETURNED and app.status == Status.RETURNED
    assert (
        AuditEvent.objects.filter(action__in=["step.approve", "step.return"], object_id=str(step_id)).count()
        == 1
    )


def test_approve_and_return_on_sibling_steps_serialise(setup):
    _, r, app, steps = setup
    results = run_together(
        lambda: services.step_approve(actor=r["tax"], step_id=steps["tax:14403000000"].id, opinion="同意"),
        lambda: services.step_return(actor=r["quality"], step_id=steps["quality:440300"].id, opinion="退回"),
    )
    app.refresh_from_db()
    assert app.status == Status.RETURNED
    statuses = {s.unit_id: s.status for s in ReviewStep.objects.filter(application=app)}
    assert statuses["quality:440300"] == StepStatus.RETURNED
    assert statuses["aic:440300"] == StepStatus.CLOSED and statuses["ra:5300"] == StepStatus.CLOSED
    # the approval either came first (APPROVED) or found its step closed (409)
    if isinstance(results[0], DomainError):
        assert results[0].code == "step_not_pending" and statuses["tax:14403000000"] == StepStatus.CLOSED
    else:
        assert statuses["tax:14403000000"] == StepStatus.APPROVED
    assert not ReviewStep.objects.filter(application=app, status=StepStatus.PENDING).exists()


def test_two_creates_at_once_leave_one_open_application():
    user = f.cardless()
    results = run_together(*(lambda: f.draft_entry(user) for _ in range(2)))
    errors = [x for x in results if isinstance(x, BaseException)]
    assert len(errors) == 1 and getattr(errors[0], "code", None) == "open_application_exists", results
    assert Application.objects.filter(enterprise=user.enterprise).count() == 1


def test_edit_and_submit_at_once_do_not_lose_the_edit():
    user = f.cardless()
    app = f.draft_entry(user)
    results = run_together(
        lambda: services.application_update(
            actor=user, application_id=app.id, data={"address": "并发修改"}, version=1
        ),
        lambda: services.application_submit(actor=user, application_id=app.id, version=1),
    )
    errors = [x for x in results if isinstance(x, BaseException)]
    assert len(errors) == 1 and errors[0].code in ("stale_version", "not_editable"), results
    app.refresh_from_db()
    if isinstance(results[0], BaseException):  # the submit won: the edit was refused, not silently lost
        assert app.status == Status.SUBMITTED and app.data["address"] != "并发修改"
    else:
        assert app.status == Status.DRAFT and app.data["address"] == "并发修改"


def test_switching_auto_review_on_while_a_reviewer_approves_there_does_not_deadlock(setup):
    """The switch locks the applications waiting at its unit and audits: it must take those row locks before
    the audit chain's head, or it waits for an application whose approver (of a sibling step) waits for the
    head: a deadlock, which PostgreSQL broke by failing one of them."""
    _, r, app, steps = setup
    other = f.staff("reviewer", "aic:440300")
    decide = services._decide

    def decide_then_wait(*a, **kw):
        out = decide(*a, **kw)  # the application is locked now; the switch comes in meanwhile
        time.sleep(0.4)
        return out

    with mock.patch("eport.applications.services._decide", decide_then_wait):
        results = run_together(
            lambda: services.step_approve(
                actor=r["tax"], step_id=steps["tax:14403000000"].id, opinion="同意"
            ),
            slow(
                lambda: services.unit_set_auto_review(actor=other, unit_id="aic:440300", enabled=True), 0.15
            ),
        )
    assert all(not isinstance(x, BaseException) for x in results), results
    assert ReviewStep.objects.get(pk=steps["tax:14403000000"].id).status == StepStatus.APPROVED
    assert ReviewStep.objects.get(pk=steps["aic:440300"].id).status == StepStatus.AUTO_APPROVED
    assert Unit.objects.get(pk="aic:440300").auto_review


def test_a_permission_approving_itself_beside_a_freeze_of_that_card_does_not_deadlock():
    """The legal card files a card's permission (approved by itself on submission: its effect locks the card)
    while another session of it freezes that card (which locks the card, then audits). The kind locks the card
    before the engine's first audit row (Kind.prelock); without it the audit chain's head made a deadlock."""
    from eport.cards.actions import card_act
    from eport.filings.models import CardFiling

    e = f.enterprise_in_network()
    legal = f.make_card("legal", e).card.user
    advance = services._advance

    def slow_advance(*args, **kwargs):  # the submission holds its audit row a moment before its effect
        time.sleep(0.5)
        return advance(*args, **kwargs)

    for round_ in range(2):
        card = f.make_card("operator", e, operator_no=f.operator(e, name=f"赵{round_}").operator_no).card
        CardFiling.objects.create(card=card, filing="customs")
        app = services.application_create(
            actor=legal, kind="card_permission", data={"card_no": card.card_no, "subsystems": ["express"]}
        )

        def freeze_meanwhile(no=card.card_no):
            time.sleep(0.2)
            return card_act(actor=legal, card_no=no, action="freeze")

        with mock.patch.object(services, "_advance", slow_advance):
            results = run_together(
                lambda a=app: services.application_submit(actor=legal, application_id=a.id), freeze_meanwhile
            )
        assert not [r for r in results if isinstance(r, BaseException) and not isinstance(r, DomainError)], (
            results
        )


def test_saving_and_submitting_a_permission_beside_a_freeze_of_that_card_does_not_deadlock():
    """The same race with save-and-submit in one step: the edit's audit row comes first, so the kind's rows must
    be locked before it (application_save's prelock), not only before the submission's."""
    from eport.cards.actions import card_act
    from eport.filings.models import CardFiling

    e = f.enterprise_in_network()
    legal = f.make_card("legal", e).card.user
    for round_ in range(2):
        card = f.make_card("operator", e, operator_no=f.operator(e, name=f"钱{round_}").operator_no).card
        CardFiling.objects.create(card=card, filing="customs")
        app = services.application_create(actor=legal, kind="card_permission", data={"card_no": card.card_no})

        def save_and_submit(a=app, no=card.card_no):
            return services.application_save(
                actor=legal,
                application_id=a.id,
                data={"card_no": no, "subsystems": ["express"]},
                version=a.version,
                submit=True,
            )

        def freeze_meanwhile(no=card.card_no):  # between the edit's audit row and the submission
            time.sleep(0.1)
            return card_act(actor=legal, card_no=no, action="freeze")

        with mock.patch.object(services, "application_submit", slow(services.application_submit, 0.3)):
            results = run_together(save_and_submit, freeze_meanwhile)
        assert not [r for r in results if isinstance(r, BaseException) and not isinstance(r, DomainError)], (
            results
        )
