"""出口收汇 in a real browser, one journey: the operator card opens its menu entry and asks for 5 forms (确认 →
核销单申请成功 with the 申请号); the 外汇局 issues 3; the card files one for a port typed by name — Enter opens
the list, the arrow and Enter pick 深圳湾关 — and 设置成功; 批量备案 sets the rest (全选) to 皇岗; the customs of
the port records the export declaration while the card has the form open, so its 撤销备案 is refused; the card
hands the form in (交单) and the bureau writes it off (核销)."""

import pytest

from eport.export_receipts.models import FormRequest, ReceiptForm
from tests.browser.sessions import DESKTOP, signed_in
from tests.export_receipts.helpers import bureau_reviewer, customs_reviewer, holder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECL_NO = "534520260000000123"  # 关区 5345, 出口 (9th digit 0)


def confirm(page, text):
    """The confirmation a step asks first: its question, then 确定, then the answer's message."""
    page.wait_for_selector("#confirm-form")
    assert text in page.inner_text("#confirm-question")
    page.click("#btn-confirm")


def test_request_issue_file_batch_declare_revoke_refused_hand_in_write_off(live_server, browser, shot):
    base = live_server.url
    made, _api = holder()
    bureau, _b = bureau_reviewer()
    customs, _c = customs_reviewer()
    ctx, page = signed_in(browser, base, made.card.user, DESKTOP)
    b_ctx, b_page = signed_in(browser, base, bureau, DESKTOP)
    c_ctx, c_page = signed_in(browser, base, customs, DESKTOP)
    try:
        # 核销单申请 from the card's menu and the subsystem's side menu
        page.goto(base + "/card/")
        page.click('#subsystems a[href="/subsystems/export_receipt/"]')
        page.wait_for_selector("#form-list")
        page.click('a[href="/export-receipts/requests/new/"] >> nth=0')
        page.fill("#id_count", "5")
        page.click("#btn-request")
        confirm(page, "5 份")
        page.wait_for_selector(".messages")
        request_no = FormRequest.objects.get().request_no
        assert f"核销单申请成功，申请号：{request_no}" in page.inner_text(".messages")

        # the 外汇局 issues fewer than asked
        b_page.goto(base + "/export-receipts/requests/")
        b_page.click(f"#issue-{request_no}")
        b_page.fill("#id_count", "3")
        b_page.click("#btn-issue")
        b_page.wait_for_selector(".messages")
        assert "已发单 3 份" in b_page.inner_text(".messages")
        nos = list(ReceiptForm.objects.order_by("form_no").values_list("form_no", flat=True))
        assert len(nos) == 3

        # 口岸备案: pick the form, type a part of the port's name, Enter opens the list, pick with the arrow
        page.click('a[href="/export-receipts/port-filing/"] >> nth=0')
        page.click(f"#form-{nos[0]}")
        page.fill("#id_port", "深圳")
        page.wait_for_selector("#id_port_list li")
        page.press("#id_port", "Escape")
        assert page.is_hidden("#id_port_list")
        page.press("#id_port", "Enter")  # opens the list again (seed 000: 按回车键，从弹出的下拉列表中选择)
        page.wait_for_selector("#id_port_list li")
        options = page.locator("#id_port_list li").all_inner_texts()
        assert "5300 深圳海关" in options and "5345 深圳湾关" in options
        shot(page, "35-export-receipt-port-filing")
        page.press("#id_port", "ArrowDown")
        page.press("#id_port", "Enter")
        assert page.input_value("#id_port") == "5345" and "深圳湾关" in page.inner_text("#name_port")
        page.click("#btn-port")
        confirm(page, "深圳湾关")
        page.wait_for_selector(".messages")
        assert "设置成功" in page.inner_text(".messages") and "5345" in page.inner_text("#v_port")

        # 批量备案 of the other two: 清除, 全选, 设置口岸 皇岗 (its code and Enter)
        page.click('a[href="/export-receipts/batch-filing/"] >> nth=0')
        page.fill("#id_start_no", nos[0])
        page.fill("#id_count", "5")
        page.click("#btn-batch-query")
        page.wait_for_selector("#batch-list")
        assert page.locator("#batch-list input[type=checkbox]").count() == 2
        page.click("#btn-check-none")
        assert page.locator("#batch-list input:checked").count() == 0
        page.click("#btn-check-all")
        assert page.locator("#batch-list input:checked").count() == 2
        page.fill("#id_port", "5301")
        page.press("#id_port", "Enter")
        page.wait_for_function("() => document.querySelector('#name_port').textContent.includes('皇岗')")
        page.click("#btn-set-port")
        confirm(page, "2 份")
        page.wait_for_selector(".messages")
        assert "设置成功：2 份核销单的使用口岸为 5301" in page.inner_text(".messages")
        assert set(ReceiptForm.objects.values_list("port", flat=True)) == {"5345", "5301"}

        # the card has the first form open; meanwhile the customs of 5345 records the export declaration
        page.goto(f"{base}/export-receipts/{nos[0]}/")
        page.wait_for_selector("#btn-revoke")
        c_page.goto(base + "/export-receipts/")
        c_page.click(f"#form-{nos[0]}")
        c_page.fill("#id_decl_no", DECL_NO)
        c_page.click("#btn-declare")
        confirm(c_page, DECL_NO)
        c_page.wait_for_selector(".messages")
        assert "已报关" in c_page.inner_text("#v_state")

        page.click("#btn-revoke")
        confirm(page, "撤销")
        page.wait_for_selector("#error-summary")
        assert "已用于出口报关" in page.inner_text("#error-summary")
        assert ReceiptForm.objects.get(form_no=nos[0]).port == "5345"

        # 交单, then the bureau's 核销
        page.goto(f"{base}/export-receipts/{nos[0]}/")
        assert page.locator("#btn-revoke").count() == 0
        page.click("#btn-hand-in")
        confirm(page, "交单")
        page.wait_for_selector(".messages")
        assert "已交单" in page.inner_text("#v_state")
        b_page.goto(f"{base}/export-receipts/{nos[0]}/")
        b_page.click("#btn-write-off")
        confirm(b_page, "核销")
        b_page.wait_for_selector(".messages")
        assert "已核销" in b_page.inner_text("#v_state")
        assert ReceiptForm.objects.get(form_no=nos[0]).state == "written_off"
        page.goto(base + "/export-receipts/")
        shot(page, "36-export-receipts-query")
    finally:
        ctx.close()
        b_ctx.close()
        c_ctx.close()
