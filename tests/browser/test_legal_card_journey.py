"""The legal-person card at work, in a real browser with real card agents: the legal card declares an
operator, the sub-centre approves it and makes the operator card; the legal card reports the operator
card lost (it can no longer sign in through the agent), cancels the report (it can again), freezes and
unfreezes it, and renews it with the card presented in the agent."""

import datetime as dt

import pytest
from django.utils import timezone

from eport.cards.models import Card, CardState
from eport.operators.models import Operator, OperatorStatus
from tests import factories as f
from tests.agent_process import agent_env, start_agent

from .test_entry_journey import confirm_email, login, logout, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEGAL_PIN = "20261202"
OPERATOR_PIN = "31415926"


def card_sign_in(page, base, pin):
    page.goto(base + "/card/login/")
    page.wait_for_selector(".agent-status.ok")
    page.fill("#id_pin", pin)
    page.click("#btn-card-login")


def test_legal_card_runs_its_operator_and_the_operator_card(
    live_server, page, browser, shot, settings, tmp_path
):
    base = live_server.url
    settings.PUBLIC_URL = base
    ra = f.staff("ra", "ra:5300", username="ra_sz")
    e = f.enterprise_in_network(name="深圳法人卡旅程测试有限公司")
    legal = f.make_card("legal", e, ra=ra)
    legal_file = tmp_path / "legal.p12"
    legal_file.write_bytes(legal.card_file)
    agents = []
    try:
        legal_agent = start_agent(
            ["--card", legal_file, "--origin", base],
            agent_env(EPORT_CARD_PASSWORD=legal.card_file_password),
            tmp_path / "legal.err",
        )
        agents.append(legal_agent)
        settings.CARD_AGENT_URL = f"http://127.0.0.1:{legal_agent.port}"

        # The legal card signs in through the agent and sets its PIN.
        card_sign_in(page, base, legal.initial_pin)
        page.wait_for_url("**/card/pin/")
        page.fill("#id_old_pin", legal.initial_pin)
        page.fill("#id_new_pin", LEGAL_PIN)
        page.fill("#id_new_pin2", LEGAL_PIN)
        page.click("#btn-pin")
        page.wait_for_url("**/card/")

        # Trust (SPEC §8): the enterprise's real user and a stranger register its public USCC. Neither sees
        # anything of the enterprise until proven; the legal card approves the real one; the stranger is told.
        people = {}
        for who, email in (("stranger", "stranger@example.com"), ("real_user", "real@example.com")):
            ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
            ctx.set_default_timeout(10000)
            people[who] = p = ctx.new_page()
            p.on("dialog", lambda d: d.accept())
            register(
                p, base, uscc=e.uscc, name="随便填写", username=who, password="Kx7#mPort2026", email=email
            )
            confirm_email(p, base, email)
            login(p, base, who, "Kx7#mPort2026")
            p.wait_for_url("**/account/")
            assert "尚未通过身份认证" in p.inner_text("#account-unverified")
            for path in ("/operators/", "/reissue/", "/filings/customs/", "/status/"):
                p.goto(base + path)
                assert p.url.endswith("/account/"), path  # nothing of the enterprise, nothing to file
            assert [a.inner_text() for a in p.locator("#sidemenu a").all()] == ["账号与身份认证"]
        shot(people["stranger"], "19-account-unverified")
        page.goto(base + "/card/")
        assert "有2个无卡用户账号" in page.inner_text("#notice-accounts")
        page.click("#notice-accounts a")
        shot(page, "20-enterprise-accounts")
        page.click("#approve-real_user")
        assert "已确认账号 real_user。" in page.inner_text(".messages")
        assert "没有符合条件的记录" in page.inner_text("#account-list")  # nobody pending any more
        page.click("#tab-all")
        assert "已认证" in page.inner_text("tr[data-account=real_user]")
        assert "已关闭" in page.inner_text("tr[data-account=stranger]")
        people["stranger"].goto(base + "/")
        assert "其他账号完成身份认证" in people["stranger"].inner_text("#account-closed")
        people["stranger"].goto(base + "/operators/")
        assert people["stranger"].url.endswith("/account/")
        people["real_user"].goto(base + "/")
        assert people["real_user"].url.endswith("/start/")
        people["real_user"].click("#menu-button")  # a phone: the menu is a drawer behind ☰
        people["real_user"].click("nav >> text=补办法人卡")
        people["real_user"].wait_for_selector("#page-form")  # the page has loaded
        for p in people.values():
            p.context.close()

        # 企业操作员信息申报: a bad ID number is refused naming the field, then 申报.
        page.click("text=企业操作员信息申报")
        page.click("#btn-new")
        page.fill("#id_name", "钱七")
        page.fill("#id_id_no", "440305199001011111")
        page.fill("#id_phone", "13600000007")
        page.fill("#id_job_title", "报关员")
        page.fill("#id_email", "qian@example.com")
        page.click("#btn-submit")
        assert "居民身份证号码不正确" in page.inner_text("[data-field=id_no].field-error")
        page.fill("#id_id_no", f.resident_id())
        page.click("#btn-submit")
        page.wait_for_selector("#operator-status")
        assert page.inner_text("#operator-status").strip() == "申报"
        operator_no = Operator.objects.get(enterprise=e).operator_no
        shot(page, "12-operator-declared")
        logout(page)

        # The sub-centre approves it and makes the operator card right away.
        login(page, base, "ra_sz")
        page.locator(".act-review").first.click()
        assert operator_no in page.inner_text("#app-data")
        page.fill("#id_opinion", "同意")
        page.click("#btn-approve")
        page.wait_for_url("**/ra/cards/new/**")
        assert page.input_value("#id_operator_no") == operator_no
        page.click("#btn-make")
        page.wait_for_selector("#made-card")
        op_pin = page.inner_text("#initial-pin").strip()
        op_password = page.inner_text("#card-file-password").strip()
        op_no = page.inner_text("#made-card-no").strip()
        with page.expect_download() as dl:
            page.click("#download-card")
        op_file = tmp_path / "operator.p12"
        dl.value.save_as(op_file)
        logout(page)
        assert Operator.objects.get(operator_no=operator_no).status == OperatorStatus.APPROVED

        # The operator's own computer: its card in another agent.
        op_agent = start_agent(
            ["--card", op_file, "--origin", base],
            agent_env(EPORT_CARD_PASSWORD=op_password),
            tmp_path / "operator.err",
        )
        agents.append(op_agent)
        op_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        op_ctx.set_default_timeout(10000)
        op_page = op_ctx.new_page()
        op_page.on("dialog", lambda d: d.accept())

        def operator_signs_in(pin):
            settings.CARD_AGENT_URL = f"http://127.0.0.1:{op_agent.port}"
            card_sign_in(op_page, base, pin)

        # 挂失 by the legal card: the operator card can no longer sign in.
        settings.CARD_AGENT_URL = f"http://127.0.0.1:{legal_agent.port}"
        card_sign_in(page, base, LEGAL_PIN)
        page.wait_for_url("**/card/")
        page.click("#sidemenu a[href='/cards/?action=report-lost']")
        shot(page, "13-card-self-service")
        page.click(f"#row-report-lost-{op_no}")
        page.wait_for_selector("#card-state")
        assert page.inner_text("#card-state").strip() == "挂失"
        assert "挂失成功" in page.inner_text(".messages")
        operator_signs_in(op_pin)
        op_page.wait_for_selector("#login-error")
        assert "挂失" in op_page.inner_text("#login-error")

        # 解挂: it signs in again (and must set its PIN first).
        page.goto(base + "/cards/?action=cancel-lost")
        page.click(f"#row-cancel-lost-{op_no}")
        page.wait_for_selector("#card-state")
        assert page.inner_text("#card-state").strip() == "正常"
        operator_signs_in(op_pin)
        op_page.wait_for_url("**/card/pin/")
        op_page.fill("#id_old_pin", op_pin)
        op_page.fill("#id_new_pin", OPERATOR_PIN)
        op_page.fill("#id_new_pin2", OPERATOR_PIN)
        op_page.click("#btn-pin")
        op_page.wait_for_url("**/card/")

        # 冻结 ends the operator's session at its next page; 解冻 makes the card usable again.
        page.goto(base + "/cards/?action=freeze")
        page.click(f"#row-freeze-{op_no}")
        page.wait_for_selector("#card-state")
        assert page.inner_text("#card-state").strip() == "冻结"
        op_page.goto(base + "/card/")
        assert "/card/login/" in op_page.url  # signed out
        page.goto(base + "/cards/?action=unfreeze")
        page.click(f"#row-unfreeze-{op_no}")
        page.wait_for_selector("#card-state")
        assert page.inner_text("#card-state").strip() == "正常"
        operator_signs_in(OPERATOR_PIN)
        op_page.wait_for_url("**/card/")

        # 延期 in the last weeks of validity: the operator card, in the agent on this computer, signs.
        ends = timezone.localdate() + dt.timedelta(days=20)
        Card.objects.filter(card_no=op_no).update(valid_to=ends)
        settings.CARD_AGENT_URL = f"http://127.0.0.1:{op_agent.port}"
        page.goto(base + "/cards/?action=renew")
        page.click(f"#row-renew-{op_no}")
        page.wait_for_selector(".agent-status.ok")
        page.click("#btn-renew")
        page.wait_for_selector(".messages")
        assert f"IC卡 {op_no} 延期成功" in page.inner_text(".messages")
        card = Card.objects.get(card_no=op_no)
        assert card.valid_to > ends and card.state == CardState.NORMAL
        shot(page, "14-card-renewed")

        # The legal card's own card is not self-service: the screen says to go to the sub-centre.
        page.goto(base + "/cards/?action=report-lost")
        # The 操作 cell holds only actions: the reason is under the table, tied to the row's cell.
        row = page.locator(f"tr[data-card='{legal.card.card_no}'] .refused-mark")
        assert "数据分中心办理" in page.inner_text(f"#{row.get_attribute('aria-describedby')}")
        op_ctx.close()
    finally:
        for a in agents:
            assert a.stop() == 0, a.stderr()
