"""The 三证合一 data form (draft vs submission rules per 法人类型) and the approval's effect on the master record."""

import pytest

from eport.applications import services
from eport.enterprises.forms import EnterpriseDataForm, registry_backfill
from eport.enterprises.models import EnterpriseHistory
from eport.enterprises.services import enterprise_apply_data, master_data
from eport.errors import InvalidInput
from tests import factories as f

pytestmark = pytest.mark.django_db


def form(data, final=True, enterprise=None):
    frm = EnterpriseDataForm(data=data, final=final, enterprise=enterprise)
    frm.is_valid()
    return frm


@pytest.fixture
def ent():
    return f.cardless().enterprise


def test_complete_data_is_valid(ent):
    frm = form(f.entry_data(ent.uscc), enterprise=ent)
    assert frm.is_valid(), frm.errors
    out = frm.json_data()
    assert out["registered_capital"] == "500" and out["enterprise_type_other"] == ""


def test_draft_accepts_empty(ent):
    assert form({}, final=False, enterprise=ent).is_valid()
    assert not form({}, final=True, enterprise=ent).is_valid()


@pytest.mark.parametrize(
    "lpt, blank, required",
    [
        ("enterprise", (), ("aic_unit", "tax_unit", "quality_unit")),
        ("other", (), ("aic_unit", "tax_unit", "quality_unit")),
        ("institution", ("aic_unit", "tax_unit"), ("quality_unit",)),
        ("special", ("aic_unit", "tax_unit", "quality_unit"), ()),
    ],
)
def test_unit_fields_by_legal_person_type(ent, lpt, blank, required):
    frm = form(f.entry_data(ent.uscc, legal_person_type=lpt), enterprise=ent)
    assert frm.is_valid(), frm.errors
    for field in blank:
        assert frm.json_data()[field] == ""
    empty = form(
        f.entry_data(ent.uscc, legal_person_type=lpt, aic_unit="", tax_unit="", quality_unit=""),
        enterprise=ent,
    )
    assert set(empty.errors) == set(required)


def test_enterprise_type_other(ent):
    assert set(form(f.entry_data(ent.uscc, enterprise_type="9"), enterprise=ent).errors) == {
        "enterprise_type_other"
    }
    assert form(f.entry_data(ent.uscc, enterprise_type="9"), final=False, enterprise=ent).is_valid()
    ok = form(f.entry_data(ent.uscc, enterprise_type="9", enterprise_type_other="合作社"), enterprise=ent)
    assert ok.is_valid() and ok.json_data()["enterprise_type_other"] == "合作社"


@pytest.mark.parametrize(
    "over, field",
    [
        ({"uscc": f.USCC_SZ}, "uscc"),
        ({"legal_rep_id_no": "11010519491231002Y"}, "legal_rep_id_no"),
        ({"legal_rep_id_type": "passport", "legal_rep_id_no": "!!"}, "legal_rep_id_no"),
        ({"phone": "call me"}, "phone"),
        ({"customs_code": "0"}, "customs_code"),
        ({"tax_unit": "440300"}, "tax_unit"),
        ({"quality_unit": "999999"}, "quality_unit"),
    ],
)
def test_bad_values(ent, over, field):
    frm = form({**f.entry_data(ent.uscc), **over}, enterprise=ent)
    assert field in frm.errors, frm.errors


def test_registry_backfill():
    assert registry_backfill(f.USCC_SZ)["name"] == "深圳市前海示范贸易有限公司"
    assert registry_backfill(f.new_uscc()) == {}


def test_apply_data_enters_network_and_keeps_history(ent):
    data = form(f.entry_data(ent.uscc), enterprise=ent).json_data()
    e = enterprise_apply_data(enterprise=ent, data=data, application=None)
    assert e.in_network and e.enterprise_no == f"5300{e.pk:010d}" and e.card_issuer_id == "ra:5300"
    first_entered, number = e.entered_at, e.enterprise_no
    # a later change keeps the entry time and the number, and adds a history row
    data2 = {**data, "address": "新住所", "legal_person_type": "institution", "aic_unit": "", "tax_unit": ""}
    e = enterprise_apply_data(enterprise=e, data=data2, application=None)
    assert e.entered_at == first_entered and e.enterprise_no == number
    assert (
        e.address == "新住所"
        and e.aic_unit is None
        and e.tax_unit is None
        and e.quality_unit_id == "quality:440300"
    )
    rows = list(EnterpriseHistory.objects.filter(enterprise=e).order_by("id"))
    assert (
        len(rows) == 2
        and rows[1].before["address"] == data["address"]
        and rows[1].after["address"] == "新住所"
    )
    assert master_data(e)["aic_unit"] == ""


def test_an_entry_whose_customs_has_no_data_sub_centre_is_refused_at_submission():
    """Every entry ends at a data sub-centre: with none serving its customs any more (its unit deactivated
    after the draft was saved), the submission is refused, naming the field, and the draft stays a draft with
    no review steps (the form says so; the route refuses too, never a step without a unit)."""
    from eport.applications.models import Application, ReviewStep
    from eport.refdata.models import Unit

    user = f.cardless()
    app = f.draft_entry(user)
    Unit.objects.filter(id="ra:5300").update(active=False)
    with pytest.raises(InvalidInput) as e:
        services.application_submit(actor=user, application_id=app.id)
    assert e.value.field == "customs_code" and "数据分中心" in str(e.value.message)
    assert Application.objects.get(pk=app.pk).status == "DRAFT"
    assert not ReviewStep.objects.filter(application_id=app.pk).exists()
