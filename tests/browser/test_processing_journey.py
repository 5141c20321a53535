"""加贸权限管理 in a real browser: the legal card opens its menu entry, adds a grant on an 电子账册 (refused
first with an unknown 企业编码, the message beside the field and in the summary), changes its 权限代码 and
deletes it after the confirmation page; the grantee's card reads it under 已获授权 meanwhile."""

import pytest

from eport.processing.models import Grant
from tests.browser.sessions import signed_in
from tests.processing.helpers import grantee, grantor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grant_add_change_delete_and_the_grantee_sees_it(live_server, browser, shot):
    base = live_server.url
    legal, _api = grantor()
    _e, g_legal, _g_api = grantee()
    ctx, page = signed_in(browser, base, legal.card.user)
    g_ctx, g_page = signed_in(browser, base, g_legal.card.user)
    try:
        page.goto(base + "/card/")
        page.click('#subsystems a[href="/subsystems/processing_trade/"]')
        page.wait_for_selector("#book-tabs")
        page.click("#tab-account_book")
        page.click("#btn-new-grant")
        page.fill("#id_grantee_customs_code", "9999999999")
        page.fill("#id_internal_no", "E5300A0001")
        page.click("#btn-save-grant")
        page.wait_for_selector("#error-summary")
        assert "9999999999" in page.inner_text("#error_grantee_customs_code")
        page.fill("#id_grantee_customs_code", "4403960002")
        page.click("#btn-save-grant")
        page.wait_for_selector(".messages")
        g = Grant.objects.get()
        assert g.book_type == "account_book" and g.rights == "101"
        row = page.inner_text(f'[data-grant="{g.pk}"]')
        assert "东莞代理报关有限公司" in row and "代理报关权" in row
        shot(page, "33-processing-grants")
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0

        g_page.goto(base + "/processing-trade/grants/?tab=received")
        assert "深圳加工贸易有限公司" in g_page.inner_text(f'[data-grant="{g.pk}"]')
        shot(g_page, "34-processing-received")

        page.click(f"#edit-{g.pk}")
        assert "东莞代理报关有限公司" in page.inner_text("#grantee-name")
        page.fill("#id_rights", "111")
        page.click("#btn-save-grant")
        page.wait_for_selector(".messages")
        assert "操作权" in page.inner_text(f'[data-grant="{g.pk}"]')
        page.click(f"#delete-{g.pk}")
        page.click("#btn-confirm-delete")
        page.wait_for_selector(".messages")
        assert not Grant.objects.exists() and page.locator("[data-grant]").count() == 0
        g_page.reload()
        assert g_page.locator("[data-grant]").count() == 0
    finally:
        ctx.close()
        g_ctx.close()
