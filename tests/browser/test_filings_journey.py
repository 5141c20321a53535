"""企业备案 in a real browser with real card agents: the legal card files the enterprise with commerce
(approved by itself), customs (reviewed by the 备案海关's reviewer) and forex (matches the 外汇企业名录),
files its operator card with customs and forex (全选), grants it subsystems (全选), and the operator
card, signing in through its own agent, finds exactly those subsystems enabled in its menu."""

import pytest

from eport.accounts.models import UserKind
from eport.cards.models import Card
from eport.filings.models import CardFiling, EnterpriseFiling
from eport.registry.models import CustomsRecord, ForexDirectoryEntry
from tests import factories as f
from tests.agent_process import agent_env, start_agent

from .test_entry_journey import login, logout, pick
from .test_legal_card_journey import LEGAL_PIN, OPERATOR_PIN, card_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "深圳备案旅程测试有限公司"


def first_sign_in(page, base, pin, new_pin):
    card_sign_in(page, base, pin)
    page.wait_for_url("**/card/pin/")
    page.fill("#id_old_pin", pin)
    page.fill("#id_new_pin", new_pin)
    page.fill("#id_new_pin2", new_pin)
    page.click("#btn-pin")
    page.wait_for_url("**/card/")


def test_legal_card_files_the_enterprise_and_its_operator_card(
    live_server, page, browser, shot, settings, tmp_path
):
    base = live_server.url
    settings.PUBLIC_URL = base
    ra = f.staff(UserKind.RA, "ra:5300", username="ra_sz")
    f.staff(UserKind.REVIEWER, "customs:5300", username="customs_sz")
    e = f.enterprise_in_network(name=NAME)
    CustomsRecord.objects.create(uscc=e.uscc, name=NAME, reg_no="4403960123", customs_code="5300")
    ForexDirectoryEntry.objects.create(uscc=e.uscc, name=NAME, forex_bureau="440300")
    legal = f.make_card("legal", e, ra=ra)
    op = f.make_card("operator", e, ra=ra)
    agents = []
    try:
        for name, made in (("legal", legal), ("operator", op)):
            path = tmp_path / f"{name}.p12"
            path.write_bytes(made.card_file)
            agents.append(
                start_agent(
                    ["--card", path, "--origin", base],
                    agent_env(EPORT_CARD_PASSWORD=made.card_file_password),
                    tmp_path / f"{name}.err",
                )
            )
        legal_agent, op_agent = agents
        settings.CARD_AGENT_URL = f"http://127.0.0.1:{legal_agent.port}"
        first_sign_in(page, base, legal.initial_pin, LEGAL_PIN)

        # 企业商务部备案申请: the state in red, the authority by auto-complete (1 digit), 申报 → 备案通过.
        page.click("#sidemenu >> text=企业商务部备案申请")
        assert page.inner_text("#app-status").strip() == "未备案"
        pick(page, "authority", "4403", "440300")
        page.click("#btn-submit")
        page.wait_for_selector(".messages")
        assert page.inner_text("#app-status").strip() == "备案通过"
        assert page.locator("#btn-submit").count() == 0  # cannot be filed again
        assert "深圳市商务局" in page.inner_text("#page-form")

        # 企业海关备案申请: the customs registry knows the enterprise; 申报 goes to the 备案海关.
        page.click("#sidemenu >> text=企业海关备案申请")
        assert "4403960123" in page.inner_text("#customs-registry")
        assert page.input_value("#id_customs_code") == "5300"
        pick(page, "filing_customs", "53", "5300")
        page.click("#btn-submit")
        page.wait_for_selector(".messages")
        assert "审核中" in page.inner_text("#app-status")
        assert page.locator("#steps tr[data-unit='customs:5300'][data-status=PENDING]").count() == 1
        shot(page, "15-customs-filing-submitted")

        # IC卡海关备案 before the customs unit has approved: refused with the reason.
        page.click("#sidemenu >> text=IC卡海关备案")
        assert "海关备案" in page.inner_text("#page-refused")
        logout(page)

        # The customs reviewer finds it in the same review queue and approves it.
        login(page, base, "customs_sz")
        page.click("#sidemenu >> text=企业备案审核")
        assert NAME in page.inner_text("#review-list")
        page.locator(".act-review").first.click()
        assert "5300" in page.inner_text("#app-data") and e.uscc in page.inner_text("#app-data")
        page.fill("#id_opinion", "同意备案")
        page.click("#btn-approve")
        page.wait_for_selector(".messages")
        logout(page)
        assert EnterpriseFiling.objects.filter(enterprise=e, filing="customs").exists()

        # 企业外汇备案申请: its data matches the 外汇企业名录, so 申报 is approved at once.
        card_sign_in(page, base, LEGAL_PIN)
        page.wait_for_url("**/card/")
        page.click("#sidemenu >> text=企业外汇备案申请")
        pick(page, "forex_bureau", "4403", "440300")
        page.click("#btn-submit")
        page.wait_for_selector(".messages")
        assert page.inner_text("#app-status").strip() == "备案通过"

        # IC卡海关备案: 全选 both cards, 暂存, then 申报 → 审核通过.
        page.click("#sidemenu >> text=IC卡海关备案")
        page.click("#q_search")
        page.check("#select-all")
        assert page.is_checked(f"#pick-{op.card.card_no}") and page.is_checked(f"#pick-{legal.card.card_no}")
        page.click("#btn-save")
        page.wait_for_selector(".messages")
        assert page.is_checked(f"#pick-{op.card.card_no}")
        shot(page, "16-card-customs-filing")
        page.click("#btn-submit")
        page.wait_for_selector(".messages")
        assert page.inner_text("#app-status").strip() == "审核通过"
        assert "已备案" in page.inner_text(f"tr[data-card='{op.card.card_no}']")

        # IC卡外汇备案 of the operator card only.
        page.click("#sidemenu >> text=IC卡外汇备案")
        page.check(f"#pick-{op.card.card_no}")
        page.click("#btn-submit")
        page.wait_for_selector(".messages")
        assert page.inner_text("#app-status").strip() == "审核通过"
        assert set(CardFiling.objects.filter(card=op.card).values_list("filing", flat=True)) == {
            "customs",
            "forex",
        }

        # IC卡权限申请: the operator card, 全选 (what an operator card may hold), 申报 → 审核通过.
        page.click("#sidemenu >> text=IC卡权限申请")
        page.click(f"#open-{op.card.card_no}")
        assert page.is_disabled("#sub-paperless_signing")  # the legal card's subsystem
        page.check("#select-all")
        page.click("#btn-submit")
        page.wait_for_selector(".messages")
        assert page.inner_text("#app-status").strip() == "审核通过"
        shot(page, "17-card-permission")
        granted = {
            "paperless_delegation",
            "paperless_documents",
            "export_receipt",
            "processing_trade",
            "express",
            "enterprise_mgmt",
        }
        assert (
            set(Card.objects.get(pk=op.card.pk).permissions.values_list("subsystem_id", flat=True)) == granted
        )

        # The operator card's next sign-in, through its own agent: exactly those subsystems enabled.
        op_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        op_ctx.set_default_timeout(10000)
        op_page = op_ctx.new_page()
        settings.CARD_AGENT_URL = f"http://127.0.0.1:{op_agent.port}"
        first_sign_in(op_page, base, op.initial_pin, OPERATOR_PIN)
        enabled = set(
            op_page.eval_on_selector_all("#subsystems li.enabled", "els => els.map(e => e.dataset.code)")
        )
        assert enabled == granted
        assert op_page.locator("#subsystems li.disabled[data-code=paperless_signing]").count() == 1
        shot(op_page, "18-operator-card-menu")
        op_ctx.close()
    finally:
        for a in agents:
            assert a.stop() == 0, a.stderr()
