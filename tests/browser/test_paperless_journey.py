"""通关无纸化 end to end in a real browser with three card agents (issue 14): the legal card signs the
三方协议 for two 关区 (refused first with none ticked); customs 5300 approves it after seeing the valid
signature, customs 0100 returns it; the operator card delegates to a broker (通用条款, 同意, the broker
found and picked, the form, the agent signs the 委托书); the broker's card accepts in 委托接收, opens the
declaration's dossier (the 委托书 filled in), uploads the invoice and declares; customs asks for the invoice
again; the broker re-uploads it from 重新上传; the legal card finally terminates the 5300 agreement."""

import pytest

from eport.accounts.models import UserKind
from eport.agreements.models import Agreement
from eport.declarations.models import Dossier
from eport.delegations.models import Delegation, DelegationState
from tests import factories as f
from tests.agent_process import agent_env, start_agent
from tests.declarations import pdfs
from tests.delegations.helpers import broker, grant

from .test_entry_journey import login, logout
from .test_legal_card_journey import card_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECL_NO = "530020261000000123"


def agent_for(made, tmp_path, base, name):
    path = tmp_path / f"{name}.p12"
    path.write_bytes(made.card_file)
    return start_agent(
        ["--card", path, "--origin", base],
        agent_env(EPORT_CARD_PASSWORD=made.card_file_password),
        tmp_path / f"{name}.err",
    )


def as_card(page, base, settings, agent, made):
    """Sign in with the card in its own agent (the holder's computer)."""
    settings.CARD_AGENT_URL = f"http://127.0.0.1:{agent.port}"
    card_sign_in(page, base, made.initial_pin)
    page.wait_for_url("**/card/")


def review(page, base, username, opinion, button):
    login(page, base, username)
    page.goto(base + "/reviews/")
    page.locator(".act-review").first.click()
    data = page.inner_text("#app-data")
    assert "签名有效" in data  # customs sees the card's signature verified
    assert page.locator("#app-document a").count() == 1
    page.fill("#id_opinion", opinion)
    page.click(button)
    page.wait_for_selector(".messages")
    logout(page)


def test_paperless_clearance_with_three_cards(live_server, page, shot, settings, tmp_path):
    base = live_server.url
    settings.PUBLIC_URL = base
    f.staff(UserKind.REVIEWER, "customs:5300", username="customs_sz")
    f.staff(UserKind.REVIEWER, "customs:0100", username="customs_bj")
    legal = f.legal_card(f.enterprise_in_network(name="深圳无纸化旅程贸易有限公司"))
    consignor = legal.card.enterprise
    grant(legal, "paperless_signing")
    operator = grant(f.operator_card(consignor, name="王操作"), "paperless_delegation")
    b, b_made, _api = broker(name="深圳旅程报关行有限公司", code="4403981234")
    f.documents_permission(b_made)
    invoice = tmp_path / "发票.pdf"
    invoice.write_bytes(pdfs.good())
    agents = []
    try:
        legal_agent, op_agent, b_agent = (
            agent_for(legal, tmp_path, base, "legal"),
            agent_for(operator, tmp_path, base, "operator"),
            agent_for(b_made, tmp_path, base, "broker"),
        )
        agents += [legal_agent, op_agent, b_agent]

        # 1. The legal card signs the agreement for 5300 and 0100.
        as_card(page, base, settings, legal_agent, legal)
        page.click("#subsystems li[data-code=paperless_signing] a")
        page.wait_for_url("**/paperless/agreements/")
        assert "第一条 协议目的" in page.inner_text("#agreement-text")
        page.click("#btn-agree")  # nothing ticked
        assert "请至少选择一个关区。" in page.inner_text("#error-summary")
        page.check("#customs-5300")
        page.check("#customs-0100")
        page.click("#btn-agree")
        page.wait_for_selector(".agent-status.ok")
        summary = page.inner_text("#sign-summary")
        assert "5300" in summary and "0100" in summary
        shot(page, "30-agreement-sign")
        page.click("#btn-sign")
        page.wait_for_url("**/paperless/agreements/query/")
        for code in ("5300", "0100"):
            assert (
                page.get_attribute(f"#agreement-list tr[data-customs='{code}']", "data-state") == "RECEIVED"
            )
        logout(page)

        # 2. Customs 5300 approves; customs 0100 returns with its opinion.
        review(page, base, "customs_sz", "同意无纸化通关", "#btn-approve")
        review(page, base, "customs_bj", "请核对企业名称后重新签约", "#btn-return")
        as_card(page, base, settings, legal_agent, legal)
        page.goto(base + "/paperless/agreements/query/")
        assert page.get_attribute("#agreement-list tr[data-customs='5300']", "data-state") == "APPROVED"
        returned = page.locator("#agreement-list tr[data-customs='0100']")
        assert (
            returned.get_attribute("data-state") == "RETURNED" and "请核对企业名称" in returned.inner_text()
        )
        shot(page, "31-agreement-query")
        logout(page)

        # 3. The operator card delegates to the broker and signs the 委托书.
        as_card(page, base, settings, op_agent, operator)
        page.click("#subsystems a[href$='/subsystems/paperless_delegation/']")
        page.wait_for_url("**/paperless/delegations/")
        page.click("#btn-new-delegation")
        assert "委托报关协议通用条款" in page.inner_text("h1")
        page.click("#btn-agree")
        page.fill("#q_broker", "旅程报关")
        page.click("#btn-find-broker")
        page.click(f"#pick-{b.customs_code}")
        assert b.customs_code in page.inner_text("#broker-record")
        page.select_option("#id_direction", "I")
        page.fill("#id_goods", "集成电路")
        page.click("#btn-sign-delegation")
        page.wait_for_selector(".agent-status.ok")
        assert "集成电路" in page.inner_text("#sign-summary")
        shot(page, "27-delegation-sign")
        page.click("#btn-sign")
        page.wait_for_selector("#delegation-state")
        assert "已发送" in page.inner_text("#delegation-state")
        d = Delegation.objects.get()
        assert d.card_id == operator.card.pk
        logout(page)

        # 4. The broker's card accepts it, opens the declaration's dossier, uploads and declares.
        as_card(page, base, settings, b_agent, b_made)
        page.goto(base + "/paperless/delegations/?role=received")
        shot(page, "28-delegation-inbox")
        page.click(f"#open-{d.pk}")
        page.click("#btn-accept")
        page.wait_for_selector(".messages")
        assert "已接受" in page.inner_text("#delegation-state")
        assert Delegation.objects.get().state == DelegationState.ACCEPTED
        page.goto(base + "/subsystems/paperless_documents/")  # its entry in the card's menu
        page.wait_for_url("**/declarations/")
        page.fill("#id_decl_no", DECL_NO)
        page.fill("#id_consignor", consignor.uscc)
        page.fill("#id_customs", "5300")
        page.select_option("#id_direction", "I")
        page.click("#btn-open")
        page.wait_for_url(f"**/declarations/{DECL_NO}/")
        assert "✓" in page.inner_text("#doc-delegation")  # the 委托书, filled in from the delegation
        page.set_input_files("#file-invoice", str(invoice))
        page.click("#upload-invoice")
        page.wait_for_selector(".messages")
        assert "✓" in page.inner_text("#doc-invoice")
        page.click("#btn-declare")
        page.wait_for_selector(".messages")
        assert page.inner_text("#dossier-state") == "已申报"
        shot(page, "32-dossier-declared")
        logout(page)

        # 5. Customs 5300 asks for the invoice again.
        login(page, base, "customs_sz")
        page.goto(base + f"/declarations/{DECL_NO}/")
        page.select_option("#id_reupload_doc_type", "invoice")
        page.fill("#id_reupload_reason", "发票金额不清晰")
        page.click("#btn-reupload-request")
        page.wait_for_selector(".messages")
        assert page.inner_text("#dossier-state") == "海关要求重传"
        logout(page)

        # 6. The broker finds it under 重新上传 and uploads it again.
        as_card(page, base, settings, b_agent, b_made)
        page.goto(base + "/declarations/reupload-requests/")
        row = page.locator(f"#reupload-list tr[data-decl-no='{DECL_NO}']")
        assert "发票金额不清晰" in row.inner_text()
        row.locator("a").click()
        page.set_input_files("#file-invoice", str(invoice))
        page.click("#upload-invoice")
        page.wait_for_selector(".messages")
        assert page.inner_text("#dossier-state") == "已重传"
        assert Dossier.objects.get(decl_no=DECL_NO).state == "REUPLOADED"
        logout(page)

        # 7. 解约 (confirmed by the dialog): the legal card ends the 5300 agreement, without review.
        as_card(page, base, settings, legal_agent, legal)
        page.goto(base + "/paperless/agreements/query/")
        page.click("#terminate-5300 button")
        page.wait_for_selector(".messages")
        assert Agreement.objects.get(customs="5300", state="TERMINATED")
    finally:
        for agent in agents:
            assert agent.stop() == 0, agent.stderr()
