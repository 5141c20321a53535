"""三方协议签约 in a real browser with a real card agent: the legal card opens 通关无纸化网上签约 from its
menu, is refused without a 关区, ticks two, 同意—签约, and the agent signs the agreement on the signing
page; 三方协议查询 shows both 海关入库成功 with the signed PDF; the customs reviewer sees the agreement and
its valid signature and approves it; the legal card then terminates the other one (confirmed)."""

import pytest

from eport.accounts.models import UserKind
from eport.agreements.models import Agreement
from eport.cards.models import CardPermission
from tests import factories as f
from tests.agent_process import agent_env, start_agent

from .test_entry_journey import login, logout
from .test_filings_journey import first_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PIN = "20261204"


def test_the_legal_card_signs_two_customs_and_customs_approves_one(
    live_server, page, browser, shot, settings, tmp_path
):
    base = live_server.url
    settings.PUBLIC_URL = base
    ra = f.staff(UserKind.RA, "ra:5300", username="ra_sz")
    f.staff(UserKind.REVIEWER, "customs:5300", username="customs_sz")
    e = f.enterprise_in_network(name="深圳三方协议旅程有限公司")
    legal = f.make_card("legal", e, ra=ra)
    CardPermission.objects.create(card=legal.card, subsystem_id="paperless_signing")
    path = tmp_path / "legal.p12"
    path.write_bytes(legal.card_file)
    agent = start_agent(
        ["--card", path, "--origin", base],
        agent_env(EPORT_CARD_PASSWORD=legal.card_file_password),
        tmp_path / "legal.err",
    )
    try:
        settings.CARD_AGENT_URL = f"http://127.0.0.1:{agent.port}"
        first_sign_in(page, base, legal.initial_pin, PIN)

        # The menu entry opens 三方协议签约: the agreement's text and a box per direct customs.
        page.click("#subsystems li[data-code=paperless_signing] a")
        page.wait_for_url("**/paperless/agreements/")
        assert "第一条 协议目的" in page.inner_text("#agreement-text")
        page.click("#btn-agree")  # nothing ticked
        assert "请至少选择一个关区。" in page.inner_text("#error-summary")
        page.check("#customs-5300")
        page.check("#customs-0100")
        page.click("#btn-agree")

        # The signing page: what is signed, and the agent signs it with the card key.
        page.wait_for_selector("#document-sign-form")
        summary = page.inner_text("#sign-summary")
        assert "深圳三方协议旅程有限公司" in summary and "5300" in summary and "0100" in summary
        page.wait_for_selector(".agent-status.ok")
        shot(page, "30-agreement-sign")
        page.click("#btn-sign")
        page.wait_for_url("**/paperless/agreements/query/")
        assert "三方协议已签约并发往海关" in page.inner_text(".messages")
        for code in ("5300", "0100"):
            row = page.locator(f"#agreement-list tr[data-customs='{code}']")
            assert row.get_attribute("data-state") == "RECEIVED"
            assert "海关入库成功" in row.inner_text()
        pdf = page.request.get(base + "/paperless/agreements/5300/pdf/")
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body() == bytes(Agreement.objects.get(customs="5300").pdf)
        shot(page, "31-agreement-query")
        logout(page)

        # Customs 5300 reviews it in its queue: the agreement's rows and a valid signature.
        login(page, base, "customs_sz")
        page.goto(base + "/reviews/")
        assert "深圳三方协议旅程有限公司" in page.inner_text("#review-list")
        page.locator(".act-review").first.click()
        data = page.inner_text("#app-data")
        assert legal.card.card_no in data and "签名有效" in data
        assert page.locator("#app-document a").count() == 1
        page.fill("#id_opinion", "同意无纸化通关")
        page.click("#btn-approve")
        page.wait_for_selector(".messages")
        logout(page)

        # The legal card sees 签约海关审批 and terminates 0100 (the confirmation accepted by the fixture).
        page.goto(base + "/card/login/")
        page.wait_for_selector(".agent-status.ok")
        page.fill("#id_pin", PIN)
        page.click("#btn-card-login")
        page.wait_for_url("**/card/")
        page.goto(base + "/paperless/agreements/query/")
        row = page.locator("#agreement-list tr[data-customs='5300']")
        assert row.get_attribute("data-state") == "APPROVED" and "同意无纸化通关" in row.inner_text()
        page.click("#terminate-0100 button")
        page.wait_for_selector(".messages")
        assert "已解除 0100 关区的三方协议。" in page.inner_text(".messages")
        assert (
            page.locator("#agreement-list tr[data-customs='0100']").get_attribute("data-state")
            == "TERMINATED"
        )
        assert Agreement.objects.get(customs="0100").state == "TERMINATED"
    finally:
        assert agent.stop() == 0, agent.stderr()
