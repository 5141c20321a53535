"""报关企业 in a real browser (SPEC §6.2): an enterprise registers as a customs broker, the 报关协会 of its
direct customs approves it from its review queue, and another enterprise finds it by name."""

import pytest

from eport.accounts.models import UserKind
from eport.delegations.models import Broker
from tests import factories as f

from .test_entry_journey import login, logout, pick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "深圳旅程报关行有限公司"


def test_register_as_broker_approve_and_find(live_server, page):
    base = live_server.url
    f.staff(UserKind.REVIEWER, "assoc:5300", username="assoc_sz")
    broker = f.cardless(username="broker_user", name=NAME)
    e = f.enterprise_in_network(uscc=broker.enterprise.uscc, name=NAME)
    consignor = f.cardless(username="consignor_user", name="深圳货主有限公司")

    login(page, base, "broker_user")
    page.click("#sidemenu >> text=报关企业注册")
    assert page.input_value("#id_org_code") == e.uscc[8:17]
    page.fill("#id_broker_code", "4403980777")
    pick(page, "customs", "53", "5301")
    page.fill("#id_contact_name", "王五")
    page.fill("#id_contact_phone", "13912345678")
    page.click("#btn-submit")
    page.wait_for_selector(".messages")
    assert "申报成功" in page.inner_text(".messages")
    logout(page)

    login(page, base, "assoc_sz")
    page.click("#sidemenu >> text=报关企业注册审核")
    assert NAME in page.inner_text("#review-list")
    page.locator(".act-review").first.click()
    assert "4403980777" in page.inner_text("#app-data")
    page.fill("#id_opinion", "同意注册")
    page.click("#btn-approve")
    page.wait_for_selector(".messages")
    logout(page)
    assert Broker.objects.filter(enterprise=e, customs_code="4403980777").exists()

    login(page, base, consignor.username)
    page.click("#sidemenu >> text=查找报关企业")
    page.fill("#q_q", "旅程报关")
    page.click("#q_search")
    row = page.locator("#broker-list tr[data-broker='4403980777']")
    assert NAME in row.inner_text() and "5300" in row.inner_text()
    page.click("#q_reset")
    assert page.input_value("#q_q") == ""
