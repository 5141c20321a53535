"""The foundation journey in a real browser: register, enter, upload, submit, two reviewers, approved."""

import pytest

from eport.accounts.models import UserKind
from eport.refdata.models import Unit
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINI_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def login(page, base, username, password=f.PASSWORD):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def logout(page):
    page.click("text=退出登录")


def confirm_email(page, base, address):
    """Open the confirmation link mailed to `address` (the test's mail outbox) and press 确认."""
    import re

    from django.core import mail

    body = next(m.body for m in reversed(mail.outbox) if m.to == [address] and "确认" in m.subject)
    page.goto(base + re.search(r"https?://[^/]+(/accounts/confirm-email/[^/\s]+/)", body).group(1))
    page.click("#btn-confirm-email")


def register(page, base, *, uscc, name, username, password, email, contact="王小明"):
    page.goto(base + "/register/")
    for field, value in (
        ("uscc", uscc),
        ("enterprise_name", name),
        ("contact_name", contact),
        ("phone", "13800138000"),
        ("email", email),
        ("username", username),
        ("password", password),
    ):
        page.fill(f"#id_{field}", value)
    page.click("button[type=submit]")
    assert "注册成功" in page.inner_text(".messages")


def pick(page, field, typed, code):
    """Type a prefix into an auto-complete code field and take the matching entry from the list."""
    page.fill(f"#id_{field}", "")
    page.type(f"#id_{field}", typed)
    page.locator(f"[data-field={field}] .lookup li", has_text=code).first.click()
    assert page.input_value(f"#id_{field}") == code


def test_register_enter_review_approve(live_server, page, shot, tmp_path):
    base = live_server.url
    # Reviewers: 工商 by the province (covers 深圳), RA of 深圳; 税务 and 技监 units review automatically.
    f.staff(UserKind.REVIEWER, "aic:440000", username="aic_gd")
    f.staff(UserKind.RA, "ra:5300", username="ra_sz")
    Unit.objects.filter(pk__in=["tax:14403000000", "quality:440300"]).update(auto_review=True)

    page.goto(base + "/")
    shot(page, "01-landing")
    page.click("text=注册新用户")
    page.fill("#id_uscc", f.USCC_SZ)
    page.press("#id_uscc", "Enter")  # Enter moves to the next field instead of sending the form (SPEC §7)
    assert page.evaluate("document.activeElement.id") == "id_enterprise_name"
    page.fill("#id_enterprise_name", "深圳市前海示范贸易有限公司")
    page.fill("#id_contact_name", "王小明")
    page.fill("#id_phone", "1380013800")  # one digit short: refused, naming the field
    page.fill("#id_email", "wang@example.com")
    page.fill("#id_username", "qianhai")
    page.fill("#id_password", "Kx7#mPort2026")
    page.click("button[type=submit]")
    assert "联系电话格式不正确" in page.inner_text("[data-field=phone].field-error")
    page.fill("#id_phone", "13800138000")
    page.fill("#id_password", "Kx7#mPort2026")
    shot(page, "02-register")
    page.click("button[type=submit]")
    assert "注册成功" in page.inner_text(".messages")

    # Until its e-mail is confirmed the account files nothing: no 新增, and the page says why.
    login(page, base, "qianhai", "Kx7#mPort2026")
    assert page.url.endswith("/start/")  # 办理进度: the entry is the next step
    assert page.get_attribute("[data-task=entry]", "data-state") == "action"
    assert "确认电子邮箱" in page.inner_text("#trust-notice")
    page.goto(base + "/entries/")
    assert page.locator("#btn-new").count() == 0
    confirm_email(page, base, "wang@example.com")
    assert "电子邮箱已确认" in page.inner_text(".messages")
    page.goto(base + "/entries/")
    page.click("#btn-new")
    # Back-filled from the business registry.
    assert page.input_value("#id_legal_rep_name") == "张伟"
    assert page.input_value("#id_legal_rep_id_no") == ""  # never back-filled: typed by the applicant
    page.fill("#id_legal_rep_id_no", "440305199501011236")
    assert page.get_attribute("#id_uscc", "readonly") is not None
    pick(page, "aic_unit", "4403", "440300")
    page.type("#id_tax_unit", "144")  # 税务 needs 4 digits before the list opens
    page.wait_for_timeout(400)
    assert page.locator("[data-field=tax_unit] .lookup li").count() == 0
    pick(page, "tax_unit", "14403", "14403000000")
    pick(page, "quality_unit", "4403", "440300")
    pick(page, "customs_code", "53", "5300")
    assert page.input_value("#card_issuer") == "5300"
    shot(page, "03-entry-form")
    page.click("#btn-save")
    assert "暂存成功" in page.inner_text(".messages")
    assert page.inner_text("#app-status") == "暂存"

    pdf = tmp_path / "license.pdf"
    pdf.write_bytes(MINI_PDF)
    page.select_option("#id_doc_type", "business_license")
    page.set_input_files("#id_file", str(pdf))
    page.click("#btn-upload")
    assert "已上传随附单据：企业营业执照（license.pdf）。" in page.inner_text(".messages")
    assert "license.pdf" in page.inner_text("#attachments")
    # 申报 needs the legal representative's ID too (seed 002): refused naming it, then uploaded
    page.click("#btn-submit")
    assert "法人身份证件" in page.inner_text("#error_attachments")
    idcard = tmp_path / "id.pdf"
    idcard.write_bytes(MINI_PDF)
    page.select_option("#id_doc_type", "legal_rep_id")
    page.set_input_files("#id_file", str(idcard))
    page.click("#btn-upload")
    assert "id.pdf" in page.inner_text("[data-doc-type=legal_rep_id]")

    page.click("#btn-submit")
    assert "申报成功" in page.inner_text(".messages")
    assert page.inner_text("#app-status") == "申报"
    steps = page.inner_text("#steps")
    assert "自动审核通过" in steps and "待审核" in steps
    shot(page, "04-entry-submitted")
    logout(page)

    login(page, base, "aic_gd")
    assert page.url.endswith("/reviews/")
    shot(page, "05-review-queue")
    page.click("#review-list a.act-review >> nth=0")
    page.click("#btn-approve")  # blank opinion: refused
    assert "请填写审核意见" in page.inner_text("[data-field=opinion].field-error")
    page.fill("#id_opinion", "营业执照核对无误，同意。")
    shot(page, "06-review")
    page.click("#btn-approve")
    assert "审核通过" in page.inner_text(".messages")
    logout(page)

    login(page, base, "ra_sz")
    page.click("#review-list a.act-review >> nth=0")
    page.fill("#id_opinion", "同意入网。")
    page.click("#btn-approve")
    assert "审核通过" in page.inner_text(".messages")
    page.goto(base + "/reviews/auto-review/")
    shot(page, "07-auto-review")
    logout(page)

    login(page, base, "qianhai", "Kx7#mPort2026")
    # 已入网: the start page says what comes next, the legal card from the data sub-centre.
    assert page.get_attribute("[data-task=entry]", "data-state") == "done"
    assert "申领法人卡" in page.inner_text("#next-step")
    assert page.inner_text("#task-entry-status") == "已完成"
    page.goto(base + "/entries/")
    assert page.inner_text("#network-status") == "已入网"
    assert "申领法人卡" in page.inner_text("#next-step")
    assert "审核通过" in page.inner_text("#app-list")
    page.click("text=业务办理状态查询 >> nth=1")
    page.fill("#q_from", "2030-01-02")
    page.fill("#q_to", "2030-01-01")
    page.click("#q_search")
    assert "起始日期应早于截止日期" in page.inner_text("#query-error")
    page.click("#q_reset")
    assert "审核通过" in page.inner_text("#app-list")
    shot(page, "08-status-query")
