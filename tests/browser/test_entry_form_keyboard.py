"""The entry form by keyboard, the manual's way (issue 13): code look-ups are accessible comboboxes where Enter
takes the exact or only match and moves on, so every typed value lands in its own field; the unit names
follow the codes (and leave with them); a keyboard-only run reaches 暂存 and 申报."""

import pytest
from playwright.sync_api import expect

from eport.applications.models import Application, Status
from tests import factories as f

from .test_entry_journey import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def new_entry(page, base, username="clerk"):
    f.cardless(username=username, name="深圳键盘贸易有限公司")
    login(page, base, username)
    page.goto(base + "/entries/new/")


def test_enter_in_the_look_ups_lands_each_value_in_its_own_field(live_server, page):
    """Before: typing 440305⏎1440300⏎ put "4403051440300" into 工商 and "5300工商行政管理局" into 发证机构名称."""
    new_entry(page, live_server.url)
    page.click("#id_aic_unit")
    kb = page.keyboard
    kb.type("440305")
    kb.press("Enter")  # the exact code: taken, and on to 税务 at once
    kb.type("1440300")  # a prefix with one match
    kb.press("Enter")
    kb.type("440305")
    kb.press("Enter")
    assert focused(page) == "id_issuing_authority_name"  # its default is selected: typing replaces it
    kb.type("深圳市南山区市场监督管理局")
    kb.press("Enter")
    kb.type("5300")
    kb.press("Enter")
    expect(page.locator("#id_tax_unit")).to_have_value("14403000000")  # the only match, once it answered
    values = {
        name: page.input_value(f"#id_{name}")
        for name in ("aic_unit", "tax_unit", "quality_unit", "issuing_authority_name", "customs_code")
    }
    assert values == {
        "aic_unit": "440305",
        "tax_unit": "14403000000",
        "quality_unit": "440305",
        "issuing_authority_name": "深圳市南山区市场监督管理局",
        "customs_code": "5300",
    }
    expect(page.locator("#name_customs_code")).to_have_text("深圳海关")
    assert page.inner_text("#name_aic_unit") == "深圳市南山区市场监督管理局"
    assert page.inner_text("#name_tax_unit") == "国家税务总局深圳市税务局"
    assert page.input_value("#card_issuer") == "5300"


def test_the_look_up_is_a_combobox_whose_highlight_enter_takes(live_server, page):
    new_entry(page, live_server.url)
    box = page.locator("#id_aic_unit")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-autocomplete") == "list"
    assert box.get_attribute("aria-expanded") == "false"
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    assert listbox.get_attribute("role") == "listbox"
    page.click("#id_aic_unit")
    page.keyboard.type("44030")  # several matches, none exact
    expect(box).to_have_attribute("aria-expanded", "true")
    first = listbox.locator("[role=option]").first
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowDown")
    second = listbox.locator("[role=option]").nth(1)
    assert box.get_attribute("aria-activedescendant") == second.get_attribute("id")
    assert second.get_attribute("aria-selected") == "true" and first.get_attribute("aria-selected") == "false"
    page.keyboard.press("Enter")
    assert page.input_value("#id_aic_unit") == "440303" and focused(page) == "id_tax_unit"
    assert box.get_attribute("aria-expanded") == "false"
    assert page.inner_text("#name_aic_unit") == "深圳市罗湖区市场监督管理局"
    # editing the code drops the name that no longer belongs to it
    page.fill("#id_aic_unit", "4403")
    assert page.inner_text("#name_aic_unit") == ""


def test_a_type_without_joint_review_greys_the_units_and_drops_their_names(live_server, page):
    user = f.cardless(username="clerk2")
    app = f.draft_entry(user)
    login(page, live_server.url, "clerk2")
    page.goto(f"{live_server.url}/entries/{app.id}/edit/")
    # reopened: every code with its name, rendered by the server
    assert page.inner_text("#name_aic_unit") == "深圳市市场监督管理局"
    assert page.inner_text("#name_tax_unit") == "国家税务总局深圳市税务局"
    page.select_option("#id_legal_person_type", "institution")
    for name in ("aic_unit", "tax_unit"):
        assert page.is_disabled(f"#id_{name}") and page.input_value(f"#id_{name}") == ""
        assert page.inner_text(f"#name_{name}") == ""
        grey = page.eval_on_selector(f"#id_{name}", "el => getComputedStyle(el).backgroundColor")
        assert grey == "rgb(233, 236, 239)"  # --ro
    assert page.inner_text("#name_quality_unit") == "深圳市质量技术监督局"


def test_upload_keeps_what_was_typed(live_server, page, tmp_path):
    user = f.cardless(username="clerk3")
    app = f.draft_entry(user, documents=False)
    login(page, live_server.url, "clerk3")
    page.goto(f"{live_server.url}/entries/{app.id}/edit/")
    page.fill("#id_address", "深圳市南山区未暂存的地址9号")
    pdf = tmp_path / "licence.pdf"
    pdf.write_bytes(f.PDF)
    page.select_option("#id_doc_type", "business_license")
    page.set_input_files("#id_file", str(pdf))
    page.click("#btn-upload")
    assert "已上传随附单据：企业营业执照（licence.pdf）。" in page.inner_text(".messages")
    assert page.input_value("#id_address") == "深圳市南山区未暂存的地址9号"  # the edit survived
    assert "licence.pdf" in page.inner_text("[data-doc-type=business_license]")
    assert page.input_value("#id_doc_type") == "legal_rep_id"  # the next missing one is offered
    # a refused 申报 names what is missing beside the checklist, and focus goes to the summary
    page.click("#btn-submit")
    assert "法人身份证件" in page.inner_text("#error_attachments")
    expect(page.locator(".error-summary")).to_be_focused()


def _tab_to(page, element_id, limit=80):
    for _ in range(limit):
        if focused(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id} (at #{focused(page)})")


def test_keyboard_only_run_of_the_entry_form(live_server, page):
    """Tab and Enter only, typing the codes the manual's way: every value lands in its field, 暂存 and 申报 are
    reached by keyboard."""
    user = f.cardless(username="clerk4", name="深圳键盘贸易有限公司")
    login(page, live_server.url, "clerk4")
    page.goto(live_server.url + "/entries/new/")
    kb = page.keyboard
    _tab_to(page, "id_name")

    def enter(text=None):
        if text is not None:
            kb.press("Control+A")
            kb.type(text)
        kb.press("Enter")

    enter("深圳键盘贸易有限公司")
    enter("王键盘")  # 企业法人
    assert focused(page) == "id_legal_rep_id_type"
    enter()  # 居民身份证 (the first)
    enter("440305199501011236")
    assert focused(page) == "id_legal_person_type"
    enter()  # 企业法人 (the first)
    kb.press("ArrowDown")  # 企业类型: arrows choose, as the manual says
    kb.press("ArrowDown")
    assert page.input_value("#id_enterprise_type") == "3"
    enter()
    enter("800")  # 注册资金
    kb.press("ArrowDown")  # 万元
    enter()
    enter("深圳市南山区键盘路1号")
    enter("0755-86001234")
    assert focused(page) == "id_aic_unit"
    enter("440305")
    enter("1440300")
    enter("440305")
    assert focused(page) == "id_issuing_authority_name"
    kb.type("深圳市南山区市场监督管理局")  # the default was selected on focus: typing replaces it
    kb.press("Enter")
    enter("5300")
    expect(page.locator("#id_tax_unit")).to_have_value("14403000000")
    _tab_to(page, "btn-save")
    kb.press("Enter")  # 确定暂存吗？ is accepted by the fixture
    assert "暂存成功" in page.inner_text(".messages")
    app = Application.objects.get(enterprise=user.enterprise)
    expected = {
        "name": "深圳键盘贸易有限公司",
        "legal_rep_name": "王键盘",
        "legal_rep_id_type": "resident_id",
        "legal_rep_id_no": "440305199501011236",
        "legal_person_type": "enterprise",
        "enterprise_type": "3",
        "registered_capital": "800",
        "capital_unit": "wan_yuan",
        "address": "深圳市南山区键盘路1号",
        "phone": "0755-86001234",
        "aic_unit": "440305",
        "tax_unit": "14403000000",
        "quality_unit": "440305",
        "issuing_authority_name": "深圳市南山区市场监督管理局",
        "customs_code": "5300",
    }
    assert {k: app.data[k] for k in expected} == expected
    # Files cannot be typed: the documents come from the helper, then 申报 by keyboard on the reopened draft.
    f.attach_required(user, app)
    page.reload()
    _tab_to(page, "id_name")
    _tab_to(page, "btn-submit")
    kb.press("Enter")
    assert "申报成功" in page.inner_text(".messages")
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
