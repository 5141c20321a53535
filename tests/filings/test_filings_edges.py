"""Edges of the 企业备案 change found by review: odd JSON types, huge lists, replaced unit lists, the
registry tools, query counts. Each was a defect once; these keep it fixed."""

import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eport.accounts.models import UserKind
from eport.cards.models import Card, CardPermission
from eport.enterprises.models import Enterprise
from eport.filings.models import CardFiling, EnterpriseFiling
from eport.refdata.models import Unit
from eport.registry.models import CustomsRecord, ForexCancellation
from tests import factories as f
from tests.api.helpers import Api, create
from tests.api.helpers import legal as _legal

pytestmark = pytest.mark.django_db


def legal():
    """The legal card's API, which shows a 500 as a response (these tests look for them)."""
    e, made, api = _legal()
    api.client.raise_request_exception = False
    return e, made, api


# A non-string date in card_permission data is a 400 --------------------------------------------------


@pytest.mark.parametrize("value", [20270101, 1.5, True, {"y": 2027}, ["2027-01-01"]])
@pytest.mark.parametrize("field", ["valid_from", "valid_to"])
def test_permission_date_of_wrong_json_type_is_a_400_not_a_500(field, value):
    e, made, api = legal()
    CardFiling.objects.create(card=made.card, filing="customs")
    r = create(
        api, "card_permission", card_no=made.card.card_no, subsystems=["enterprise_mgmt"], **{field: value}
    )
    assert r.status_code == 400, (r.status_code, r.content[:120])
    assert r.json()["error"]["field"] == field


# A huge card list is refused at once (it once took minutes to de-duplicate) ------------------------


def test_a_long_card_list_is_refused_quickly():
    e, made, api = legal()
    EnterpriseFiling.objects.create(enterprise=e, filing="customs", unit=Unit.objects.get(pk="customs:5300"))
    cards = [f"C{i}" for i in range(40000)]  # 370 KB of JSON; the body limit is 6 MB (~600k items)
    t = time.monotonic()
    r = create(api, "card_customs_filing", card_nos=cards)
    elapsed = time.monotonic() - t
    assert r.status_code == 400
    assert elapsed < 1.0, f"{elapsed:.1f}s for 40k items (quadratic: ~600k items in 6 MB -> tens of minutes)"


def test_a_long_comma_separated_card_string_is_refused_quickly():
    e, made, api = legal()
    EnterpriseFiling.objects.create(enterprise=e, filing="customs", unit=Unit.objects.get(pk="customs:5300"))
    t = time.monotonic()
    r = create(api, "card_customs_filing", card_nos=",".join(f"C{i}" for i in range(40000)))
    assert r.status_code == 400
    assert time.monotonic() - t < 1.0


# No N+1 on GET /api/v1/filings/cards ------------------------------------------------------------------


def _cards(n):
    ra = f.staff("ra", "ra:5300")
    e = f.enterprise_in_network()
    legal_card = f.make_card("legal", e, ra=ra).card
    Card.objects.filter(pk=legal_card.pk).update(must_change_pin=False)
    for _ in range(n - 1):
        c = f.make_card("operator", e, ra=ra).card
        CardFiling.objects.create(card=c, filing="customs")
        CardPermission.objects.create(card=c, subsystem_id="express")
    return Api(legal_card.user)


def _count(api, path):
    with CaptureQueriesContext(connection) as q:
        assert api.get(path).status_code == 200
    return len(q.captured_queries)


def test_filings_cards_endpoint_has_no_n_plus_1():
    one = _count(_cards(1), "/filings/cards?page_size=1")
    twenty = _count(_cards(20), "/filings/cards?page_size=20")
    assert twenty == one, (one, twenty)  # (page_size given: both pages are full, so both count the total)


# import-registry --replace needs the file (the demo rows never replace the real list) -----------------


def test_replace_without_a_file_is_refused_instead_of_loading_the_demo_rows():
    real = [f.new_uscc() for _ in range(3)]
    for u in real:
        CustomsRecord.objects.create(uscc=u, name="真实企业", reg_no="4403960001", customs_code="5300")
    with pytest.raises(CommandError, match="--replace needs the CSV file"):
        call_command("import_registry", "--list", "customs", "--replace", stdout=StringIO())
    assert CustomsRecord.objects.filter(uscc__in=real).count() == 3


# A forex filing in review when the forex list is replaced is still approved, with the unit that reviewed it --------


def test_approving_a_forex_filing_whose_bureau_was_replaced(tmp_path):
    e, made, api = legal()
    r = create(api, "forex_filing", forex_bureau="440300")  # not on the directory: manual review
    app = api.post(f"/applications/{r.json()['id']}/submit").json()
    assert app["status"] == "SUBMITTED"
    step = app["steps"][0]
    units = tmp_path / "forex.csv"
    units.write_text(
        "code,name,parent_code\nSAFE44,国家外汇管理局广东省分局,\nSAFE4403,国家外汇管理局深圳市分局,SAFE44\n",
        encoding="utf-8",
    )
    call_command("load_units", "--dept", "forex", str(units), stdout=StringIO())
    reviewer = Api(f.staff(UserKind.REVIEWER, "forex:440300"))
    r = reviewer.post(f"/reviews/{step['id']}/approve", {"opinion": "同意"})
    # Approved and filed with the unit that reviewed it (deactivated by the replacement, not deleted).
    assert r.status_code == 200, r.json()
    assert EnterpriseFiling.objects.get(enterprise=e, filing="forex").unit_id == "forex:440300"


# Codes load-units accepts are usable in a filing and in the directory ---------------------------


def test_replaced_forex_codes_are_usable_in_a_filing_and_the_directory(tmp_path):
    units = tmp_path / "forex.csv"
    units.write_text("code,name,parent_code\nSAFE440300000001,国家外汇管理局深圳市分局,\n", encoding="utf-8")
    call_command("load_units", "--dept", "forex", str(units), stdout=StringIO())
    assert Unit.objects.get(pk="forex:SAFE440300000001").active
    e, made, api = legal()
    r = create(api, "forex_filing", forex_bureau="SAFE440300000001")
    assert r.status_code == 201, r.json()
    d = tmp_path / "dir.csv"
    d.write_text(f"uscc,name,forex_bureau\n{e.uscc},{e.name},SAFE440300000001\n", encoding="utf-8")
    call_command("import_registry", str(d), "--list", "forex_directory", stdout=StringIO())
    app = api.post(f"/applications/{r.json()['id']}/submit").json()
    assert app["status"] == "APPROVED"  # the directory match, with the loaded code


# An administrator's lower-case USCC on the 外汇注销名录 still refuses the enterprise -------------------


def test_admin_entry_on_the_cancellation_list_in_lower_case_still_refuses(admin_client):
    e, made, api = legal()
    r = admin_client.post(
        "/admin/registry/forexcancellation/add/", {"uscc": e.uscc.lower(), "name": e.name, "reason": "注销"}
    )
    assert r.status_code == 302, r.content[:300]  # the admin accepted it
    assert ForexCancellation.objects.filter(uscc=e.uscc).exists()  # stored as the lookups search it
    r = create(api, "forex_filing", forex_bureau="440300")
    assert r.status_code == 409, (r.status_code, r.json())


def test_auto_review_switch_is_not_blocked_by_a_filing_whose_bureau_was_replaced(tmp_path):
    e, made, api = legal()
    r = create(api, "forex_filing", forex_bureau="440300")
    api.post(f"/applications/{r.json()['id']}/submit")
    units = tmp_path / "forex.csv"
    units.write_text("code,name,parent_code\nSAFE44,国家外汇管理局广东省分局,\n", encoding="utf-8")
    call_command("load_units", "--dept", "forex", str(units), stdout=StringIO())
    r = Api(f.staff(UserKind.REVIEWER, "forex:440300")).put(
        "/units/forex:440300/auto-review", {"enabled": True}
    )
    assert r.status_code == 200, r.json()


# `eport demo` after `eport load-units` -----------------------------------------------------------------


def test_demo_still_runs_after_the_commerce_list_was_replaced(tmp_path, settings, capsys):
    from eport.ops.demo import create_demo

    settings.DATA_DIR = tmp_path
    units = tmp_path / "commerce.csv"
    units.write_text("code,name,parent_code\nMOFCOM44,广东省商务厅,\n", encoding="utf-8")
    call_command("load_units", "--dept", "commerce", str(units), stdout=StringIO())
    accounts = create_demo()
    # It goes on without its filings (its 商务 unit is gone, so none of them is made), and says so...
    assert "demo filings skipped" in capsys.readouterr().out
    from eport.ops.demo import CARD_USCC

    e = Enterprise.objects.get(uscc=CARD_USCC)
    assert not EnterpriseFiling.objects.filter(enterprise=e).exists()
    assert not CardFiling.objects.filter(card__enterprise=e).exists()
    # ...but with everything else: the accounts, the enterprise in the network, both cards.
    assert {"demo", "admin"} <= {a["username"] for a in accounts}
    assert e.in_network
    assert set(Card.objects.filter(enterprise=e).values_list("kind", flat=True)) == {"legal", "operator"}


# A permission whose period has already ended is refused ------------------------------


def test_permission_ending_in_the_past_is_refused():
    e, made, api = legal()
    CardFiling.objects.create(card=made.card, filing="customs")
    r = create(
        api,
        "card_permission",
        card_no=made.card.card_no,
        subsystems=["enterprise_mgmt"],
        valid_to="2000-01-01",
    )
    assert r.status_code == 400 and r.json()["error"]["field"] == "valid_to", r.json()
