"""快件通关 in a real browser, one journey: the operator card opens its menu entry (数据上载), uploads an
import whose file names a waybill not in its 舱单 (refused: the row and column listed, nothing saved), then
the corrected workbook; customs of the 关区 releases one declaration and returns the other with a reason; the
operator reads the receipts by 总运单号, changes the category of a declaration not yet released (and is
refused on the released one), and prints the released declaration."""

import io

import pytest
from openpyxl import Workbook

from eport.express import files
from eport.express.models import Declaration, State
from tests.browser.sessions import signed_in
from tests.express.helpers import customs, operator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def workbook(subs: list[str], manifest: list[str]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([files.column_label(f) for f in files.DECLARATION_COLUMNS])
    for s in subs:
        ws.append([s, "张三", "书籍", "1", "99.00", "142", "5301", "5", "CA1234", "2026-12-01"])
    ms = wb.create_sheet("舱单")
    ms.append([files.column_label(f, manifest=True) for f in files.MANIFEST_COLUMNS])
    for s in manifest:
        ms.append([s, "1", "1.5", "CA1234"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(page, content: bytes):
    page.select_option("#id_direction", "I")
    page.select_option("#id_category", "KJ2")
    page.fill("#id_waybill", "999-88880000")
    page.set_input_files(
        "#id_file", {"name": "import.xlsx", "mimeType": "application/octet-stream", "buffer": content}
    )
    page.click("#btn-upload")


def test_express_upload_review_receipts_category_and_print(live_server, browser, shot):
    base = live_server.url
    made, _api = operator()
    officer, _c = customs()
    ctx, page = signed_in(browser, base, made.card.user)
    c_ctx, c_page = signed_in(browser, base, officer)
    try:
        page.goto(base + "/card/")
        page.click('#subsystems a[href="/subsystems/express/"]')
        page.wait_for_selector("#upload-form")
        upload(page, workbook(["SF0001", "SF0002", "SF0003"], ["SF0001", "SF0002"]))
        page.wait_for_selector("#row-errors")
        assert "第4行“分运单号”：舱单中没有这个分运单号。" in page.inner_text("#row-errors")
        assert page.locator('#row-errors [data-row="4"][data-column="sub_waybill"]').count() == 1
        assert "未保存任何数据" in page.inner_text("#error-summary")
        assert not Declaration.objects.exists()
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
        shot(page, "37-express-upload-refused")

        upload(page, workbook(["SF0001", "SF0002"], ["SF0001", "SF0002"]))
        page.wait_for_selector(".messages")
        assert page.locator("#receipt-list [data-receipt]").count() == 2
        a, b = Declaration.objects.order_by("pk")

        c_page.goto(base + "/express/review/")
        c_page.click(f"#open-{a.pk}")
        c_page.click("#btn-release")
        c_page.wait_for_selector(".messages")
        c_page.click(f"#open-{b.pk}")
        c_page.click("#btn-return")  # no reason: refused beside the field
        c_page.wait_for_selector("#error_reason")
        c_page.fill("#id_reason", "品名不实，请核实后重新上载")
        c_page.click("#btn-return")
        c_page.wait_for_selector(".messages")
        assert c_page.locator("#declaration-list [data-declaration]").count() == 0
        a.refresh_from_db()
        b.refresh_from_db()
        assert a.state == State.RELEASED and b.state == State.RETURNED

        page.goto(base + "/express/receipts/")
        page.fill("#id_waybill", "999-88880000")
        page.click("#q_search")
        page.wait_for_selector("#receipt-list")
        first = page.locator("#receipt-list tbody tr").first.inner_text()
        assert "退单" in first and "品名不实" in first  # newest first
        assert page.locator("#receipt-list [data-receipt]").count() == 4
        shot(page, "38-express-receipts")

        # 修改类别: a third declaration, not yet released, then the released one refused
        page.click("#nav-express-upload")
        upload(page, workbook(["SF0009"], ["SF0009"]))
        page.wait_for_selector(".messages")
        c = Declaration.objects.get(sub_waybill="SF0009")
        page.goto(base + "/express/")
        page.click(f"#open-{c.pk}")
        page.select_option("#id_category", "C")
        page.click("#btn-category")
        page.wait_for_selector(".messages")
        assert "C类" in page.inner_text("#declaration-category")
        page.goto(base + f"/express/{a.pk}/")
        assert page.locator("#category-form").count() == 0  # released: no 修改类别

        page.goto(base + "/express/released/")
        page.click(f"#print-{a.pk}")
        page.wait_for_selector("#print-data")
        assert "SF0001" in page.inner_text("#print-data") and "放行" in page.inner_text("#print-data")
        pdf = page.request.get(base + page.get_attribute("#btn-pdf", "href"))  # the page's own session
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    finally:
        ctx.close()
        c_ctx.close()
