"""The card for real, in a real browser: the RA makes a legal card and hands out the file with its
password; the holder starts the card agent with them, signs in with the initial PIN through the agent,
sets a new PIN and sees the subsystem menu; five wrong PINs then lock the card."""

import re

import pytest

from eport.cards.models import Card, CardPermission, Subsystem
from tests import factories as f
from tests.agent_process import agent_env, start_agent

from .test_entry_journey import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PIN = "20261124"


def test_make_card_sign_in_through_the_agent_then_lock(live_server, page, browser, shot, settings, tmp_path):
    base = live_server.url
    settings.PUBLIC_URL = base
    f.staff("ra", "ra:5300", username="ra_sz")
    e = f.enterprise_in_network(name="深圳卡介质登录测试有限公司")

    # 制卡 at the sub-centre: the file and the initial PIN are shown once.
    login(page, base, "ra_sz")
    page.click("text=制卡")
    page.check("#kind_legal")
    page.fill("#id_enterprise_uscc", e.uscc)
    page.click("#btn-make")  # confirmation dialog accepted by the fixture
    page.wait_for_selector("#made-card")
    shot(page, "09-card-made")
    pin = page.inner_text("#initial-pin").strip()
    password = page.inner_text("#card-file-password").strip()  # opens the file; the PIN signs in
    card_no = page.inner_text("#made-card-no").strip()
    assert re.fullmatch(r"\d{12}", pin) and re.fullmatch(r"\d{15}", card_no)
    assert re.fullmatch(r"[2-9A-Z]{4}(-[2-9A-Z]{4}){5}", password)
    with page.expect_download() as dl:
        page.click("#download-card")
    card_file = tmp_path / dl.value.suggested_filename
    dl.value.save_as(card_file)
    assert card_file.name == f"eport-card-{card_no}.p12"
    page.reload()  # shown once: a reload neither shows the secrets again nor makes another card
    assert "已显示过" in page.inner_text("#once-shown") and page.locator("#initial-pin").count() == 0
    logout(page)
    # The legal card may use 网上签约 (a permission is data on the card).
    CardPermission.objects.create(
        card=Card.objects.get(card_no=card_no), subsystem=Subsystem.objects.get(code="paperless_signing")
    )

    # The holder's computer: the card agent with the card file and its password in a file, as scripts/run has it.
    password_file = tmp_path / "card.password"
    password_file.write_text(password + "\n")
    agent = start_agent(
        ["--card", card_file, "--password-file", password_file, "--origin", base],
        agent_env(),
        tmp_path / "agent.err",
    )
    try:
        settings.CARD_AGENT_URL = f"http://127.0.0.1:{agent.port}"
        page.goto(base + "/")
        page.click("#btn-card-login")
        page.wait_for_selector(".agent-status.ok")
        assert page.input_value("#id_card_no") == card_no and page.input_value("#card_holder") == "张三"
        assert (
            page.is_enabled("#btn-card-login")
            and page.get_attribute("#btn-card-login", "aria-disabled") is None
        )
        shot(page, "10-card-login")
        page.fill("#id_pin", pin)
        page.click("#btn-card-login")
        page.wait_for_url("**/card/pin/")
        assert "需要首先修改IC卡密码" in page.inner_text("#pin-forced")
        page.fill("#id_old_pin", pin)
        page.fill("#id_new_pin", "123456")  # too simple: refused, naming the field
        page.fill("#id_new_pin2", "123456")
        page.click("#btn-pin")
        assert "过于简单" in page.inner_text("[data-field=new_pin].field-error")
        page.fill("#id_old_pin", pin)
        page.fill("#id_new_pin", NEW_PIN)
        page.fill("#id_new_pin2", NEW_PIN)
        page.click("#btn-pin")
        page.wait_for_url("**/card/")
        assert "IC卡密码已修改" in page.inner_text(".messages")
        enabled = page.locator("#subsystems li.enabled")
        assert enabled.count() == 1 and enabled.inner_text().strip() == "通关无纸化网上签约"
        assert page.locator("#subsystems li.disabled a").count() == 0  # greyed entries are not links
        assert page.locator("#subsystems li.disabled").count() == 6
        shot(page, "11-card-subsystems")
        logout(page)

        # The new PIN signs in straight to the menu.
        page.goto(base + "/card/login/")
        page.wait_for_selector(".agent-status.ok")
        page.fill("#id_pin", NEW_PIN)
        page.click("#btn-card-login")
        page.wait_for_url("**/card/")
        logout(page)

        # Five wrong PINs lock the card, and it says so.
        for attempt in range(1, 6):
            page.goto(base + "/card/login/")
            page.wait_for_selector(".agent-status.ok")
            page.fill("#id_pin", "99999999")
            page.click("#btn-card-login")
            page.wait_for_selector("#login-error")
            text = page.inner_text("#login-error")
            if attempt < 5:
                assert f"还可以尝试{5 - attempt}次" in text
        assert "卡已锁定" in text
        page.goto(base + "/card/login/")
        page.wait_for_selector(".agent-status.ok")
        page.fill("#id_pin", NEW_PIN)  # even the right PIN now
        page.click("#btn-card-login")
        assert "锁定" in page.inner_text("#login-error")
        assert Card.objects.get(card_no=card_no).pin_locked
    finally:
        assert agent.stop() == 0, agent.stderr()


def test_sign_in_page_says_when_no_agent_runs(live_server, page, settings):
    settings.CARD_AGENT_URL = "http://127.0.0.1:9"  # nothing listens there
    page.goto(live_server.url + "/card/login/")
    page.wait_for_selector("#agent-error:not([hidden])")
    assert "未检测到IC卡控件" in page.inner_text("#agent-error")
    assert page.is_disabled("#btn-card-login")


def test_without_an_agent_the_page_names_the_address_and_the_button_looks_disabled(
    live_server, page, settings
):
    settings.CARD_AGENT_URL = "http://127.0.0.1:9"  # nothing listens there
    page.goto(live_server.url + "/card/login/")
    page.wait_for_selector("#agent-error:not([hidden])")
    assert "http://127.0.0.1:9" in page.inner_text("#agent-error")  # which address was tried
    assert page.is_hidden("#agent-status")  # no empty grey box
    button = page.locator("#btn-card-login")
    assert button.is_disabled() and button.get_attribute("aria-disabled") == "true"
    look = button.evaluate(
        "b => { const s = getComputedStyle(b); return [s.cursor, s.backgroundColor, s.opacity]; }"
    )
    enabled = page.evaluate(
        "() => { const b = document.createElement('button'); b.className = 'btn primary';"
        " document.body.appendChild(b); const s = getComputedStyle(b); return [s.cursor, s.backgroundColor, s.opacity]; }"
    )
    assert look[0] == "not-allowed" and look[1:] != enabled[1:], (look, enabled)
