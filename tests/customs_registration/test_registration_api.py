"""海关企业管理 through the API (SPEC §6.7, API.md "Other subsystems"): the registration read from the customs
filing and the enterprise, the reminders in /me, 变更 and 延续 through the engine reviewed by the customs
unit of the direct customs, the 年度报告, refusals naming the field, mail and audit."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from eport.audit.models import AuditEvent
from eport.customs_registration.models import Registration
from eport.customs_registration.selectors import renewed_until
from tests import factories as f
from tests.api.helpers import Api, assert_error, attach_required, create, submitted
from tests.customs_registration.helpers import grant, qiguan, registered

pytestmark = pytest.mark.django_db


def test_the_registration_is_read_from_the_filing_and_the_enterprise():
    e, legal, api = registered(days=60)
    r = api.get("/customs-registration")
    assert r.status_code == 200, r.content
    b = r.json()
    assert b["customs_code"] == "4403960101"
    assert b["registered_customs"] == "5301" and b["filing_customs"] == "5300"
    assert b["category"] == "consignee" and b["category_name"] == "进出口货物收发货人"
    assert b["address"] == "深圳市南山区测试路1号" and b["legal_rep_name"] == "张三"
    assert b["days_left"] == 60 and b["expired"] is False
    assert b["registered_on"] == timezone.localdate().isoformat()
    assert AuditEvent.objects.filter(action="customs_registration.opened").count() == 1


def test_without_the_subsystem_or_the_filing_it_is_refused():
    e, legal, api = registered()
    legal.card.permissions.all().delete()
    assert_error(api.get("/customs-registration"), 403, "subsystem_not_granted")
    other = grant(f.legal_card(f.enterprise_in_network(name="未备案企业")))
    assert_error(Api(other.card.user).get("/customs-registration"), 404, "customs_registration_not_found")


def test_the_reminders_come_with_the_cards_cached_menu(django_assert_num_queries):
    from eport.cards.menu import with_menu
    from eport.customs_registration.selectors import reminders

    e, legal, api = registered(days=30)
    create(api, "customs_registration_renewal", {})
    with django_assert_num_queries(2):  # from the database: the card's permissions, then one query
        got = reminders(legal.card)
    assert [x["code"] for x in got] == ["registration_expiring", "annual_report_due", "materials_missing"]
    with_menu(legal.card)  # read once into the cache
    with django_assert_num_queries(0):
        assert reminders(with_menu(legal.card)) == got


def test_a_return_is_mailed_with_the_opinion(django_capture_on_commit_callbacks):
    e, legal, api = registered(days=30)
    reviewer, r_api = qiguan()
    app = create(api, "customs_registration_renewal", {}).json()
    attach_required(api, app["id"])
    sub = submitted(api, app["id"], "SUBMITTED")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = r_api.post(f"/reviews/{sub['steps'][0]['id']}/return", {"opinion": "登记证扫描件不清晰"})
    assert r.status_code == 200, r.content
    assert mail.outbox[0].to == ["reg4403960101@example.com"] and "登记证扫描件不清晰" in mail.outbox[0].body
    assert api.get(f"/applications/{app['id']}").json()["status"] == "RETURNED"


def test_me_lists_the_reminders_of_a_card_holding_the_subsystem():
    e, legal, api = registered(days=30)
    me = api.get("/me").json()
    codes = [x["code"] for x in me["reminders"]]
    assert codes == ["registration_expiring", "annual_report_due"]
    expiring = me["reminders"][0]
    assert expiring["due"] == (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert "30" in expiring["message"]
    reg = Registration.objects.get(enterprise=e)
    reg.valid_until = timezone.localdate() - dt.timedelta(days=1)
    reg.save()  # a change of the registration: the card's cached menu follows it
    assert api.get("/me").json()["reminders"][0]["code"] == "registration_expired"
    legal.card.permissions.all().delete()
    assert api.get("/me").json()["reminders"] == []


def test_annual_report_once_a_year_and_the_reminder_goes(django_capture_on_commit_callbacks):
    e, legal, api = registered(days=200)
    reviewer, _ = qiguan()
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post("/customs-registration/annual-report")
    assert r.status_code == 200 and r.json()["annual_report_year"] == timezone.localdate().year - 1
    assert [m.to for m in mail.outbox] == [["qiguan@example.com"]]
    assert api.get("/me").json()["reminders"] == []
    assert_error(
        api.post("/customs-registration/annual-report"), 409, "annual_report_done", "annual_report_year"
    )


def test_renewal_approved_by_the_unit_moves_the_valid_until(django_capture_on_commit_callbacks):
    e, legal, api = registered(days=30)
    reviewer, r_api = qiguan()
    before = Registration.objects.get(enterprise=e).valid_until
    r = create(api, "customs_registration_renewal", {"reason": "到期延续"})
    assert r.status_code == 201, r.content
    app = r.json()
    missing = [x for x in api.get("/me").json()["reminders"] if x["code"] == "materials_missing"]
    assert len(missing) == 1 and "报关单位登记证" in missing[0]["message"]
    assert_error(api.post(f"/applications/{app['id']}/submit"), 400, "attachments_required")
    attach_required(api, app["id"])
    with django_capture_on_commit_callbacks(execute=True):
        sub = submitted(api, app["id"], "SUBMITTED")
    assert [s["unit"]["id"] for s in sub["steps"]] == ["customs:5300"]
    assert mail.outbox[-1].to == ["qiguan@example.com"] and "延续" in mail.outbox[-1].subject
    queue = r_api.get("/reviews", {"status": "pending"}).json()["items"]
    step = next(s for s in queue if s["application"]["id"] == app["id"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ok = r_api.post(f"/reviews/{step['id']}/approve", {"opinion": "同意延续。"})
    assert ok.status_code == 200, ok.content
    reg = Registration.objects.get(enterprise=e)
    assert reg.valid_until == renewed_until(before, timezone.localdate())
    assert mail.outbox[0].to == ["reg4403960101@example.com"] and "审核通过" in mail.outbox[0].subject
    assert [x["code"] for x in api.get("/me").json()["reminders"]] == ["annual_report_due"]
    assert AuditEvent.objects.filter(action="customs_registration.renewed", object_id=str(reg.pk)).exists()


def test_a_card_that_lost_the_subsystem_cannot_submit_its_draft():
    """变更 / 延续 are done with a card holding 海关企业管理 to the end: a draft started with the permission is
    not submitted, edited or deleted once the permission is gone."""
    from eport.cards.models import CardPermission

    e, legal, api = registered(days=30)
    app = create(api, "customs_registration_renewal", {"reason": "到期延续"}).json()
    attach_required(api, app["id"])
    CardPermission.objects.filter(card=legal.card, subsystem_id="enterprise_mgmt").delete()
    assert_error(api.post(f"/applications/{app['id']}/submit"), 403, "kind_not_allowed")
    assert_error(api.delete(f"/applications/{app['id']}"), 403, "kind_not_allowed")
    from eport.applications.models import Application

    assert Application.objects.get(pk=app["id"]).status == "DRAFT"


def test_renewal_too_early_names_the_field():
    e, legal, api = registered(days=200)
    assert_error(create(api, "customs_registration_renewal", {}), 409, "renewal_too_early", "valid_until")


def test_change_needs_a_change_and_approval_applies_it():
    e, legal, api = registered(days=200)
    reviewer, r_api = qiguan()
    current = {
        "category": "consignee",
        "business_address": "深圳市南山区测试路1号",
        "contact_name": "",
        "contact_phone": "",
    }
    r = create(api, "customs_registration_change", current)
    assert r.status_code == 201, r.content
    app = r.json()
    attach_required(api, app["id"])
    bad = api.patch(
        f"/applications/{app['id']}", {"version": app["version"], "data": {"contact_phone": "电话abc"}}
    )
    assert_error(bad, 400, None, "contact_phone")
    assert_error(api.post(f"/applications/{app['id']}/submit"), 400, None, "contact_name")
    v = api.get(f"/applications/{app['id']}").json()["version"]
    same = api.patch(
        f"/applications/{app['id']}",
        {"version": v, "data": {"contact_name": "", "contact_phone": ""}},
    )
    assert same.status_code == 200
    Registration.objects.filter(enterprise=e).update(contact_name="李四", contact_phone="0755-1234567")
    v = same.json()["version"]
    r2 = api.patch(
        f"/applications/{app['id']}",
        {"version": v, "data": {"contact_name": "李四", "contact_phone": "0755-1234567"}},
    )
    assert r2.status_code == 200, r2.content
    assert_error(api.post(f"/applications/{app['id']}/submit"), 409, "registration_unchanged", "category")
    v = r2.json()["version"]
    api.patch(
        f"/applications/{app['id']}", {"version": v, "data": {"category": "broker", "contact_name": "王五"}}
    )
    submitted(api, app["id"], "SUBMITTED")
    step = r_api.get("/reviews", {"status": "pending"}).json()["items"][0]
    assert r_api.post(f"/reviews/{step['id']}/approve", {"opinion": "同意"}).status_code == 200
    reg = Registration.objects.get(enterprise=e)
    assert reg.category == "broker" and reg.contact_name == "王五"
    assert api.get("/customs-registration").json()["category_name"] == "报关企业"


def test_a_reviewer_of_another_customs_sees_nothing_and_cannot_decide():
    e, legal, api = registered(days=30)
    other, o_api = qiguan("customs:2200", email="gz@example.com")
    app = create(api, "customs_registration_renewal", {}).json()
    attach_required(api, app["id"])
    sub = submitted(api, app["id"], "SUBMITTED")
    assert o_api.get("/reviews", {"status": "pending"}).json()["items"] == []
    r = o_api.post(f"/reviews/{sub['steps'][0]['id']}/approve", {"opinion": "同意"})
    assert r.status_code in (403, 404)
    assert o_api.get(f"/applications/{app['id']}").status_code == 404


def test_an_operator_card_reads_but_does_not_file():
    e, legal, api = registered(days=30)
    op = grant(f.operator_card(e))
    o = Api(op.card.user)
    assert o.get("/customs-registration").status_code == 200
    assert [x["code"] for x in o.get("/me").json()["reminders"]][0] == "registration_expiring"
    assert create(o, "customs_registration_renewal", {}).status_code == 403


def test_applications_list_and_export_are_the_enterprises_own():
    e, legal, api = registered(days=30)
    create(api, "customs_registration_renewal", {})
    e2, legal2, api2 = registered(name="另一家企业", reg_no="4403960102", days=30)
    assert api.get("/customs-registration/applications").json()["total"] == 1
    assert api2.get("/customs-registration/applications").json()["total"] == 0
    x = api.get("/customs-registration/applications.xlsx")
    assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxmlformats")
