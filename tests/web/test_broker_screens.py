"""报关企业 screens (SPEC §6.2): 报关企业注册 on the application page, the 报关协会 reviewer's queue, and
查找报关企业, as the users see them (zh-hans and English)."""

import re

import pytest
from django.test import Client

from eport.accounts.models import UserKind
from eport.applications.models import Application, Status
from eport.delegations.models import Broker
from tests import factories as f

pytestmark = pytest.mark.django_db

REGISTER, FIND = "/paperless/broker-registration/", "/paperless/brokers/"


def data(e, **over):
    d = {
        "org_code": e.uscc[8:17],
        "broker_code": "4403980001",
        "name": "",
        "customs": "5301",
        "contact_name": "王五",
        "contact_phone": "13912345678",
    }
    d.update(over)
    return d


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_register_review_and_find_through_the_screens():
    legal = f.legal_card(f.enterprise_in_network(name="深圳报关行有限公司"))
    e, c = legal.card.enterprise, signed_in(legal.card.user)
    page = c.get(REGISTER).content.decode()
    assert "报关企业注册" in page and e.uscc[8:17] in page  # the code and name are filled in
    assert 'href="/paperless/broker-registration/"' in page  # in the enterprise's menu
    assert re.search(r'<input[^>]*id="id_name"[^>]*readonly', page) and "深圳报关行有限公司" in page
    r = c.post(REGISTER, {**data(e, broker_code="12345"), "action": "submit"})
    assert r.status_code == 400 and "海关编码应为10位数字" in r.content.decode()
    r = c.post(REGISTER, {**data(e), "action": "submit"}, follow=True)
    assert "申报成功" in r.content.decode()
    app = Application.objects.get(kind="broker_registration")
    assert app.status == Status.SUBMITTED and app.data["name"] == "深圳报关行有限公司"

    assoc = f.staff(UserKind.REVIEWER, "assoc:5300")
    other = f.staff(UserKind.REVIEWER, "assoc:0100")
    rc = signed_in(assoc)
    queue = rc.get("/reviews/").content.decode()
    assert "报关企业注册审核" in queue and "报关企业注册" in queue and app.number in queue
    assert app.number not in signed_in(other).get("/reviews/").content.decode()
    step = app.steps.get()
    assert (
        signed_in(other).post(f"/reviews/{step.id}/", {"action": "approve", "opinion": "同意"}).status_code
        == 404
    )
    r = rc.post(f"/reviews/{step.id}/", {"action": "approve", "opinion": "同意注册。"}, follow=True)
    assert r.status_code == 200
    assert Broker.objects.filter(enterprise=e, customs_code="4403980001").exists()
    page = c.get(REGISTER).content.decode()
    assert "注册通过" in page and 'id="btn-submit"' not in page

    consignor = signed_in(f.operator_card(f.enterprise_in_network(name="深圳货主有限公司")).card.user)
    for q in ("4403980001", e.uscc[8:17], "报关行"):
        found = consignor.get(FIND, {"q": q}).content.decode()
        assert 'data-broker="4403980001"' in found and "深圳报关行有限公司" in found, q
    assert 'data-broker="' not in consignor.get(FIND, {"q": "没有这家"}).content.decode()


def test_find_lists_approved_brokers_only_and_speaks_english():
    user = f.cardless()
    waiting = f.legal_card(f.enterprise_in_network(name="深圳待审报关公司"))
    c = signed_in(waiting.card.user)
    c.post(REGISTER, {**data(waiting.card.enterprise, broker_code="4403980002"), "action": "submit"})
    page = signed_in(user).get(FIND, {"q": "报关"}).content.decode()
    assert "查找报关企业" in page and "查询" in page and "重置" in page
    assert "4403980002" not in page
    en = signed_in(user).get(FIND, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Find a customs broker" in en and "Organization code / customs code / name" in en


def test_staff_may_not_open_the_broker_screens():
    for user in (f.staff(UserKind.REVIEWER, "assoc:5300"), f.staff(UserKind.REVIEWER, "customs:5300")):
        c = signed_in(user)
        assert c.get(FIND).status_code == 403
        assert c.get(REGISTER).status_code == 403
