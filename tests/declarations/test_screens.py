"""报关单电子随附单据 on the screens: the same rules as the API, shown as a user sees them."""

import io

import pytest
from django.test import Client

from eport.declarations.models import Document, Dossier, ReuploadRequest
from tests import factories as f
from tests.web.test_filing_screens import messages_of, page, text_of

from . import pdfs
from .helpers import decl_no, declared, declarer

pytestmark = pytest.mark.django_db


def client_of(api) -> Client:
    c = Client()
    c.force_login(api.user)
    return c


def post_file(c, number, content, doc_type="invoice", name="invoice.pdf"):
    fh = io.BytesIO(content)
    fh.name = name
    return c.post(f"/declarations/{number}/upload/", {"doc_type": doc_type, "file": fh})


def test_the_declarer_opens_uploads_and_declares_on_the_screens():
    e, api = declarer()
    c = client_of(api)
    doc = page(c.get("/declarations/"))
    assert doc.by_id("open-form") is not None and doc.by_id("dossier-list") is not None
    n = decl_no(40)
    # A refusal beside its field, what was typed kept.
    r = c.post("/declarations/", {"decl_no": "123", "consignor": e.code, "customs": "5300", "direction": "I"})
    assert r.status_code == 400
    doc = page(r)
    assert "18位数字" in doc.find("span", data_field="decl_no").text
    assert doc.by_id("id_decl_no").attrs["value"] == "123" and doc.by_id("error-summary") is not None
    r = c.post("/declarations/", {"decl_no": n, "consignor": e.code, "customs": "5300", "direction": "I"})
    assert r.status_code == 302 and r["Location"] == f"/declarations/{n}/"
    doc = page(c.get(r["Location"]))
    assert text_of(doc, "dossier-state") == "已上传"
    rows = doc.by_id("document-list").find_all("tr", data_doc_type=True)
    assert len(rows) == 8 and all("✗ 未上传" in row.text for row in rows)
    assert "不能手工上传" in doc.find("tr", data_doc_type="delegation").text
    # A page over 200 KB: refused, the page named at the top.
    r = post_file(c, n, pdfs.with_pages([1000, 300 * 1024]))
    assert r.status_code == 413
    assert "第2页" in text_of(page(r), "error-summary")
    r = post_file(c, n, pdfs.fake(), name="fake.pdf")
    assert r.status_code == 400 and "PDF" in text_of(page(r), "error-summary")
    r = post_file(c, n, pdfs.good(), name="发票.pdf")
    assert r.status_code == 302
    doc = page(c.get(f"/declarations/{n}/"))
    assert any("发票 已上传" in m for m in messages_of(doc))
    row = doc.find("tr", data_doc_type="invoice")
    assert "✓" in row.text and "发票.pdf" in row.text and row.find("button").text == "替换"
    assert b"".join(c.get(f"/declarations/{n}/documents/invoice/").streaming_content) == pdfs.good()
    r = c.post(f"/declarations/{n}/declare/")
    assert r.status_code == 302
    doc = page(c.get(f"/declarations/{n}/"))
    assert text_of(doc, "dossier-state") == "已申报" and doc.by_id("declare-form") is None
    assert doc.find("tr", data_doc_type="invoice").find("form") is None  # locked after 申报
    listed = page(c.get("/declarations/")).find("tr", data_decl_no=n)
    assert listed is not None and "已申报" in listed.text
    r = c.get("/declarations/?export=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")


def test_declaring_without_the_right_is_said_on_the_page():
    e, api = declarer(rights=("entry",))
    c = client_of(api)
    n = decl_no(41)
    c.post("/declarations/", {"decl_no": n, "consignor": e.code, "customs": "5300", "direction": "I"})
    post_file(c, n, pdfs.good())
    r = c.post(f"/declarations/{n}/declare/")
    assert r.status_code == 403 and "报关申报" in text_of(page(r), "error-summary")
    assert Dossier.objects.get().state == "UPLOADED"


def test_customs_asks_again_and_the_declarer_reuploads_on_the_screens():
    e, api = declarer()
    n = decl_no(42)
    declared(api, n, e)
    officer = Client()
    officer.force_login(f.staff("reviewer", "customs:5300"))
    doc = page(officer.get("/declarations/"))
    assert doc.by_id("open-form") is None and doc.find("tr", data_decl_no=n) is not None
    doc = page(officer.get(f"/declarations/{n}/"))
    options = [o.attrs["value"] for o in doc.by_id("id_reupload_doc_type").find_all("option")]
    assert "delegation" not in options and "tax_guarantee" not in options and "invoice" in options
    r = officer.post(f"/declarations/{n}/reupload-requests/", {"doc_type": "invoice", "reason": ""})
    assert r.status_code == 400 and "重传原因" in page(r).find("span", data_field="reason").text
    r = officer.post(f"/declarations/{n}/reupload-requests/", {"doc_type": "delegation", "reason": "x"})
    assert r.status_code == 409 and "不允许重传" in text_of(page(r), "error-summary")
    r = officer.post(f"/declarations/{n}/reupload-requests/", {"doc_type": "invoice", "reason": "金额不清晰"})
    assert r.status_code == 302
    listed = page(officer.get("/declarations/reupload-requests/")).find("tr", data_decl_no=n)
    assert "发票" in listed.text and "金额不清晰" in listed.text
    assert officer.get("/declarations/reupload-requests/?export=xlsx").status_code == 200

    c = client_of(api)
    doc = page(c.get("/declarations/reupload-requests/"))
    row = doc.find("tr", data_decl_no=n)
    assert row is not None and "待重传" in row.text and row.find("a").text == "重传"
    doc = page(c.get(f"/declarations/{n}/"))
    assert text_of(doc, "dossier-state") == "海关要求重传"
    assert doc.find("tr", data_doc_type="invoice").find("button").text == "重传"
    assert doc.find("tr", data_doc_type="packing_list").find("form") is None
    r = post_file(c, n, pdfs.with_pages([500]), name="invoice-v2.pdf")
    assert r.status_code == 302
    assert text_of(page(c.get(f"/declarations/{n}/")), "dossier-state") == "已重传"
    assert Document.objects.get(doc_type="invoice").original_name == "invoice-v2.pdf"
    assert ReuploadRequest.objects.get().satisfied_at is not None
    assert (
        page(c.get("/declarations/reupload-requests/")).find("tr", data_decl_no=n) is None
    )  # open ones only


def test_strangers_get_not_found_pages():
    e, api = declarer()
    n = decl_no(43)
    declared(api, n, e)
    _, stranger = declarer()
    c = client_of(stranger)
    assert c.get(f"/declarations/{n}/").status_code == 404
    assert post_file(c, n, pdfs.good()).status_code == 404
    assert c.post(f"/declarations/{n}/declare/").status_code == 404
    outsider = Client()
    outsider.force_login(f.staff("reviewer", "customs:0100"))
    assert outsider.get(f"/declarations/{n}/").status_code == 404
    assert (
        outsider.post(
            f"/declarations/{n}/reupload-requests/", {"doc_type": "invoice", "reason": "x"}
        ).status_code
        == 404
    )
    cardless = Client()
    cardless.force_login(f.cardless(uscc=e.uscc))
    assert cardless.get("/declarations/").status_code == 403
    assert not ReuploadRequest.objects.exists()


def test_the_card_menu_entry_opens_the_screen():
    e, api = declarer()
    c = client_of(api)
    r = c.get("/subsystems/paperless_documents/")
    assert r.status_code == 302 and r["Location"] == "/declarations/"
    menu = page(c.get("/card/")).by_id("subsystems")
    assert "报关单电子随附单据" in menu.text


def test_the_screens_in_english():
    e, api = declarer()
    n = decl_no(44)
    declared(api, n, e)
    c = client_of(api)
    c.cookies["django_language"] = "en"
    body = c.get(f"/declarations/{n}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Invoice" in body and "Packing list" in body and "Filed" in body
    body = c.get("/declarations/reupload-requests/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Re-upload" in body


def test_the_consignor_reads_its_brokers_declared_dossier_without_controls():
    consignor = f.enterprise_in_network(name="经营单位查看有限公司")
    b, api = declarer(customs="")
    f.delegation(consignor, b, "5300", "I")
    n = decl_no(88)
    r = api.post(
        "/declarations", {"decl_no": n, "consignor": consignor.code, "customs": "5300", "direction": "I"}
    )
    assert r.status_code == 201
    _, consignor_api = declarer(enterprise=consignor)
    c = client_of(consignor_api)
    assert c.get(f"/declarations/{n}/").status_code == 404  # not before 申报: it is the broker's draft
    declared_by_broker = client_of(api)
    post_file(declared_by_broker, n, pdfs.good())
    declared_by_broker.post(f"/declarations/{n}/declare/")
    doc = page(c.get(f"/declarations/{n}/"))
    assert text_of(doc, "dossier-state") == "已申报"
    assert doc.by_id("upload-hint") is None and doc.find("input", type="file") is None
    assert doc.by_id("declare-form") is None
    assert post_file(c, n, pdfs.good()).status_code == 404
