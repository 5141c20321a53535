"""报关单电子随附单据 screens (SPEC §6.3): the declarer's cards open a declaration by its number, upload one
PDF per type and 申报 (报关申报—电子随附单据—上传), see what customs asks again and upload it (重新上传);
customs lists its 关区's declared dossiers and 重传指令 and issues them. Every rule is eport.declarations'
(services, selectors), shared with the API; these views turn its answers into pages."""

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from eport import exports
from eport.accounts.permissions import is_staff
from eport.declarations import selectors, services
from eport.declarations.models import NO_REUPLOAD, DocType, Dossier, DossierState

from .access import signed_in
from .paging import export_query, page_of, pager
from .refusals import Refusal

# Cards and customs alike (anonymous: the sign-in page, which offers the card sign-in too); who may do what is
# the selectors' answer (403 or 404 pages).
declarations_user = signed_in()  # customs signs in with a password, cards with the card: the portal's sign-in

OPEN_FIELDS = ("decl_no", "consignor", "customs", "direction")


def _list_query(request) -> dict:
    return {
        "decl_no": (request.GET.get("decl_no") or "").strip(),
        "state": (request.GET.get("state") or "").strip(),
        "reupload": "1" if request.GET.get("reupload") == "1" else "",
    }


@declarations_user
def declarations(request):
    """报关单电子随附单据: the card's enterprise's dossiers (and the form to open one by its number), or
    customs' declared dossiers of its 关区; filters, 导出Excel."""
    customs = is_staff(request.user)
    q = _list_query(request)
    qs = selectors.dossier_filter(selectors.visible_dossiers(request.user), **q)
    if request.GET.get("export") == "xlsx":
        with Refusal() as refusal:
            return exports.xlsx_response(request, "declarations", qs, q)
        refusal.flash(request)
    form = {"decl_no": "", "consignor": "", "customs": "", "direction": "I"}
    errors: dict = {}
    status = 200
    if request.method == "POST" and not customs:
        form = {k: (request.POST.get(k) or "").strip() for k in OPEN_FIELDS}
        with Refusal() as refusal:
            dossier, created = services.dossier_open(actor=request.user, **form)
        if not refusal:
            messages.success(
                request,
                (
                    _("报关单 %(n)s 已录入，请逐类上传随附单据。")
                    if created
                    else _("报关单 %(n)s 已录入过，已为您打开。")
                )
                % {"n": dossier.decl_no},
            )
            return redirect("web:declaration", dossier.decl_no)
        errors, status = refusal.errors(beside=OPEN_FIELDS), refusal.status
    rows, total, page = page_of(request, qs)
    return render(
        request,
        "web/declarations.html",
        {
            "rows": rows,
            "q": q,
            "customs": customs,
            "form": form,
            "errors": errors,
            "states": DossierState.choices,
            "export_query": export_query(q),
            **pager(total, page, q),
        },
        status=status,
    )


@declarations_user
def reuploads(request):
    """重新上传 (the declarer: its dossiers with an open 重传指令; pick one to upload again) and customs' 重传指令
    of its 关区 (type and reason); 导出Excel."""
    customs = is_staff(request.user)
    q = {
        "decl_no": (request.GET.get("decl_no") or "").strip(),
        "status": (request.GET.get("status") if "status" in request.GET else ("" if customs else "open"))
        or "",
    }
    qs = selectors.reupload_list(request.user, **q)
    if request.GET.get("export") == "xlsx":
        with Refusal() as refusal:
            return exports.xlsx_response(request, "reuploads", qs, q)
        refusal.flash(request)
    rows, total, page = page_of(request, qs)
    return render(
        request,
        "web/declaration_reuploads.html",
        {"rows": rows, "q": q, "customs": customs, "export_query": export_query(q), **pager(total, page, q)},
    )


def _dossier_page(request, dossier: Dossier, *, errors=None, status=200, upload_type="", reupload=None):
    customs = is_staff(request.user)
    # The consignor reads what its broker declared; uploading and 申报 are the declarant's.
    declarer = not customs and dossier.declarant_id == request.user.enterprise_id
    rows = selectors.document_rows(dossier)
    declaring = declarer and dossier.state == DossierState.UPLOADED
    for row in rows:
        # The upload control: before 申报 any type but the delegation's; after it, a type under a 重传指令.
        row["uploadable"] = (
            declarer and row["doc_type"] != DocType.DELEGATION and (declaring or row["request"])
        )
    return render(
        request,
        "web/declaration.html",
        {
            "dossier": dossier,
            "rows": rows,
            "customs": customs,
            "declarer": declarer,
            "declaring": declaring,
            "requests": selectors.reupload_requests(dossier),
            "reupload_types": [(t.value, t.label) for t in DocType if t not in NO_REUPLOAD],
            "reupload": reupload or {"doc_type": "", "reason": ""},
            "errors": errors or {},
            "upload_type": upload_type,
        },
        status=status,
    )


@declarations_user
def declaration(request, decl_no: str):
    """One dossier: a row per document type (✓ file / ✗ 未上传, its upload control, download), 申报; for
    customs the 重传指令 form."""
    return _dossier_page(request, selectors.dossier_get(request.user, decl_no))


@declarations_user
def declaration_upload(request, decl_no: str):
    """上传 / 重新上传 one type's PDF (POST from the dossier page's row)."""
    dossier = selectors.dossier_get(request.user, decl_no)
    if request.method != "POST":
        return redirect("web:declaration", dossier.decl_no)
    doc_type = request.POST.get("doc_type") or ""
    with Refusal() as refusal:
        doc = services.document_upload(
            actor=request.user, decl_no=dossier.decl_no, doc_type=doc_type, upload=request.FILES.get("file")
        )
    if refusal:
        dossier.refresh_from_db()
        errors = refusal.errors(beside=("file", "doc_type"))
        # The row's control has no field of its own on the page: the refusal goes at the top, whole.
        errors = {"nonfield": refusal.message or ""}
        return _dossier_page(request, dossier, errors=errors, status=refusal.status, upload_type=doc_type)
    messages.success(
        request,
        _("%(t)s 已上传：%(f)s（%(p)d 页）。")
        % {"t": doc.get_doc_type_display(), "f": doc.original_name, "p": doc.pages},
    )
    return redirect("web:declaration", dossier.decl_no)


@declarations_user
def declaration_declare(request, decl_no: str):
    dossier = selectors.dossier_get(request.user, decl_no)
    if request.method != "POST":
        return redirect("web:declaration", dossier.decl_no)
    with Refusal() as refusal:
        services.declare(actor=request.user, decl_no=dossier.decl_no)
    if refusal:
        dossier.refresh_from_db()
        return _dossier_page(request, dossier, errors={"nonfield": refusal.message}, status=refusal.status)
    messages.success(request, _("报关单 %(n)s 的随附单据已申报。") % {"n": dossier.decl_no})
    return redirect("web:declaration", dossier.decl_no)


@declarations_user
def declaration_reupload_request(request, decl_no: str):
    """Customs: 发布重传指令 for one type with its reason."""
    dossier = selectors.dossier_get(request.user, decl_no)
    if request.method != "POST":
        return redirect("web:declaration", dossier.decl_no)
    data = {"doc_type": request.POST.get("doc_type") or "", "reason": request.POST.get("reason") or ""}
    with Refusal() as refusal:
        services.reupload_request(actor=request.user, decl_no=dossier.decl_no, **data)
    if refusal:
        dossier.refresh_from_db()
        errors = refusal.errors(beside=("doc_type", "reason"))
        errors = {("reupload_" + k if k != "nonfield" else k): v for k, v in errors.items()}
        return _dossier_page(request, dossier, errors=errors, status=refusal.status, reupload=data)
    messages.success(
        request,
        _("已发布重传指令：%(t)s。申报单位已收到通知。") % {"t": DocType(data["doc_type"]).label},
    )
    return redirect("web:declaration", dossier.decl_no)


@declarations_user
def declaration_document(request, decl_no: str, doc_type: str):
    doc = selectors.document_get(request.user, decl_no, doc_type)
    return FileResponse(
        doc.file.open("rb"), content_type="application/pdf", as_attachment=False, filename=doc.original_name
    )
