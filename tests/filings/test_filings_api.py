"""企业备案 through the API (API.md): every precondition, refusal, route and auto-approval rule of the
six filing kinds, as the card-less user, the legal card and the reviewers see them."""

import datetime

import pytest
from django.utils import timezone

from eport.accounts.models import UserKind
from eport.cards.actions import card_act
from eport.cards.models import CardPermission
from eport.filings.models import CardFiling, EnterpriseFiling
from eport.registry.models import CustomsRecord, ForexCancellation, ForexDirectoryEntry
from tests import factories as f
from tests.api.helpers import Api, assert_error, create, file, legal

pytestmark = pytest.mark.django_db


def customs_registered(e, customs="5300"):
    CustomsRecord.objects.create(uscc=e.uscc, name=e.name, reg_no="4403960001", customs_code=customs)


# --- 企业商务部备案申请 ----------------------------------------------------------------------------


def test_commerce_refused_until_the_entry_exists_then_auto_approved_once():
    user = f.cardless()
    api = Api(user)
    e = assert_error(create(api, "commerce_filing", authority="440300"), 409, "entry_required")
    assert "三证合一" in e["message"]
    f.draft_entry(user)  # a saved 三证合一 entry is enough (SPEC: "三证合一 entered")
    app = file(api, "commerce_filing", authority="440300")
    assert app["status"] == "APPROVED"
    [step] = app["steps"]
    assert step["unit"]["id"] == "commerce:440300" and step["status"] == "AUTO_APPROVED"
    assert (
        EnterpriseFiling.objects.get(enterprise=user.enterprise, filing="commerce").unit_id
        == "commerce:440300"
    )
    assert api.get("/filings").json()["commerce"]["status"] == "FILED"
    e = assert_error(create(api, "commerce_filing", authority="440300"), 409, "already_filed")
    assert "不能再次备案" in e["message"]


def test_commerce_authority_must_be_a_known_unit_and_is_required_at_submission():
    user = f.cardless()
    f.draft_entry(user)
    api = Api(user)
    assert_error(create(api, "commerce_filing", authority="999999"), 400, field="authority")
    draft = create(api, "commerce_filing").json()
    assert draft["status"] == "DRAFT"
    assert_error(api.post(f"/applications/{draft['id']}/submit"), 400, field="authority")
    # one unfinished commerce filing at a time
    assert_error(create(api, "commerce_filing", authority="440300"), 409, "open_application_exists")
    assert not EnterpriseFiling.objects.filter(enterprise=user.enterprise).exists()


# --- 企业海关备案 ----------------------------------------------------------------------------------


def test_customs_needs_the_network_and_the_customs_registry():
    user = f.cardless()
    f.draft_entry(user)
    api = Api(user)
    assert_error(
        create(api, "customs_filing", customs_code="5300", filing_customs="5300"),
        409,
        "enterprise_not_in_network",
    )
    e, _made, legal_api = legal()
    draft = create(legal_api, "customs_filing", customs_code="5300", filing_customs="5300").json()
    err = assert_error(
        legal_api.post(f"/applications/{draft['id']}/submit"), 409, "customs_registration_not_found"
    )
    assert "海关企管" in err["message"]
    assert legal_api.get(f"/applications/{draft['id']}").json()["status"] == "DRAFT"


def test_customs_reviewed_by_the_filing_customs_unit_within_its_jurisdiction():
    e, _made, api = legal()
    customs_registered(e)
    app = file(api, "customs_filing", customs_code="5300", filing_customs="5301")
    assert app["status"] == "SUBMITTED"
    [step] = app["steps"]
    assert step["unit"]["id"] == "customs:5301" and step["status"] == "PENDING"
    # A second one while this is unfinished is refused.
    assert_error(
        create(api, "customs_filing", customs_code="5300", filing_customs="5300"),
        409,
        "open_application_exists",
    )
    own = Api(f.staff(UserKind.REVIEWER, "customs:5301"))
    above = Api(f.staff(UserKind.REVIEWER, "customs:5300"))  # the direct customs sees its sub-offices' steps
    other = Api(f.staff(UserKind.REVIEWER, "customs:0100"))
    tax = Api(f.staff(UserKind.REVIEWER, "tax:14403000000"))
    for r in (own, above):
        assert step["id"] in [s["id"] for s in r.get("/reviews", {"status": "pending"}).json()["items"]]
    for r in (other, tax):
        assert step["id"] not in [s["id"] for s in r.get("/reviews", {"status": "pending"}).json()["items"]]
        assert_error(r.post(f"/reviews/{step['id']}/approve", {"opinion": "同意"}), 404)
    assert not EnterpriseFiling.objects.filter(enterprise=e).exists()
    assert above.post(f"/reviews/{step['id']}/approve", {"opinion": "同意备案"}).status_code == 200
    done = api.get(f"/applications/{app['id']}").json()
    assert done["status"] == "APPROVED"
    filing = EnterpriseFiling.objects.get(enterprise=e, filing="customs")
    assert filing.unit_id == "customs:5301" and filing.data["reg_no"] == "4403960001"
    assert api.get("/enterprise").json()["filings"]["customs"]["status"] == "FILED"


def test_customs_returned_then_corrected_and_auto_reviewed_by_the_unit_switch():
    e, _made, api = legal()
    customs_registered(e)
    app = file(api, "customs_filing", customs_code="5300", filing_customs="5300")
    reviewer = Api(f.staff(UserKind.REVIEWER, "customs:5300"))
    step = app["steps"][0]
    assert (
        reviewer.post(f"/reviews/{step['id']}/return", {"opinion": "备案海关应为皇岗海关"}).status_code == 200
    )
    back = api.get(f"/applications/{app['id']}").json()
    assert back["status"] == "RETURNED"
    r = api.patch(
        f"/applications/{app['id']}", {"data": {"filing_customs": "5301"}, "version": back["version"]}
    )
    assert r.status_code == 200, r.content
    assert (
        Api(f.staff(UserKind.REVIEWER, "customs:5301"))
        .put("/units/customs:5301/auto-review", {"enabled": True})
        .status_code
        == 200
    )
    again = api.post(f"/applications/{app['id']}/submit").json()
    assert again["status"] == "APPROVED"
    assert [s["status"] for s in again["steps"] if s["round"] == 2] == ["AUTO_APPROVED"]


def test_customs_codes_are_checked():
    e, _made, api = legal()
    assert_error(
        create(api, "customs_filing", customs_code="12", filing_customs="5300"), 400, field="customs_code"
    )
    assert_error(
        create(api, "customs_filing", customs_code="5300", filing_customs="9999"), 400, field="filing_customs"
    )


# --- 企业外汇备案 ----------------------------------------------------------------------------------


def test_forex_refused_on_the_cancellation_list():
    e, _made, api = legal()
    ForexCancellation.objects.create(uscc=e.uscc, name=e.name, reason="注销")
    err = assert_error(create(api, "forex_filing", forex_bureau="440300"), 409, "forex_cancelled")
    assert "外汇注销名录" in err["message"]


def test_forex_auto_approved_when_the_directory_matches():
    e, _made, api = legal()
    ForexDirectoryEntry.objects.create(uscc=e.uscc, name=e.name, forex_bureau="440300")
    app = file(api, "forex_filing", forex_bureau="440300")
    assert app["status"] == "APPROVED"
    [step] = app["steps"]
    assert step["status"] == "AUTO_APPROVED" and "外汇企业名录" in step["opinion"]
    assert EnterpriseFiling.objects.get(enterprise=e, filing="forex").unit_id == "forex:440300"


@pytest.mark.parametrize(
    "entry",
    [None, {"name": "别的名字有限公司", "forex_bureau": "440300"}, {"name": None, "forex_bureau": "440000"}],
)
def test_forex_reviewed_by_the_bureau_when_the_directory_does_not_match(entry):
    e, _made, api = legal()
    if entry is not None:
        ForexDirectoryEntry.objects.create(
            uscc=e.uscc, name=entry["name"] or e.name, forex_bureau=entry["forex_bureau"]
        )
    app = file(api, "forex_filing", forex_bureau="440300")
    assert app["status"] == "SUBMITTED"
    step = app["steps"][0]
    assert step["unit"]["id"] == "forex:440300" and step["status"] == "PENDING"
    assert_error(
        Api(f.staff(UserKind.REVIEWER, "forex:110000")).post(
            f"/reviews/{step['id']}/approve", {"opinion": "同意"}
        ),
        404,
    )
    province = Api(f.staff(UserKind.REVIEWER, "forex:440000"))
    assert province.post(f"/reviews/{step['id']}/approve", {"opinion": "同意"}).status_code == 200
    assert api.get(f"/applications/{app['id']}").json()["status"] == "APPROVED"


def test_forex_needs_the_network_and_a_known_bureau():
    user = f.cardless()
    f.draft_entry(user)
    assert_error(create(Api(user), "forex_filing", forex_bureau="440300"), 409, "enterprise_not_in_network")
    _e, _made, api = legal()
    assert_error(create(api, "forex_filing", forex_bureau="4403"), 400, field="forex_bureau")


# --- IC卡海关备案 / IC卡外汇备案 -------------------------------------------------------------------


def test_card_filing_refused_until_the_enterprise_is_filed_then_auto_approved():
    e, made, api = legal()
    op = f.make_card("operator", e)
    r = assert_error(
        create(api, "card_customs_filing", card_nos=[made.card.card_no]), 409, "enterprise_not_filed"
    )
    assert "海关备案" in r["message"]
    f.enterprise_filed(e, "customs", "customs:5300")
    app = file(api, "card_customs_filing", card_nos=[made.card.card_no, op.card.card_no.lower()])
    assert app["status"] == "APPROVED"
    assert app["steps"][0]["unit"]["id"] == "customs:5300" and app["steps"][0]["status"] == "AUTO_APPROVED"
    assert set(CardFiling.objects.filter(filing="customs").values_list("card__card_no", flat=True)) == {
        made.card.card_no,
        op.card.card_no,
    }
    assert api.get(f"/cards/{op.card.card_no}").json()["filings"] == ["customs"]
    # The forex filing of cards needs the enterprise's forex filing.
    assert_error(create(api, "card_forex_filing", card_nos=[op.card.card_no]), 409, "enterprise_not_filed")
    # Filing a filed card again is refused, naming it.
    draft = create(api, "card_customs_filing", card_nos=[op.card.card_no]).json()
    r = assert_error(api.post(f"/applications/{draft['id']}/submit"), 409, "card_already_filed", "card_nos")
    assert op.card.card_no in r["message"]


def test_card_filing_refuses_unusable_and_foreign_cards_and_an_empty_choice():
    e, made, api = legal()
    f.enterprise_filed(e, "customs", "customs:5300")
    op = f.make_card("operator", e)
    card_act(actor=made.card.user, card_no=op.card.card_no, action="freeze")
    draft = create(api, "card_customs_filing", card_nos=[op.card.card_no]).json()
    r = assert_error(api.post(f"/applications/{draft['id']}/submit"), 409, "card_not_usable", "card_nos")
    assert "冻结" in r["message"]
    other = f.make_card("operator")
    assert_error(
        api.patch(
            f"/applications/{draft['id']}",
            {"data": {"card_nos": [other.card.card_no]}, "version": draft["version"]},
        ),
        404,
        "card_not_found",
    )
    assert_error(
        api.patch(f"/applications/{draft['id']}", {"data": {"card_nos": "x"}, "version": draft["version"]}),
        404,
        "card_not_found",
    )
    assert_error(
        api.patch(
            f"/applications/{draft['id']}", {"data": {"card_nos": {"a": 1}}, "version": draft["version"]}
        ),
        400,
        field="card_nos",
    )
    r = api.patch(f"/applications/{draft['id']}", {"data": {"card_nos": []}, "version": draft["version"]})
    assert r.status_code == 200
    assert_error(api.post(f"/applications/{draft['id']}/submit"), 400, field="card_nos")
    assert not CardFiling.objects.exists()


def test_only_the_legal_card_files_cards():
    user = f.cardless()
    e = user.enterprise
    e.network_status = "in_network"
    e.save()
    assert_error(create(Api(user), "card_customs_filing", card_nos=[]), 403, "kind_not_allowed")
    assert_error(Api(user).get("/filings/cards"), 403)


# --- IC卡权限申请 ---------------------------------------------------------------------------------


def test_permission_needs_a_filed_card_and_grants_exactly_the_chosen_subsystems():
    e, made, api = legal()
    op = f.make_card("operator", e)
    no = op.card.card_no
    assert_error(
        create(api, "card_permission", card_no=no, subsystems=["express"]), 409, "card_not_filed", "card_no"
    )
    CardFiling.objects.create(card=op.card, filing="customs")
    app = file(api, "card_permission", card_no=no, subsystems=["express", "paperless_delegation"])
    assert app["status"] == "APPROVED" and app["steps"][0]["status"] == "AUTO_APPROVED"
    assert set(CardPermission.objects.filter(card=op.card).values_list("subsystem_id", flat=True)) == {
        "express",
        "paperless_delegation",
    }
    op.card.__class__.objects.filter(pk=op.card.pk).update(must_change_pin=False)
    me = Api(op.card.user).get("/me").json()
    enabled = {s["code"] for s in me["subsystems"] if s["enabled"]}
    assert enabled == {"express", "paperless_delegation"}
    # A later application replaces the set: what is not chosen is withdrawn.
    file(api, "card_permission", card_no=no, subsystems=["express"])
    assert list(CardPermission.objects.filter(card=op.card).values_list("subsystem_id", flat=True)) == [
        "express"
    ]
    assert [p["code"] for p in api.get(f"/cards/{no}").json()["permissions"]] == ["express"]


def test_permission_rules_per_subsystem():
    e, made, api = legal()
    op = f.make_card("operator", e)
    CardFiling.objects.create(card=op.card, filing="customs")
    CardFiling.objects.create(card=made.card, filing="customs")
    # 出口收汇 is forex business: the card's forex filing first.
    d = create(api, "card_permission", card_no=op.card.card_no, subsystems=["export_receipt"]).json()
    r = assert_error(api.post(f"/applications/{d['id']}/submit"), 409, "card_filing_required", "subsystems")
    assert "出口收汇" in r["message"] and "外汇备案" in r["message"]
    api.delete(f"/applications/{d['id']}")
    # 快件通关 is for operator cards (代理报关委托 is done with an operator or the legal card: issue 14).
    d = create(api, "card_permission", card_no=made.card.card_no, subsystems=["express"]).json()
    assert_error(
        api.post(f"/applications/{d['id']}/submit"), 409, "subsystem_not_for_card_kind", "subsystems"
    )
    api.delete(f"/applications/{d['id']}")
    assert_error(
        create(api, "card_permission", card_no=made.card.card_no, subsystems=["nope"]),
        400,
        field="subsystems",
    )
    assert_error(
        create(
            api,
            "card_permission",
            card_no=made.card.card_no,
            subsystems=["enterprise_mgmt"],
            valid_from="2027-01-02",
            valid_to="2027-01-01",
        ),
        400,
        field="valid_to",
    )
    assert_error(
        create(
            api,
            "card_permission",
            card_no=made.card.card_no,
            subsystems=["enterprise_mgmt"],
            valid_from="2027/01/02",
        ),
        400,
        field="valid_from",
    )
    d = create(api, "card_permission", card_no=made.card.card_no, subsystems=[]).json()
    assert_error(api.post(f"/applications/{d['id']}/submit"), 400, field="subsystems")
    assert not CardPermission.objects.exists()


def test_permission_period_decides_the_menu():
    e, made, api = legal()
    CardFiling.objects.create(card=made.card, filing="customs")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    file(
        api,
        "card_permission",
        card_no=made.card.card_no,
        subsystems=["paperless_signing", "enterprise_mgmt"],
        valid_from=tomorrow.isoformat(),
    )
    me = api.get("/me").json()
    assert not any(s["enabled"] for s in me["subsystems"])  # granted, not yet valid
    assert all(p["active"] is False for p in api.get(f"/cards/{made.card.card_no}").json()["permissions"])
    for p in CardPermission.objects.all():  # saved, as the product changes a permission: the menu follows
        p.valid_from = timezone.localdate()
        p.save()
    assert {s["code"] for s in api.get("/me").json()["subsystems"] if s["enabled"]} == {
        "paperless_signing",
        "enterprise_mgmt",
    }


def test_permission_card_is_fixed_and_one_open_per_card():
    e, made, api = legal()
    op = f.make_card("operator", e)
    CardFiling.objects.create(card=op.card, filing="customs")
    CardFiling.objects.create(card=made.card, filing="customs")
    d = create(api, "card_permission", card_no=op.card.card_no, subsystems=["express"]).json()
    assert_error(
        create(api, "card_permission", card_no=op.card.card_no, subsystems=["express"]),
        409,
        "open_application_exists",
    )
    # Another card of the enterprise has its own application.
    assert (
        create(api, "card_permission", card_no=made.card.card_no, subsystems=["enterprise_mgmt"]).status_code
        == 201
    )
    r = api.patch(
        f"/applications/{d['id']}", {"data": {"card_no": made.card.card_no}, "version": d["version"]}
    )
    assert r.status_code == 200 and r.json()["data"]["card_no"] == op.card.card_no


def test_the_reviewer_sees_what_the_other_systems_say(client):
    """The review page shows the customs registry's record and the forex directory's entry beside the
    application, and where the directory differs from it."""
    e, _made, api = legal()
    customs_registered(e, customs="5301")
    ForexDirectoryEntry.objects.create(uscc=e.uscc, name=e.name + "（深圳）", forex_bureau="440300")
    customs = file(api, "customs_filing", customs_code="5300", filing_customs="5300")
    forex = file(api, "forex_filing", forex_bureau="440300")
    assert forex["status"] == "SUBMITTED"  # the name differs: manual review
    client.force_login(f.staff(UserKind.REVIEWER, "customs:5300"))
    page = client.get(f"/reviews/{customs['steps'][0]['id']}/").content.decode()
    assert "海关企管备案信息" in page and "4403960001" in page
    client.force_login(f.staff(UserKind.REVIEWER, "forex:440300"))
    page = client.get(f"/reviews/{forex['steps'][0]['id']}/").content.decode()
    assert "外汇企业名录" in page and "与申请不一致：企业名称" in page


def test_the_filings_are_in_the_admin_read_only(admin_client):
    e, _made, api = legal()
    file(api, "commerce_filing", authority="440300")
    page = admin_client.get("/admin/filings/enterprisefiling/").content.decode()
    assert e.name in page
    assert admin_client.get("/admin/filings/enterprisefiling/add/").status_code == 403
