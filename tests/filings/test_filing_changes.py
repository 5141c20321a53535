"""备案变更 (SPEC §6.7): after an approved 三证合一 change the commerce, customs and forex filings follow
through a filing change reviewed like the filing itself, instead of the refusal "已备案"; the name the
authorities hold (出口收汇's forms) turns to the new one only once all three have followed."""

import pytest

from eport.accounts.models import UserKind
from eport.applications.models import Application
from eport.audit.models import AuditEvent
from eport.enterprises.services import enterprise_apply_data, master_data
from eport.filings.changes import filed_name
from eport.filings.models import EnterpriseFiling
from eport.registry.models import CustomsRecord, ForexDirectoryEntry
from tests import factories as f
from tests.api.helpers import Api, assert_error, create, file, legal

pytestmark = pytest.mark.django_db

OLD, NEW = "深圳旧名贸易有限公司", "深圳新名科技有限公司"


def filed_three(e, api):
    """The enterprise filed with commerce (auto), forex (auto: the directory agrees) and customs (reviewed)."""
    CustomsRecord.objects.create(uscc=e.uscc, name=e.name, reg_no="4403960001", customs_code="5300")
    ForexDirectoryEntry.objects.create(uscc=e.uscc, name=e.name, forex_bureau="440300")
    assert file(api, "commerce_filing", authority="440300")["status"] == "APPROVED"
    assert file(api, "forex_filing", forex_bureau="440300")["status"] == "APPROVED"
    customs = file(api, "customs_filing", customs_code="5300", filing_customs="5300")
    approve(customs, "customs:5300")


def approve(app: dict, unit: str) -> None:
    [step] = [s for s in app["steps"] if s["status"] == "PENDING"]
    assert step["unit"]["id"] == unit
    r = Api(f.staff(UserKind.REVIEWER, unit)).post(f"/reviews/{step['id']}/approve", {"opinion": "同意变更"})
    assert r.status_code == 200, r.content


def renamed(e, name=NEW, **over):
    """The 三证合一 change approved (its effect: the master record written, as the engine's approval does)."""
    enterprise_apply_data(enterprise=e, data={**master_data(e), "name": name, **over}, application=None)
    e.refresh_from_db()


def test_a_renamed_enterprise_files_a_change_for_each_filing_and_the_name_follows_when_all_three_have():
    made = f.legal_card(f.enterprise_in_network(name=OLD))
    e, api = made.card.enterprise, Api(made.card.user)
    filed_three(e, api)
    assert {x["changes"] == [] for x in api.get("/filings").json().values()} == {True}

    renamed(e, address="深圳市南山区科技园1号")
    filings = api.get("/filings").json()
    for filing in ("commerce", "customs", "forex"):
        assert filings[filing]["status"] == "FILED"
        assert {c["field"]: (c["filed"], c["current"]) for c in filings[filing]["changes"]}["name"] == (
            OLD,
            NEW,
        )
    tasks = {t["code"]: t for t in api.get("/enterprise/progress").json()["tasks"]}
    assert tasks["forex_filing"]["state"] == "action" and "备案变更" in tasks["forex_filing"]["detail"]
    assert filed_name(e) == OLD
    # Filing again is still refused, now pointing at the change.
    err = assert_error(create(api, "commerce_filing", authority="440300"), 409, "already_filed")
    assert "备案变更" in err["message"]

    # 商务部: approved by itself, like the filing.
    app = file(api, "commerce_filing_change", authority="440300")
    assert app["status"] == "APPROVED" and app["number"].startswith("SB")
    commerce = EnterpriseFiling.objects.get(enterprise=e, filing="commerce")
    assert commerce.filed_as["name"] == NEW and commerce.changed_at is not None
    assert api.get("/filings").json()["commerce"]["changes"] == []
    assert filed_name(e) == OLD  # customs and forex still hold the old name

    # 外汇: the directory still says the old name, so the bureau reviews it.
    app = file(api, "forex_filing_change", forex_bureau="440300")
    assert app["status"] == "SUBMITTED"
    assert api.get("/filings").json()["forex"]["change_application_id"] == app["id"]
    tasks = {t["code"]: t for t in api.get("/enterprise/progress").json()["tasks"]}
    assert tasks["forex_filing"]["state"] == "in_progress"
    approve(app, "forex:440300")
    assert filed_name(e) == OLD

    # 海关: reviewed by the filing customs; it may move the filing to another customs at the same time.
    app = file(api, "customs_filing_change", customs_code="5300", filing_customs="5301")
    approve(app, "customs:5301")
    customs = EnterpriseFiling.objects.get(enterprise=e, filing="customs")
    assert customs.unit_id == "customs:5301" and customs.data["reg_no"] == "4403960001"
    assert customs.filed_as == {
        "name": NEW,
        "legal_rep_name": e.legal_rep_name,
        "address": "深圳市南山区科技园1号",
    }
    assert filed_name(e) == NEW
    tasks = {t["code"]: t for t in api.get("/enterprise/progress").json()["tasks"]}
    assert {tasks[k]["state"] for k in ("commerce_filing", "customs_filing", "forex_filing")} == {"done"}
    events = AuditEvent.objects.filter(action="filing.change", object_id__in=[str(customs.pk)])
    assert events.count() == 1 and events.get().before["filed_as"]["name"] == OLD


def test_a_change_needs_the_filing_and_something_to_change():
    e, _made, api = legal()
    err = assert_error(create(api, "forex_filing_change", forex_bureau="440300"), 409, "filing_required")
    assert "尚未外汇备案" in err["message"]
    assert file(api, "commerce_filing", authority="440300")["status"] == "APPROVED"
    draft = create(api, "commerce_filing_change", authority="440300").json()
    err = assert_error(api.post(f"/applications/{draft['id']}/submit"), 409, "nothing_to_change")
    assert "没有需要变更" in err["message"]
    assert Application.objects.get(pk=draft["id"]).status == "DRAFT"
    # Moving to another authority is a change of its own (and the unknown one is refused naming the field).
    assert_error(
        api.patch(f"/applications/{draft['id']}", {"data": {"authority": "999999"}, "version": 1}),
        400,
        field="authority",
    )
    r = api.patch(f"/applications/{draft['id']}", {"data": {"authority": "440000"}, "version": 1})
    assert r.status_code == 200, r.content
    assert api.post(f"/applications/{draft['id']}/submit").json()["status"] == "APPROVED"
    assert EnterpriseFiling.objects.get(enterprise=e, filing="commerce").unit_id == "commerce:440000"


def test_another_enterprise_neither_sees_nor_files_the_change():
    made = f.legal_card(f.enterprise_in_network(name=OLD))
    e, api = made.card.enterprise, Api(made.card.user)
    assert file(api, "commerce_filing", authority="440300")["status"] == "APPROVED"
    renamed(e)
    draft = create(api, "commerce_filing_change", authority="440300").json()
    _other, _m, other = legal()
    assert_error(other.get(f"/applications/{draft['id']}"), 404)
    assert_error(other.post(f"/applications/{draft['id']}/submit"), 404)
    assert other.get("/filings").json()["commerce"]["changes"] == []
    assert Application.objects.get(pk=draft["id"]).status == "DRAFT"
    assert EnterpriseFiling.objects.get(enterprise=e, filing="commerce").filed_as["name"] == OLD
