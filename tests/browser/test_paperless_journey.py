"""通关无纸化 in a real browser with two card agents (issue 14): the consignor's operator card delegates to a
broker — 通用条款, 同意, the broker found and picked, the form, the card agent signs the 委托书 — and the
broker's card, in its own agent, accepts it in 委托接收."""

import pytest

from eport.delegations.models import Delegation, DelegationState
from tests import factories as f
from tests.agent_process import agent_env, start_agent
from tests.delegations.helpers import agreement, broker, grant

from .test_entry_journey import logout
from .test_legal_card_journey import card_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def agent_for(made, tmp_path, base, name):
    path = tmp_path / f"{name}.p12"
    path.write_bytes(made.card_file)
    return start_agent(
        ["--card", path, "--origin", base],
        agent_env(EPORT_CARD_PASSWORD=made.card_file_password),
        tmp_path / f"{name}.err",
    )


def test_delegate_with_one_card_accept_with_another(live_server, page, shot, settings, tmp_path):
    base = live_server.url
    settings.PUBLIC_URL = base
    legal = f.legal_card(f.enterprise_in_network(name="深圳无纸化旅程贸易有限公司"))
    consignor = legal.card.enterprise
    agreement(consignor, legal.card, "5300")
    operator = grant(f.operator_card(consignor, name="王操作"), "paperless_delegation")
    b, b_made, _api = broker(name="深圳旅程报关行有限公司", code="4403981234")
    agents = []
    try:
        a = agent_for(operator, tmp_path, base, "operator")
        agents.append(a)
        settings.CARD_AGENT_URL = f"http://127.0.0.1:{a.port}"
        card_sign_in(page, base, operator.initial_pin)
        page.wait_for_url("**/card/")
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
        page.select_option("#id_mode", "long_term")
        page.fill("#id_goods", "集成电路")
        page.click("#btn-sign-delegation")
        # the page on which the card signs: the agent answers, then 签名并发送
        page.wait_for_selector(".agent-status.ok")
        assert "代理报关委托书" in page.inner_text("#sign-summary") or "集成电路" in page.inner_text(
            "#sign-summary"
        )
        shot(page, "27-delegation-sign")
        page.click("#btn-sign")
        page.wait_for_selector("#delegation-state")
        assert "已发送" in page.inner_text("#delegation-state")
        assert "已签名并发送" in page.inner_text(".messages")
        d = Delegation.objects.get()
        assert d.card_id == operator.card.pk
        logout(page)

        a2 = agent_for(b_made, tmp_path, base, "broker")
        agents.append(a2)
        settings.CARD_AGENT_URL = f"http://127.0.0.1:{a2.port}"
        card_sign_in(page, base, b_made.initial_pin)
        page.wait_for_url("**/card/")
        page.goto(base + "/paperless/delegations/?role=received")
        shot(page, "28-delegation-inbox")
        page.click(f"#open-{d.pk}")
        page.click("#btn-accept")
        page.wait_for_selector(".messages")
        assert "已接受" in page.inner_text("#delegation-state")
        assert Delegation.objects.get().state == DelegationState.ACCEPTED
    finally:
        for agent in agents:
            assert agent.stop() == 0, agent.stderr()
