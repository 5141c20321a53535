"""报关单电子随附单据 through the API (SPEC §6.3, issue 14 point 4): every rule and refusal."""

import datetime
import io

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from eport.accounts.models import User
from eport.audit.models import AuditEvent
from eport.cards.models import Card
from eport.declarations import services
from eport.declarations.models import Document, Dossier, ReuploadRequest
from eport.errors import DomainError
from tests import factories as f
from tests.api.helpers import Api, assert_error, make_pdf, stored_files

from . import pdfs
from .helpers import another_card, decl_no, declared, declarer, doc_row, open_, upload

pytestmark = pytest.mark.django_db


def test_the_consignor_opens_uploads_and_declares():
    e, api = declarer()
    n = decl_no(1)
    r = open_(api, n, e)
    assert r.status_code == 201, r.content
    d = r.json()
    assert d["state"] == "UPLOADED" and d["consignor"] == e.code and d["declarant"] == e.code
    assert d["direct_customs"] == "5300" and d["direction"] == "I"
    assert [x["doc_type"] for x in d["documents"]] == [
        "invoice",
        "packing_list",
        "bill_of_lading",
        "contract",
        "delegation",
        "tax_guarantee",
        "tax_deferral_guarantee",
        "other",
    ]
    assert not any(x["uploaded"] for x in d["documents"])
    # Opening it again with the same data answers the same dossier.
    r = open_(api, n, e)
    assert r.status_code == 200 and Dossier.objects.count() == 1
    r = upload(api, n, pdfs.good(), "invoice", "发票.pdf")
    assert r.status_code == 201, r.content
    row = doc_row(r.json(), "invoice")
    assert row["uploaded"] and row["name"] == "发票.pdf" and row["pages"] == 1 and row["source"] == "upload"
    got = api.get(f"/declarations/{n}/documents/invoice")
    assert got.status_code == 200 and b"".join(got.streaming_content) == pdfs.good()
    r = api.post(f"/declarations/{n}/declare")
    assert r.status_code == 200 and r.json()["state"] == "DECLARED" and r.json()["declared_at"]
    assert_error(api.post(f"/declarations/{n}/declare"), 409, "already_declared")
    actions = list(
        AuditEvent.objects.filter(action__startswith="declaration.").values_list("action", flat=True)
    )
    assert actions == ["declaration.open", "declaration.upload", "declaration.declare"]
    listed = api.get("/declarations").json()
    assert listed["total"] == 1 and listed["items"][0]["decl_no"] == n
    assert api.get("/declarations", {"state": "UPLOADED"}).json()["total"] == 0
    assert_error(api.get("/declarations", {"state": "NOPE"}), 400)


def test_opening_refusals():
    e, api = declarer()
    assert_error(open_(api, "53002026100000001", e), 400, "decl_no_invalid", "decl_no")
    assert_error(open_(api, "5300202610000000X1", e), 400, "decl_no_invalid", "decl_no")
    # The first four digits are the 关区, the ninth the 进出口标志 (1 import, 0 export).
    assert_error(open_(api, decl_no(1, customs="5301"), e), 400, "decl_no_invalid", "decl_no")
    assert_error(open_(api, decl_no(1, direction="E"), e), 400, "decl_no_invalid", "decl_no")
    assert_error(open_(api, decl_no(1, customs="9999"), e, customs="9999"), 400, "customs_unknown", "customs")
    assert_error(open_(api, decl_no(1), e, direction="X"), 400, "direction_invalid", "direction")
    # The consignor itself needs its agreement approved for that 关区 (a sub-office counts as its 关区).
    r = assert_error(open_(api, decl_no(1, customs="0100"), e, customs="0100"), 409, "agreement_required")
    assert "0100" in r["message"]
    assert open_(api, decl_no(2, customs="5301"), e, customs="5301").status_code == 201
    other, _ = declarer()
    assert_error(open_(api, decl_no(3), other), 403, "delegation_required", "consignor")
    # Opened by another declarant: refused, nothing said about it.
    other_e, other_api = declarer()
    assert open_(other_api, decl_no(9), other_e).status_code == 201
    assert_error(open_(api, decl_no(9), e), 409, "decl_no_taken", "decl_no")
    assert Dossier.objects.count() == 2


def test_the_same_number_for_another_consignor_is_a_mismatch():
    b, api = declarer(customs="")
    c1, c2 = f.enterprise_in_network(), f.enterprise_in_network()
    f.delegation(c1, b)
    f.delegation(c2, b)
    n = decl_no(4)
    assert open_(api, n, c1).status_code == 201
    r = assert_error(open_(api, n, c2), 409, "dossier_mismatch", "decl_no")
    assert n in r["message"]


def test_pdfs_are_checked_by_content():
    e, api = declarer()
    n = decl_no(5)
    open_(api, n, e)
    before = len(stored_files())
    assert_error(upload(api, n, pdfs.fake(), name="invoice.pdf"), 400, "file_not_pdf", "file")
    assert_error(upload(api, n, pdfs.encrypted()), 400, "pdf_encrypted", "file")
    assert_error(upload(api, n, pdfs.encrypted(user="")), 400, "pdf_encrypted", "file")  # owner password only
    assert_error(upload(api, n, pdfs.broken()), 400, "pdf_broken", "file")
    r = assert_error(
        upload(api, n, pdfs.with_pages([50_000, 150_000, 250 * 1024, 10])), 413, "page_too_large", "file"
    )
    assert "第3页" in r["message"] and "200K" in r["message"]
    assert_error(upload(api, n, b""), 400)
    # A good PDF named anything is a PDF.
    assert upload(api, n, pdfs.with_pages([190 * 1024, 100_000]), name="scan.bin").status_code == 201
    assert Document.objects.count() == 1 and Document.objects.get().pages == 2
    assert len(stored_files()) == before + 1
    assert_error(upload(api, n, pdfs.good(), doc_type="passport"), 400)


def test_a_file_over_20_mb_is_refused():
    e, api = declarer()
    n = decl_no(6)
    open_(api, n, e)
    # A real PDF of 107 pages under 200 KB each: 20.4 MB.
    big = pdfs.with_pages([195_000] * 110)
    assert 20 * 1024 * 1024 < len(big) < settings.LARGE_UPLOAD_MAX_BYTES - 100_000
    r = assert_error(upload(api, n, big), 413, "file_too_large", "file")
    assert "20M" in r["message"]
    # Over the request limit of these paths: refused before it is read.
    assert_error(upload(api, n, make_pdf(pad=settings.LARGE_UPLOAD_MAX_BYTES)), 413, "request_too_large")
    assert not Document.objects.exists()
    # Just under 20 MB passes.
    ok = pdfs.with_pages([195_000] * 100)
    assert len(ok) < 20 * 1024 * 1024
    assert upload(api, n, ok).status_code == 201


def test_one_file_per_type_replaced_until_declared():
    e, api = declarer()
    n = decl_no(7)
    open_(api, n, e)
    upload(api, n, pdfs.good())
    second = pdfs.with_pages([1000])
    r = upload(api, n, second, name="v2.pdf")
    assert r.status_code == 201 and doc_row(r.json(), "invoice")["name"] == "v2.pdf"
    assert Document.objects.filter(doc_type="invoice").count() == 1
    assert api.post(f"/declarations/{n}/declare").status_code == 200
    assert_error(upload(api, n, pdfs.good()), 409, "document_locked", "doc_type")
    assert_error(upload(api, n, pdfs.good(), doc_type="contract"), 409, "document_locked")
    assert Document.objects.get(doc_type="invoice").original_name == "v2.pdf"


def test_declaring_needs_a_document_uploaded_by_hand():
    e, api = declarer()
    n = decl_no(8)
    open_(api, n, e)
    assert_error(api.post(f"/declarations/{n}/declare"), 409, "documents_required")
    assert Dossier.objects.get().state == "UPLOADED"


# --- brokers ---------------------------------------------------------------------------------------------


def test_a_broker_declares_under_a_live_delegation_with_its_pdf_filled_in():
    consignor = f.enterprise_in_network(name="经营单位有限公司")
    b, api = declarer(customs="")  # the broker needs no agreement of its own here
    dlg = f.delegation(consignor, b, "5300", "I")
    n = decl_no(10)
    r = open_(api, n, consignor)
    assert r.status_code == 201, r.content
    d = r.json()
    assert d["consignor"] == consignor.code and d["declarant"] == b.code
    row = doc_row(d, "delegation")
    assert row["uploaded"] and row["source"] == "delegation" and not row["reupload_allowed"]
    assert Document.objects.get(dossier__decl_no=n, doc_type="delegation").pages == 1  # measured too
    got = api.get(f"/declarations/{n}/documents/delegation")
    assert b"".join(got.streaming_content) == bytes(dlg.pdf)
    assert_error(upload(api, n, pdfs.good(), doc_type="delegation"), 409, "delegation_not_uploadable")
    # The delegation alone is not a dossier to declare.
    assert_error(api.post(f"/declarations/{n}/declare"), 409, "documents_required")
    assert upload(api, n, pdfs.good()).status_code == 201
    assert api.post(f"/declarations/{n}/declare").json()["state"] == "DECLARED"
    # The consignor's own cards read what the broker declared in its name; the changes are the broker's.
    _, consignor_api = declarer(enterprise=consignor)
    got = consignor_api.get(f"/declarations/{n}")
    assert got.status_code == 200 and got.json()["declarant"] == b.code
    assert [x["decl_no"] for x in consignor_api.get("/declarations").json()["items"]] == [n]
    assert_error(upload(consignor_api, n, pdfs.good()), 404, "dossier_not_found")
    assert_error(consignor_api.post(f"/declarations/{n}/declare"), 404, "dossier_not_found")


@pytest.mark.parametrize(
    "case",
    [
        "none",
        "other_customs",
        "other_direction",
        "expired",
        "revoked",
        "not_accepted",
        "not_yet",
        "other_broker",
        "agreement_ended",
    ],
)
def test_a_broker_without_a_live_delegation_is_refused(case):
    consignor = f.enterprise_in_network()
    b, api = declarer(customs="")
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    if case == "other_customs":
        f.delegation(consignor, b, "0100", "I")
    elif case == "other_direction":
        f.delegation(consignor, b, "5300", "E")
    elif case == "expired":
        f.delegation(consignor, b, valid_from=today - 10 * day, valid_to=today - day)
    elif case == "revoked":
        f.delegation(consignor, b, state="REVOKED")
    elif case == "not_accepted":
        f.delegation(consignor, b, state="SENT")
    elif case == "not_yet":
        f.delegation(consignor, b, valid_from=today + day, valid_to=today + 10 * day)
    elif case == "other_broker":
        f.delegation(consignor, f.enterprise_in_network())
    elif case == "agreement_ended":  # accepted, but the consignor's own agreement is no longer approved
        f.delegation(consignor, b)
        consignor.paperless_agreements.update(state="TERMINATED")
    assert_error(open_(api, decl_no(11), consignor), 403, "delegation_required", "consignor")
    assert not Dossier.objects.exists()


def test_a_revoked_delegation_stops_the_broker_before_declaring():
    consignor = f.enterprise_in_network()
    b, api = declarer(customs="")
    dlg = f.delegation(consignor, b)
    n = decl_no(12)
    assert open_(api, n, consignor).status_code == 201
    dlg.state = "REVOKED"
    dlg.save()
    assert_error(upload(api, n, pdfs.good()), 403, "delegation_required")
    assert_error(api.post(f"/declarations/{n}/declare"), 403, "delegation_required")
    assert Document.objects.filter(source="upload").count() == 0


# --- rights ---------------------------------------------------------------------------------------------


def test_entry_uploads_declare_declares():
    e, entry = declarer(rights=("entry",))
    declare_only = another_card(e, rights=("declare",))
    n = decl_no(13)
    assert open_(entry, n, e).status_code == 201
    assert upload(entry, n, pdfs.good()).status_code == 201
    r = assert_error(entry.post(f"/declarations/{n}/declare"), 403, "right_required")
    assert "报关申报" in r["message"]
    r = assert_error(upload(declare_only, n, pdfs.good(), doc_type="contract"), 403, "right_required")
    assert "报关单录入" in r["message"]
    assert_error(open_(declare_only, decl_no(14), e), 403, "right_required")
    assert declare_only.get(f"/declarations/{n}").status_code == 200  # reading needs the permission only
    assert declare_only.post(f"/declarations/{n}/declare").json()["state"] == "DECLARED"


def test_who_may_not_declare_at_all():
    e, api = declarer()
    n = decl_no(15)
    open_(api, n, e)
    no_permission = Api(f.operator_card(e, name="孙七").card.user)
    assert_error(no_permission.get(f"/declarations/{n}"), 403, "subsystem_not_granted")
    assert_error(open_(no_permission, decl_no(16), e), 403, "subsystem_not_granted")
    cardless = Api(f.cardless(uscc=e.uscc))
    assert_error(cardless.get("/declarations"), 403, "subsystem_not_granted")
    assert_error(open_(cardless, decl_no(16), e), 403, "subsystem_not_granted")
    legal_card = Card.objects.get(enterprise=e, kind="legal")  # the one that signed the agreement
    legal = Api(f.documents_permission(legal_card).user)
    assert legal.get(f"/declarations/{n}").status_code == 200
    assert_error(Api().get("/declarations"), 401)
    # Another enterprise's card with the permission: the dossier does not exist for it.
    _, stranger = declarer()
    assert_error(stranger.get(f"/declarations/{n}"), 404, "dossier_not_found")
    assert_error(upload(stranger, n, pdfs.good()), 404, "dossier_not_found")
    assert_error(stranger.post(f"/declarations/{n}/declare"), 404, "dossier_not_found")
    assert_error(stranger.get(f"/declarations/{n}/documents/invoice"), 404)
    assert stranger.get("/declarations").json()["total"] == 0


# --- customs: 重传指令 ------------------------------------------------------------------------------------


def test_customs_asks_for_a_type_again_and_the_declarer_reuploads(django_capture_on_commit_callbacks):
    e, api = declarer()
    n = decl_no(20)
    customs = Api(f.staff("reviewer", "customs:5300"))
    open_(api, n, e)
    upload(api, n, pdfs.good())
    upload(api, n, pdfs.good(), doc_type="packing_list")
    assert_error(customs.get(f"/declarations/{n}"), 404)  # not declared yet: the declarer's alone
    assert customs.get("/declarations").json()["total"] == 0
    api.post(f"/declarations/{n}/declare")
    assert customs.get(f"/declarations/{n}").json()["state"] == "DECLARED"
    assert customs.get("/declarations").json()["total"] == 1

    for t in ("delegation", "tax_guarantee", "tax_deferral_guarantee"):
        r = assert_error(
            customs.post(f"/declarations/{n}/reupload-requests", {"doc_type": t, "reason": "看不清"}),
            409,
            "reupload_not_allowed",
            "doc_type",
        )
        assert "不允许重传" in r["message"]
    assert_error(
        customs.post(f"/declarations/{n}/reupload-requests", {"doc_type": "invoice", "reason": "  "}),
        400,
        "reason_required",
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = customs.post(
            f"/declarations/{n}/reupload-requests", {"doc_type": "invoice", "reason": "发票金额不清晰"}
        )
        assert r.status_code == 201, r.content
        customs.post(f"/declarations/{n}/reupload-requests", {"doc_type": "contract", "reason": "缺少合同"})
    assert r.json()["open"] and r.json()["doc_type_label"] == "发票"
    assert len(mail.outbox) == 2 and e.contact_email in mail.outbox[0].to
    assert "发票金额不清晰" in mail.outbox[0].body and n in mail.outbox[0].subject
    assert_error(
        customs.post(f"/declarations/{n}/reupload-requests", {"doc_type": "invoice", "reason": "再传"}),
        409,
        "reupload_open",
    )
    d = api.get(f"/declarations/{n}").json()
    assert d["state"] == "REUPLOAD_REQUIRED" and d["reupload_open"]
    assert doc_row(d, "invoice")["reupload_required"] and not doc_row(d, "packing_list")["reupload_required"]
    # 重新上传 lists the declarer's open instructions.
    listed = api.get("/declarations/reupload-requests", {"status": "open"}).json()
    assert listed["total"] == 2 and {i["doc_type"] for i in listed["items"]} == {"invoice", "contract"}
    assert api.get("/declarations", {"reupload": "1"}).json()["total"] == 1
    # Only a requested type may be uploaded again.
    assert_error(upload(api, n, pdfs.good(), doc_type="packing_list"), 409, "document_locked")
    r = upload(api, n, pdfs.with_pages([2000]), name="invoice-v2.pdf")
    assert r.status_code == 201 and r.json()["state"] == "REUPLOAD_REQUIRED"  # the contract is still open
    r = upload(api, n, pdfs.good(), doc_type="contract", name="contract.pdf")
    assert r.json()["state"] == "REUPLOADED" and not r.json()["reupload_open"]
    assert ReuploadRequest.objects.filter(satisfied_at__isnull=True).count() == 0
    assert_error(upload(api, n, pdfs.good()), 409, "document_locked")  # satisfied: locked again
    # Customs sees the instructions of its 关区, with type and reason, and may ask again.
    rows = customs.get("/declarations/reupload-requests").json()["items"]
    assert {(i["doc_type"], i["reason"], i["open"]) for i in rows} == {
        ("invoice", "发票金额不清晰", False),
        ("contract", "缺少合同", False),
    }
    r = customs.post(f"/declarations/{n}/reupload-requests", {"doc_type": "invoice", "reason": "仍不清晰"})
    assert r.status_code == 201 and Dossier.objects.get().state == "REUPLOAD_REQUIRED"
    assert len(customs.get(f"/declarations/{n}/reupload-requests").json()) == 3
    actions = set(
        AuditEvent.objects.filter(action__startswith="declaration.").values_list("action", flat=True)
    )
    assert {"declaration.reupload_request", "declaration.reupload", "declaration.declare"} <= actions


def test_customs_outside_the_customs_district_sees_nothing():
    e, api = declarer()
    n = decl_no(21)
    declared(api, n, e)
    for unit in ("customs:0100", "customs:5301", "aic:440300"):
        outsider = Api(f.staff("reviewer", unit))
        assert_error(outsider.get(f"/declarations/{n}"), 404, "dossier_not_found")
        assert_error(
            outsider.post(f"/declarations/{n}/reupload-requests", {"doc_type": "invoice", "reason": "x"}),
            404,
            "dossier_not_found",
        )
        assert outsider.get("/declarations").json()["total"] == 0
        assert outsider.get("/declarations/reupload-requests").json()["total"] == 0
    # A card is no customs officer.
    assert_error(
        api.post(f"/declarations/{n}/reupload-requests", {"doc_type": "invoice", "reason": "x"}),
        403,
        "customs_required",
    )
    assert not ReuploadRequest.objects.exists()


def test_exports_of_both_lists():
    e, api = declarer()
    n = decl_no(22)
    declared(api, n, e)
    customs = Api(f.staff("reviewer", "customs:5300"))
    customs.post(f"/declarations/{n}/reupload-requests", {"doc_type": "invoice", "reason": "重传"})
    for who in (api, customs):
        for path in ("/declarations.xlsx", "/declarations/reupload-requests.xlsx"):
            r = who.get(path)
            assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml"), path
    ws = load_workbook(io.BytesIO(customs.get("/declarations/reupload-requests.xlsx").content)).active
    rows = list(ws.values)
    assert rows[0][0] == "报关单号" and rows[1][0] == n and rows[1][4] == "重传"
    assert AuditEvent.objects.filter(action="export").count() == 5


def test_an_unusable_card_is_refused():
    e, api = declarer()
    n = decl_no(23)
    assert open_(api, n, e).status_code == 201
    Card.objects.filter(user=api.user).update(state="frozen")
    # The API's sign-in gate ends a frozen card's session; the services refuse it themselves too.
    assert_error(upload(api, n, pdfs.good()), 401)
    user = User.objects.get(pk=api.user.pk)
    with pytest.raises(DomainError) as refused:
        services.document_upload(
            actor=user, decl_no=n, doc_type="invoice", upload=SimpleUploadedFile("a.pdf", pdfs.good())
        )
    assert refused.value.status == 403 and refused.value.code == "card_frozen"
    with pytest.raises(DomainError) as refused:
        services.declare(actor=user, decl_no=n)
    assert refused.value.code == "card_frozen"
    assert not Document.objects.exists()
