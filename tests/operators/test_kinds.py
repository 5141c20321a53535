"""企业操作员信息申报 / 注销申报 / 预录入 through the application engine: every rule and refusal."""

import pytest

from eport.applications import services
from eport.applications.models import Application, Status, StepStatus
from eport.cards.models import Card, CardState
from eport.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from eport.operators.models import Operator, OperatorStatus
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    """An enterprise in the network with its legal card, its sub-centre officer."""
    ra = f.ra_officer()
    e = f.enterprise_in_network()
    legal = f.make_card("legal", e, ra=ra)
    return {"e": e, "ra": ra, "legal": legal.card.user, "made": legal}


def declare(actor, submit=True, **over):
    app = services.application_create(actor=actor, kind="operator_declaration", data=f.op_data(**over))
    if submit:
        app = services.application_submit(actor=actor, application_id=app.id)
    return app


def ra_step(app):
    return app.steps.get(round=app.round, status=StepStatus.PENDING)


def test_declaration_numbers_the_operator_at_first_save_and_the_ra_approves(ctx):
    app = declare(ctx["legal"], submit=False)
    op = Operator.objects.get(operator_no=app.data["operator_no"])
    assert op.operator_no.startswith("CZ") and op.status == OperatorStatus.DRAFT and op.name == "王五"
    services.application_update(
        actor=ctx["legal"], application_id=app.id, data={"name": "王五六"}, version=app.version
    )
    op.refresh_from_db()
    assert op.name == "王五六"  # the draft is mirrored in the list
    app = services.application_submit(actor=ctx["legal"], application_id=app.id)
    op.refresh_from_db()
    assert op.status == OperatorStatus.SUBMITTED
    step = ra_step(app)
    assert step.unit_id == "ra:5300"
    services.step_approve(actor=ctx["ra"], step_id=step.id, opinion="同意")
    op.refresh_from_db()
    assert op.status == OperatorStatus.APPROVED
    # now the sub-centre can make the operator's card
    made = f.make_card("operator", ctx["e"], ra=ctx["ra"], operator_no=op.operator_no)
    assert made.card.holder_name == "王五六"


def test_return_is_mirrored_and_the_draft_can_be_deleted_with_its_operator(ctx):
    app = declare(ctx["legal"])
    services.step_return(actor=ctx["ra"], step_id=ra_step(app).id, opinion="证件号有误")
    assert Operator.objects.get(operator_no=app.data["operator_no"]).status == OperatorStatus.RETURNED
    draft = declare(ctx["legal"], submit=False)
    services.application_delete(actor=ctx["legal"], application_id=draft.id)
    assert not Operator.objects.filter(operator_no=draft.data["operator_no"]).exists()
    with pytest.raises(Conflict):  # a returned one is edited, not deleted
        services.application_delete(actor=ctx["legal"], application_id=app.id)


def test_bad_input_names_the_field_and_saves_nothing(ctx):
    before = Operator.objects.count()
    for data, field in (
        (f.op_data(id_no="123"), "id_no"),
        (f.op_data(email="not-an-email"), "email"),
        (f.op_data(phone="12"), "phone"),
        (f.op_data(id_no=""), "id_no"),
    ):
        with pytest.raises(InvalidInput) as e:
            services.application_create(actor=ctx["legal"], kind="operator_declaration", data=data)
        assert e.value.field == field
    assert Operator.objects.count() == before
    app = declare(ctx["legal"], submit=False, name="", phone="")
    with pytest.raises(InvalidInput) as e:  # 申报 needs the name and phone
        services.application_submit(actor=ctx["legal"], application_id=app.id)
    assert e.value.field in ("name", "phone")


def test_one_live_operator_per_person(ctx):
    id_no = f.resident_id()
    declare(ctx["legal"], id_no=id_no)
    with pytest.raises(InvalidInput) as e:
        declare(ctx["legal"], id_no=id_no)
    assert e.value.code == "operator_exists" and e.value.field == "id_no"


def test_change_of_an_approved_operator_updates_it_and_its_card_on_approval(ctx):
    op = f.operator(ctx["e"])
    card = f.make_card("operator", ctx["e"], ra=ctx["ra"], operator_no=op.operator_no).card
    app = services.application_create(
        actor=ctx["legal"],
        kind="operator_declaration",
        data={**f.op_data(id_no=op.id_no, name="李四改"), "operator_no": op.operator_no},
    )
    services.application_submit(actor=ctx["legal"], application_id=app.id)
    op.refresh_from_db()
    assert op.name == "李四" and op.status == OperatorStatus.APPROVED  # unchanged while in review
    with pytest.raises(Conflict):  # one open change at a time
        services.application_create(
            actor=ctx["legal"],
            kind="operator_declaration",
            data={**f.op_data(id_no=op.id_no), "operator_no": op.operator_no},
        )
    app.refresh_from_db()
    services.step_approve(actor=ctx["ra"], step_id=ra_step(app).id, opinion="同意")
    op.refresh_from_db()
    card.refresh_from_db()
    assert op.name == "李四改" and card.holder_name == "李四改"


def test_the_operator_a_change_is_about_cannot_be_switched(ctx):
    a, b = f.operator(ctx["e"]), f.operator(ctx["e"])
    app = services.application_create(
        actor=ctx["legal"],
        kind="operator_declaration",
        data={**f.op_data(id_no=a.id_no), "operator_no": a.operator_no},
    )
    app = services.application_update(
        actor=ctx["legal"], application_id=app.id, data={"operator_no": b.operator_no}, version=app.version
    )
    assert app.data["operator_no"] == a.operator_no


def cancel(actor, operator_no, submit=True):
    app = services.application_create(
        actor=actor, kind="operator_cancellation", data={"operator_no": operator_no}
    )
    return services.application_submit(actor=actor, application_id=app.id) if submit else app


def test_cancellation_refusals_each_with_its_own_message(ctx):
    e, legal = ctx["e"], ctx["legal"]
    with pytest.raises(NotFound) as err:
        cancel(legal, "CZ9999999999")
    assert err.value.code == "operator_not_found"
    pending = f.operator(e, approved=False)
    with pytest.raises(Conflict) as err:
        cancel(legal, pending.operator_no)
    assert err.value.code == "operator_not_approved"
    legacy = f.operator(e)
    Operator.objects.filter(pk=legacy.pk).update(registered_here=False)
    with pytest.raises(Conflict) as err:
        cancel(legal, legacy.operator_no)
    assert err.value.code == "operator_not_registered_here"
    carded = f.operator(e)
    made = f.make_card("operator", e, ra=ctx["ra"], operator_no=carded.operator_no)
    with pytest.raises(Conflict) as err:
        cancel(legal, carded.operator_no)
    assert err.value.code == "operator_card_not_voided" and made.card.card_no in str(err.value.message)
    messages = {cancel_refusal(legal, o) for o in (pending, legacy, carded)}
    assert len(messages) == 3  # three different messages
    assert not Application.objects.filter(kind="operator_cancellation").exists()


def cancel_refusal(actor, op):
    try:
        cancel(actor, op.operator_no)
    except DomainError as e:
        return str(e.message)


def test_cancellation_after_the_card_is_voided_read_only_in_flight_then_cancelled(ctx):
    e, legal, ra = ctx["e"], ctx["legal"], ctx["ra"]
    op = f.operator(e)
    made = f.make_card("operator", e, ra=ra, operator_no=op.operator_no)
    from eport.cards.actions import card_act

    card_act(actor=ra, card_no=made.card.card_no, action="void")
    change = services.application_create(
        actor=legal,
        kind="operator_declaration",
        data={**f.op_data(id_no=op.id_no), "operator_no": op.operator_no},
    )
    app = cancel(legal, op.operator_no)  # allowed while a change is in flight
    with pytest.raises(Conflict) as err:  # the change cannot go on while the cancellation is in flight
        services.application_submit(actor=legal, application_id=change.id)
    assert err.value.code == "operator_cancellation_in_flight"
    with pytest.raises(Conflict) as err:
        services.application_update(
            actor=legal, application_id=change.id, data={"name": "x"}, version=change.version
        )
    assert err.value.code == "operator_cancellation_in_flight"
    with pytest.raises(Conflict) as err:  # nor can a new one start
        services.application_create(
            actor=legal,
            kind="operator_declaration",
            data={**f.op_data(id_no=op.id_no), "operator_no": op.operator_no},
        )
    assert err.value.code in ("operator_cancellation_in_flight", "open_application_exists")
    with pytest.raises(Conflict):  # read-only while in review
        services.application_update(actor=legal, application_id=app.id, data={}, version=app.version)
    services.step_approve(actor=ra, step_id=ra_step(app).id, opinion="同意注销")
    op.refresh_from_db()
    assert op.status == OperatorStatus.CANCELLED
    with pytest.raises(Conflict):  # a cancelled operator gets no card
        f.make_card("operator", e, ra=ra, operator_no=op.operator_no)


def test_a_card_made_while_the_cancellation_is_in_review_blocks_its_approval(ctx):
    e, legal, ra = ctx["e"], ctx["legal"], ctx["ra"]
    op = f.operator(e)
    cancel(legal, op.operator_no)
    with pytest.raises(Conflict) as err:
        f.make_card("operator", e, ra=ra, operator_no=op.operator_no)
    assert err.value.code == "operator_cancelling"


def test_pre_entry_needs_the_saved_entry_and_becomes_a_declaration_on_network_entry():
    user = f.cardless()
    with pytest.raises(Conflict) as err:
        declare(user, submit=False)
    assert err.value.code == "entry_required"
    entry = f.draft_entry(user)
    pre = declare(user, submit=False)
    incomplete = declare(user, submit=False, name="")
    with pytest.raises(Conflict) as err:  # 申报 only once in the network
        services.application_submit(actor=user, application_id=pre.id)
    assert err.value.code == "enterprise_not_in_network"
    entry = services.application_submit(actor=user, application_id=entry.id)
    from tests.api.helpers import approve_all

    approve_all(entry, f.reviewers())
    pre.refresh_from_db()
    incomplete.refresh_from_db()
    assert pre.status == Status.SUBMITTED and incomplete.status == Status.DRAFT
    assert pre.steps.get().unit_id == "ra:5300"
    user = type(user).objects.get(pk=user.pk)  # as the next request loads it
    with pytest.raises(Conflict) as err:  # once in the network, the legal card declares
        declare(user, submit=False)
    assert err.value.code == "pre_entry_closed"


def test_who_may_file_what(ctx):
    cardless = f.cardless()
    cardless.enterprise = ctx["e"]
    cardless.save()
    op_card = f.make_card("operator", ctx["e"], ra=ctx["ra"]).card.user
    with pytest.raises(Forbidden):
        services.application_create(actor=op_card, kind="operator_declaration", data=f.op_data())
    with pytest.raises(Forbidden):
        services.application_create(actor=cardless, kind="operator_cancellation", data={"operator_no": "CZ1"})
    with pytest.raises(Forbidden):
        services.application_create(actor=ctx["legal"], kind="enterprise_entry", data={})
    with pytest.raises(Forbidden):
        services.application_create(actor=ctx["legal"], kind="legal_card_reissue", data={"reason": "lost"})
    # the card-less user of the same enterprise sees the legal card's declaration but cannot change it
    legal_app = services.application_create(
        actor=ctx["legal"],
        kind="operator_cancellation",
        data={"operator_no": f.operator(ctx["e"]).operator_no},
    )
    with pytest.raises(Forbidden):
        services.application_delete(actor=cardless, application_id=legal_app.id)


def test_another_enterprise_cannot_touch_them(ctx):
    app = declare(ctx["legal"], submit=False)
    other = f.make_card("legal", f.enterprise_in_network(), ra=ctx["ra"]).card.user
    for call in (
        lambda: services.application_update(actor=other, application_id=app.id, data={}, version=1),
        lambda: services.application_submit(actor=other, application_id=app.id),
        lambda: services.application_delete(actor=other, application_id=app.id),
    ):
        with pytest.raises(NotFound):
            call()
    op = Operator.objects.get(operator_no=app.data["operator_no"])
    with pytest.raises(NotFound):  # another enterprise's operator: not found here
        cancel(other, op.operator_no)
    with pytest.raises(NotFound):
        services.application_create(
            actor=other, kind="operator_declaration", data={**f.op_data(), "operator_no": op.operator_no}
        )
    assert Application.objects.get(pk=app.pk).status == Status.DRAFT


def test_the_applicant_is_told_of_approval_and_return(ctx, mailoutbox, django_capture_on_commit_callbacks):
    ctx["e"].contact_email = "boss@example.com"
    ctx["e"].save()
    with django_capture_on_commit_callbacks(execute=True):
        app = declare(ctx["legal"])
        services.step_return(actor=ctx["ra"], step_id=ra_step(app).id, opinion="请补充职务")
    assert len(mailoutbox) == 1 and "退回" in mailoutbox[0].subject and "请补充职务" in mailoutbox[0].body
    assert mailoutbox[0].to == ["boss@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        app = services.application_submit(actor=ctx["legal"], application_id=app.id)
        services.step_approve(actor=ctx["ra"], step_id=ra_step(app).id, opinion="同意")
    assert "审核通过" in mailoutbox[-1].subject and app.number in mailoutbox[-1].body


def test_card_changes_are_told_to_the_enterprise(ctx, mailoutbox, django_capture_on_commit_callbacks):
    from eport.cards.actions import card_act

    ctx["e"].contact_email = "boss@example.com"
    ctx["e"].save()
    made = f.make_card("operator", ctx["e"], ra=ctx["ra"])
    with django_capture_on_commit_callbacks(execute=True):
        card_act(actor=ctx["legal"], card_no=made.card.card_no, action="report-lost")
    assert (
        len(mailoutbox) == 1 and "挂失" in mailoutbox[0].subject and made.card.card_no in mailoutbox[0].body
    )
    assert Card.objects.get(pk=made.card.pk).state == CardState.LOST
