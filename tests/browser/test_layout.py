"""The frame of every screen in a real browser: the skip link as the first Tab stop; on a phone the menu as a
drawer behind ☰ (closed at first, Esc closes it) or, without JS, above the content; header links whole on
one line; and the print views on paper: the content only, black on white, with the time printed."""

import pytest

from eport.applications.models import StepStatus
from tests import factories as f

from .test_screens_a11y import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def new_page(browser, base, user, width=1366, js=True):
    ctx = browser.new_context(
        locale="zh-CN",
        viewport={"width": width, "height": 900 if width > 640 else 844},
        java_script_enabled=js,
    )
    ctx.set_default_timeout(10000)
    if user is not None:
        sign_in(ctx, base, user)
    return ctx.new_page()


def test_skip_link_is_the_first_tab_stop_and_lands_in_the_content(live_server, browser):
    page = new_page(browser, live_server.url, f.cardless())
    page.goto(live_server.url + "/entries/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "跳到主要内容"
    assert page.locator(".skip-link").is_visible()  # shown while it has the focus
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is in the content, past the header and the menu
    assert page.evaluate("!!document.activeElement.closest('main')")
    page.context.close()


def test_on_a_phone_the_menu_is_a_drawer_behind_the_menu_button(live_server, browser, shot):
    user = f.cardless(name="深圳市手机示范贸易有限公司")
    f.submitted_entry(user, name="深圳市手机示范贸易有限公司")
    page = new_page(browser, live_server.url, user, width=390)
    page.goto(live_server.url + "/entries/")
    shot(page, "21-phone-entries")
    button, menu = page.locator("#menu-button"), page.locator("#sidemenu")
    assert button.is_visible() and button.get_attribute("aria-controls") == "sidemenu"
    assert button.get_attribute("aria-expanded") == "false" and menu.is_hidden()  # closed by default
    heading = page.locator("main h1").bounding_box()
    assert heading["y"] < 200  # the content starts right under the compact header
    button.click()
    assert button.get_attribute("aria-expanded") == "true" and menu.is_visible()
    shot(page, "22-phone-menu", full_page=False)
    assert page.evaluate("document.activeElement.closest('#sidemenu') !== null")  # focus into the menu
    box = menu.bounding_box()
    assert box["x"] == 0 and box["width"] <= 390 * 0.85 + 1
    page.keyboard.press("Escape")
    assert menu.is_hidden() and button.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.id") == "menu-button"  # focus back where it was
    button.click()
    page.locator("#sidemenu a", has_text="业务办理状态查询").click()
    page.wait_for_url("**/status/")
    assert page.locator("#sidemenu").is_hidden()  # closed again on the next page
    page.context.close()


def test_without_javascript_the_menu_sits_above_the_content(live_server, browser):
    page = new_page(browser, live_server.url, f.cardless(), width=390, js=False)
    page.goto(live_server.url + "/entries/")
    assert page.locator("#menu-button").is_hidden()
    menu, main = page.locator("#sidemenu"), page.locator("main")
    assert menu.is_visible()
    assert menu.bounding_box()["y"] + menu.bounding_box()["height"] <= main.bounding_box()["y"] + 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.context.close()


@pytest.mark.parametrize("width", [360, 390])
def test_header_links_stay_whole_on_a_phone(live_server, browser, width):
    legal = f.legal_card(f.enterprise_in_network(name="深圳市名称相当长的示范进出口贸易有限责任公司")).card
    page = new_page(browser, live_server.url, legal.user, width=width)
    page.goto(live_server.url + "/card/")
    for item in page.locator(".topbar a, .topbar button:visible, .topbar select").all():
        box = item.bounding_box()
        line = item.evaluate("e => parseFloat(getComputedStyle(e).fontSize) * 1.6")
        assert box["height"] <= line + 12, (item.inner_text(), box)  # one line (plus its padding)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.context.close()


def test_a_long_list_scrolls_inside_its_own_region_not_the_page(live_server, browser, shot):
    ra = f.ra_officer()
    e = f.enterprise_in_network(name="深圳市列表滚动测试有限公司")
    f.make_card("legal", e, ra=ra)
    page = new_page(browser, live_server.url, ra, width=360)
    page.goto(live_server.url + "/cards/")
    wrap = page.locator(".table-wrap").first
    assert wrap.get_attribute("role") == "region" and wrap.get_attribute("aria-label") == "IC卡列表"
    assert wrap.get_attribute("tabindex") == "0"
    shot(page, "23-phone-card-list")
    assert wrap.evaluate("w => w.scrollWidth > w.clientWidth")  # the table is wider: it scrolls in there
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    wrap.focus()
    page.keyboard.press("ArrowRight")  # keyboard-scrollable
    page.wait_for_function("() => document.querySelector('.table-wrap').scrollLeft > 0")
    page.context.close()


def test_print_view_on_paper_shows_the_content_only(live_server, browser, shot):
    user = f.cardless(name="深圳打印版式测试有限公司")
    app = f.submitted_entry(user, name="深圳打印版式测试有限公司")
    reviewer = f.reviewers()["aic"]
    step = app.steps.get(unit_id="aic:440300", status=StepStatus.PENDING)
    from eport.applications import services

    services.step_approve(actor=reviewer, step_id=step.id, opinion="同意。")
    page = new_page(browser, live_server.url, user)
    page.goto(f"{live_server.url}/applications/{app.id}/")
    page.click("#btn-print")
    page.wait_for_url(f"**/applications/{app.id}/print/")
    assert page.locator("#btn-print-now").is_visible()  # on screen: 打印 and 返回
    page.emulate_media(media="print")
    shot(page, "24-application-print")
    for hidden in (".topbar", "#sidemenu", "#btn-print-now", "#btn-back", ".skip-link"):
        assert page.locator(hidden).first.is_hidden(), hidden
    assert app.number in page.locator("h1").inner_text()
    assert page.locator("#printed-at").is_visible()
    assert "同意。" in page.locator("#steps").inner_text()
    looks = page.evaluate(
        """() => { const td = document.querySelector('#steps td'), b = getComputedStyle(document.body);
                   const s = getComputedStyle(td);
                   return [b.backgroundColor, getComputedStyle(document.querySelector('#app-status')).color,
                           s.borderTopStyle, s.borderTopColor]; }"""
    )
    assert looks == ["rgb(255, 255, 255)", "rgb(0, 0, 0)", "solid", "rgb(0, 0, 0)"], looks
    page.context.close()
