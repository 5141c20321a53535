"""The entry form a clerk can trust (issue 13): 上传 and 删除 keep what was typed, the per-type attachment
checklist, the documents 申报 requires refused beside it, the colours from one place (back-filled = grey and
kept), the unit names shown with their codes, errors tied to their fields; the operator form's labels."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from eport.applications.models import Application, Status
from tests import factories as f

from .test_filing_screens import page, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def ent(client):
    user = f.cardless()
    client.force_login(user)
    return user


def pdf(name="licence.pdf"):
    return SimpleUploadedFile(name, f.PDF, content_type="application/pdf")


def classes(node) -> set[str]:
    return set(node.attrs.get("class", "").split())


def checklist(doc) -> dict[str, str]:
    """doc type -> the row's text."""
    table = doc.by_id("id_attachments")
    return {tr.attrs["data-doc-type"]: tr.text for tr in table.find_all("tr") if tr.has("data-doc-type")}


# --- 上传 without losing the form -----------------------------------------------------------------------


def test_upload_on_a_new_entry_saves_what_was_typed_with_the_file(client, ent):
    data = f.entry_data(ent.enterprise.uscc, address="深圳市刚刚输入的地址1号")
    r = client.post(
        "/entries/new/", {**data, "action": "upload", "doc_type": "business_license", "file": pdf()}
    )
    app = Application.objects.get(enterprise=ent.enterprise)
    assert r.status_code == 302 and r["Location"] == f"/entries/{app.id}/edit/#attachments"
    assert app.status == Status.DRAFT and app.data["address"] == "深圳市刚刚输入的地址1号"
    assert [a.original_name for a in app.attachments.all()] == ["licence.pdf"]
    r = client.get(r["Location"])
    body = r.content.decode()
    assert "已上传随附单据：企业营业执照（licence.pdf）。" in body and "暂存成功" in body
    rows = checklist(page(r))
    assert "✓" in rows["business_license"] and "licence.pdf" in rows["business_license"]
    assert "未上传" in rows["legal_rep_id"]


def test_an_edit_then_upload_keeps_the_edit(client, ent):
    app = f.draft_entry(ent, documents=False)
    client.post(
        f"/entries/{app.id}/edit/",
        {
            **app.data,
            "address": "改过的地址2号",
            "version": app.version,
            "action": "upload",
            "doc_type": "legal_rep_id",
            "file": pdf("id.pdf"),
        },
    )
    app.refresh_from_db()
    assert app.data["address"] == "改过的地址2号" and app.attachments.get().doc_type == "legal_rep_id"


def test_a_refused_upload_shows_the_edits_again_with_the_error_beside_the_control(client, ent):
    app = f.draft_entry(ent, documents=False)
    r = client.post(
        f"/entries/{app.id}/edit/",
        {
            **app.data,
            "address": "还没保存的地址3号",
            "version": app.version,
            "action": "upload",
            "doc_type": "business_license",
            "file": SimpleUploadedFile("a.txt", b"just text"),
        },
    )
    assert r.status_code == 400
    doc = page(r)
    assert doc.by_id("id_address").attrs["value"] == "还没保存的地址3号"  # nothing typed is lost
    assert "只能上传 PDF、JPEG 或 PNG 文件" in text_of(doc, "error_file")
    assert doc.by_id("id_file").attrs.get("aria-invalid") == "true"
    assert doc.find("a", href="#id_file") is not None  # the summary at the top links to it
    app.refresh_from_db()
    assert app.data["address"] != "还没保存的地址3号" and app.attachments.count() == 0  # nothing half-saved


def test_upload_without_a_file_is_refused_beside_the_file_control(client, ent):
    r = client.post(
        "/entries/new/", {**f.entry_data(ent.enterprise.uscc), "action": "upload", "doc_type": "legal_rep_id"}
    )
    assert r.status_code == 400 and "请选择要上传的文件" in text_of(page(r), "error_file")
    assert not Application.objects.filter(enterprise=ent.enterprise).exists()


def test_delete_in_the_checklist_keeps_the_edit_too(client, ent):
    app = f.draft_entry(ent)
    att = app.attachments.get(doc_type="business_license")
    r = client.post(
        f"/entries/{app.id}/edit/",
        {**app.data, "phone": "0755-86007777", "version": app.version, "remove_attachment": str(att.id)},
        follow=True,
    )
    app.refresh_from_db()
    assert app.data["phone"] == "0755-86007777"
    assert not app.attachments.filter(pk=att.pk).exists()
    assert "已删除随附单据：企业营业执照（business_license.pdf）。" in r.content.decode()


def test_the_form_posts_files_and_enter_defaults_to_save(client, ent):
    doc = page(client.get("/entries/new/"))
    form = doc.by_id("entry-form")
    assert form.attrs["enctype"] == "multipart/form-data"
    first = form.find("button")  # the form's default button: Enter is 暂存, never a 删除 further down
    assert first.attrs["value"] == "save" and first.attrs["name"] == "action"
    assert form.find("button", id="btn-upload") is not None and form.find("input", id="id_file") is not None


# --- the checklist and the documents 申报 requires ------------------------------------------------------


def test_checklist_lists_every_type_required_or_optional_for_the_legal_person_type(client, ent):
    app = f.draft_entry(ent, documents=False)
    rows = checklist(page(client.get(f"/entries/{app.id}/edit/")))
    assert list(rows) == [
        "business_license",
        "customs_registration",
        "foreign_trade_filing",
        "legal_rep_id",
        "operator_id",
    ]
    assert "必须上传" in rows["business_license"] and "必须上传" in rows["legal_rep_id"]
    assert "选择上传" in rows["operator_id"] and "选择上传" in rows["customs_registration"]
    institution = f.draft_entry(f.cardless(), legal_person_type="institution", documents=False)
    client.force_login(institution.applicant)
    rows = checklist(page(client.get(f"/entries/{institution.id}/edit/")))
    assert "选择上传" in rows["business_license"] and "必须上传" in rows["legal_rep_id"]


def test_submit_with_a_missing_document_is_refused_naming_it_beside_the_checklist(client, ent):
    app = f.draft_entry(ent, documents=False)
    f.attach(ent, app, "business_license")
    r = client.post(
        f"/entries/{app.id}/edit/",
        {**app.data, "address": "申报时改的地址", "version": app.version, "action": "submit"},
    )
    assert r.status_code == 400
    doc = page(r)
    beside = text_of(doc, "error_attachments")
    assert "法人身份证件" in beside and "企业营业执照" not in beside
    summary = doc.find("div", class_="error-summary")
    assert summary is not None and summary.find("a", href="#id_attachments") is not None
    assert doc.by_id("id_doc_type").find("option", selected=True).attrs["value"] == "legal_rep_id"
    app.refresh_from_db()
    assert app.status == Status.DRAFT and app.data["address"] != "申报时改的地址"


# --- colours from one place, back-filled values kept ----------------------------------------------------


def test_the_read_only_uscc_is_grey_not_yellow_and_the_legend_names_the_three_looks(client, ent):
    doc = page(client.get("/entries/new/"))
    uscc = doc.by_id("id_uscc")
    assert uscc.has("readonly") and classes(uscc) == {"ro"}
    assert classes(doc.by_id("id_address")) == {"req"}
    assert classes(doc.find("input", id="id_aic_unit")) == {"req"}
    legend = text_of(doc, "legend")
    for word in ("必填", "只读", "工商返填", "选填"):
        assert word in legend


def test_back_filled_fields_are_grey_read_only_and_kept_by_the_server(client):
    user = f.cardless(uscc=f.USCC_SZ)
    client.force_login(user)
    doc = page(client.get("/entries/new/"))
    name = doc.by_id("id_name")
    assert name.attrs["value"] == "深圳市前海示范贸易有限公司" and name.has("readonly")
    assert classes(name) == {"ro", "backfilled"}
    assert doc.by_id("id_legal_person_type").has("disabled")  # a select cannot be readonly
    id_no = doc.by_id("id_legal_rep_id_no")  # never back-filled: the applicant types it
    assert not id_no.has("readonly") and classes(id_no) == {"req"}
    client.post(
        "/entries/new/",
        {**f.entry_data(f.USCC_SZ, name="改掉的名称", legal_rep_name="李鬼"), "action": "save"},
    )
    app = Application.objects.get(enterprise=user.enterprise)
    assert app.data["name"] == "深圳市前海示范贸易有限公司" and app.data["legal_rep_name"] == "张伟"


def test_a_defaulted_field_selects_its_text_on_focus(client, ent):
    doc = page(client.get("/entries/new/"))
    assert doc.by_id("id_issuing_authority_name").has("data-select-on-focus")


# --- names with their codes, errors with their fields ---------------------------------------------------


def test_a_reopened_draft_shows_each_code_with_its_unit_name(client, ent):
    app = f.draft_entry(ent)
    doc = page(client.get(f"/entries/{app.id}/edit/"))
    for field, name in (
        ("aic_unit", "深圳市市场监督管理局"),
        ("tax_unit", "国家税务总局深圳市税务局"),
        ("quality_unit", "深圳市质量技术监督局"),
        ("customs_code", "深圳海关"),
    ):
        note = doc.by_id(f"name_{field}")
        assert note.text == name and note.attrs["aria-live"] == "polite"
        assert f"name_{field}" in doc.by_id(f"id_{field}").attrs["aria-describedby"]


def test_errors_are_tied_to_their_fields_and_summarised_at_the_top(client, ent):
    data = f.entry_data(ent.enterprise.uscc, phone="12", legal_rep_id_no="123")
    r = client.post("/entries/new/", {**data, "action": "save"})
    assert r.status_code == 400
    doc = page(r)
    phone = doc.by_id("id_phone")
    assert phone.attrs["aria-invalid"] == "true" and phone.attrs["aria-describedby"] == "error_phone"
    assert "联系电话" in text_of(doc, "error_phone") or text_of(doc, "error_phone")
    summary = doc.find("div", class_="error-summary")
    assert summary.has("autofocus") and summary.attrs["tabindex"] == "-1"  # focus goes there
    assert summary.find("a", href="#id_phone") is not None
    assert doc.by_id("id_address").attrs.get("aria-invalid") is None


def test_the_operator_form_labels_its_read_only_inputs_and_ties_its_errors(client):
    e = f.enterprise_in_network()
    made = f.legal_card(e)
    client.force_login(made.card.user)
    doc = page(client.get("/operators/new/"))
    for box in doc.by_id("fixed-fields").find_all("div", class_="field"):
        label, control = box.find("label"), box.find("input")
        assert label.attrs["for"] == control.attrs["id"]
    r = client.post("/operators/new/", {**f.op_data(id_no="123"), "action": "save"})
    doc = page(r)
    id_no = doc.by_id("id_id_no")
    assert id_no.attrs["aria-invalid"] == "true" and id_no.attrs["aria-describedby"] == "error_id_no"
    assert doc.find("div", class_="error-summary").find("a", href="#id_id_no") is not None
