"""三证合一信息变更 (enterprise_change) by the legal-person card."""

import pytest

from eport.applications import services
from eport.applications.models import Status, StepStatus
from eport.enterprises.models import Enterprise, EnterpriseHistory
from eport.enterprises.services import master_data
from eport.errors import Conflict, Forbidden, InvalidInput
from eport.validators import make_uscc
from tests import factories as f
from tests.api.helpers import approve_all

pytestmark = pytest.mark.django_db


def legal_of(e):
    return f.make_card("legal", e).card.user


def change(actor, **over):
    from eport.applications.kinds import get_kind

    data = {**get_kind("enterprise_change").initial_data(enterprise=actor.enterprise), **over}
    return services.application_create(actor=actor, kind="enterprise_change", data=data)


def test_only_an_approved_record_can_be_changed():
    e = f.enterprise_in_network()
    legal = legal_of(e)
    Enterprise.objects.filter(pk=e.pk).update(network_status="not_in_network")
    legal = type(legal).objects.get(pk=legal.pk)
    with pytest.raises(Conflict) as err:
        change(legal)
    assert err.value.code == "enterprise_not_approved"


def test_approved_change_updates_the_master_record_and_keeps_history():
    e = f.enterprise_in_network()
    legal = legal_of(e)
    app = change(
        legal,
        **{
            **{k: v for k, v in f.entry_data(e.uscc).items() if k != "uscc"},
            "address": "深圳市福田区新地址9号",
        },
    )
    assert app.data["uscc"] == e.uscc
    app = services.application_submit(actor=legal, application_id=app.id)
    units = {s.unit_id for s in app.steps.filter(round=app.round)}
    assert units == {"aic:440300", "tax:14403000000", "quality:440300", "ra:5300"}  # the same joint review
    assert Enterprise.objects.get(pk=e.pk).address != "深圳市福田区新地址9号"  # not before approval
    approve_all(app, f.reviewers())
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    e.refresh_from_db()
    assert e.address == "深圳市福田区新地址9号"
    h = EnterpriseHistory.objects.filter(enterprise=e, application=app).get()
    assert h.after["address"] == "深圳市福田区新地址9号" and h.before["address"] != h.after["address"]


def test_a_draft_change_can_be_deleted_a_submitted_one_not_and_one_at_a_time():
    e = f.enterprise_in_network()
    legal = legal_of(e)
    app = change(legal, **f.entry_data(e.uscc))
    with pytest.raises(Conflict):
        change(legal)
    services.application_delete(actor=legal, application_id=app.id)
    app = change(legal, **f.entry_data(e.uscc))
    services.application_submit(actor=legal, application_id=app.id)
    with pytest.raises(Conflict):
        services.application_delete(actor=legal, application_id=app.id)


def test_the_uscc_stays_the_enterprises_own():
    e = f.enterprise_in_network()
    legal = legal_of(e)
    with pytest.raises(InvalidInput) as err:
        change(legal, **f.entry_data(f.new_uscc()))
    assert err.value.field == "uscc" and err.value.code == "uscc_mismatch"


def test_first_approved_by_organization_code_the_new_uscc_must_carry_it():
    uscc_ok = make_uscc("91", "440300", "MA5DLG01")
    org = uscc_ok[8:17]  # the organization code with its GB 11714 check character
    e = f.enterprise_in_network(uscc=f.new_uscc())
    Enterprise.objects.filter(pk=e.pk).update(uscc=None, org_code=org)
    e.refresh_from_db()
    legal = legal_of(e)  # found by its organization code
    legal = type(legal).objects.get(pk=legal.pk)
    # Someone registered the new USCC meanwhile (a candidate row): that neither blocks the change ...
    from eport.enterprises.registration import account_register

    squatter = account_register(
        data={
            "username": "squat_org",
            "password": "Squat#Pass2026",
            "uscc": uscc_ok,
            "enterprise_name": "抢注",
            "contact_name": "x",
            "phone": "13800138000",
            "email": "squat@example.com",
        }
    )
    wrong = make_uscc("91", "440300", "MA5DXTHR")
    with pytest.raises(InvalidInput) as err:
        change(legal, **f.entry_data(wrong))
    assert err.value.code == "uscc_org_code_mismatch" and err.value.field == "uscc"
    assert org in str(err.value.message) and wrong[8:17] in str(err.value.message)
    app = change(legal, **f.entry_data(uscc_ok))
    app = services.application_submit(actor=legal, application_id=app.id)
    approve_all(app, f.reviewers())
    e.refresh_from_db()
    assert e.uscc == uscc_ok and e.org_code == org
    assert master_data(e)["uscc"] == uscc_ok
    squatter.refresh_from_db()  # ... nor survives it: the USCC is established, its candidate closes
    assert squatter.closed_at is not None


def test_the_applicant_sees_every_units_state():
    e = f.enterprise_in_network()
    legal = legal_of(e)
    app = services.application_submit(actor=legal, application_id=change(legal, **f.entry_data(e.uscc)).id)
    r = f.reviewers()
    step = app.steps.get(unit_id="aic:440300")
    services.step_return(actor=r["aic"], step_id=step.id, opinion="名称与执照不符")
    from eport.applications.selectors import application_get

    seen = application_get(legal, app.id)
    states = {s.unit_id: s.status for s in seen.steps.all()}
    assert states["aic:440300"] == StepStatus.RETURNED and states["ra:5300"] == StepStatus.CLOSED


def test_the_cardless_user_cannot_file_or_edit_a_change():
    e = f.enterprise_in_network()
    legal = legal_of(e)
    app = change(legal, **f.entry_data(e.uscc))
    cardless = f.cardless(uscc=e.uscc)
    with pytest.raises(Forbidden):
        change(cardless)
    with pytest.raises(Forbidden):
        services.application_update(actor=cardless, application_id=app.id, data={}, version=app.version)
