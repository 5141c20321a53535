"""快件通关 screens (SPEC §6.6, seed 000 电子口岸快件通关系统的操作说明): 数据上载 (进口或出口报关单, by category,
an import with its 舱单; templates per direction), 回执查询 by 总运单号, 放行报关单 (KJ2报关单 / 其他报关单) and
打印, 报关数据维护 (修改类别); customs' 快件审核 of its 关区 (放行 / 退单). Every rule is eport.express's, shared
with the API; these views turn its answers into pages."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from eport import exports
from eport.accounts.permissions import is_staff
from eport.express import document, files, selectors, services
from eport.express.lists import CATEGORIES, TRANSPORT_MODES
from eport.express.models import Direction, State
from eport.pdfdoc import pdf_response

from .access import signed_in
from .paging import export_query, page_of, pager
from .refusals import Refusal

# Cards and customs alike; who may do what is the selectors' answer (403 or 404 pages).
express_user = signed_in()

UPLOAD_FIELDS = ("direction", "category", "waybill")


def _choices() -> dict:
    return {
        "directions": Direction.choices,
        "categories": [(v, str(label)) for v, label in CATEGORIES],
        "states": State.choices,
    }


@express_user
def upload(request):
    """数据上载: 进出口, 类别, 总运单号 and the file (an import's 舱单 as a second file, or the 舱单 sheet of
    the workbook). A refused file lists each bad row and column; nothing is saved."""
    selectors.templates_for(request.user)
    form = {"direction": "I", "category": "KJ2", "waybill": ""}
    errors: dict = {}
    row_errors: list[dict] = []
    status = 200
    if request.method == "POST":
        form = {k: (request.POST.get(k) or "").strip() for k in UPLOAD_FIELDS}
        f = request.FILES.get("file")
        m = request.FILES.get("manifest")
        with Refusal() as refusal:
            if f is None:
                services.require_file()
            rows, lines = files.read(
                f.name or "", f.read(), (m.name or "") if m else "", m.read() if m else None
            )
            u = services.upload(request.user, form, rows, lines, file_name=f.name or "", ip=request.client_ip)
        if not refusal:
            messages.success(
                request,
                _("已上载总运单号 %(w)s 的%(n)d票报关数据，入库成功，等待海关审核。")
                % {"w": u.waybill, "n": u.declarations.count()},
            )
            return redirect(f"{reverse('web:express_receipts')}?waybill={u.waybill}&direction={u.direction}")
        status = refusal.status
        if refusal.code == "rows_invalid" and refusal.exc is not None:
            row_errors = refusal.exc.details
            errors = {"file": refusal.message}
        else:
            errors = refusal.errors(beside=(*UPLOAD_FIELDS, "file", "manifest"))
            if not set(errors) & {*UPLOAD_FIELDS, "file", "manifest"}:
                errors = {"file": refusal.message}
    return render(
        request,
        "web/express_upload.html",
        {
            "form": form,
            "errors": errors,
            "row_errors": row_errors,
            "transport_modes": [(v, str(label)) for v, label in TRANSPORT_MODES],
            **_choices(),
        },
        status=status,
    )


@express_user
def template(request, direction, fmt):
    """The upload template of a direction (.xlsx with its 舱单 sheet for an import, or .csv)."""
    selectors.templates_for(request.user)
    d = selectors.direction_of(direction)
    if fmt not in ("xlsx", "csv"):
        raise Http404
    if fmt == "xlsx":
        response = HttpResponse(files.template_xlsx(d), content_type=exports.XLSX)
        name = f"express-{d}.xlsx"
    else:
        manifest = request.GET.get("manifest") == "1"
        response = HttpResponse(
            files.template_csv(d, manifest=manifest), content_type="text/csv; charset=utf-8"
        )
        name = f"express-{d}{'-manifest' if manifest else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@express_user
def receipts(request):
    """回执查询: by 总运单号 (and 进出口), each declaration's receipts, newest first; 导出Excel."""
    q = {"waybill": (request.GET.get("waybill") or "").strip(), "direction": request.GET.get("direction", "")}
    rows: list = []
    total, number, errors = 0, 1, {}
    if q["waybill"] or "waybill" in request.GET:
        with Refusal() as refusal:
            qs = selectors.receipts(request.user, **q)
            if request.GET.get("export") == "xlsx":
                return exports.xlsx_response(request, "express_receipts", qs, q)
            rows, total, number = page_of(request, qs)
        if refusal:
            errors = refusal.errors(beside=("waybill", "direction"))
    else:
        selectors.templates_for(request.user)  # the card may use the subsystem (403 page otherwise)
    return render(
        request,
        "web/express_receipts.html",
        {
            "rows": rows,
            "q": q,
            "errors": errors,
            "directions": Direction.choices,
            "export_query": export_query(q),
            **pager(total, number, q),
        },
        status=400 if errors else 200,
    )


def _list_query(request) -> dict:
    return {
        k: (request.GET.get(k) or "").strip()
        for k in ("direction", "category", "waybill", "state", "released")
    }


def _listing(request, template: str, *, queue: bool = False, tab: str = "", **extra):
    q = _list_query(request)
    if tab:
        q["released"] = tab
    keep = {k: v for k, v in q.items() if v}
    with Refusal() as refusal:
        finder = selectors.customs_queue if queue else selectors.declarations
        qs = finder(
            request.user, **{k: v for k, v in q.items() if not (queue and k in ("state", "released"))}
        )
        if request.GET.get("export") == "xlsx":
            return exports.xlsx_response(request, "express_declarations", qs, q)
        rows, total, number = page_of(request, qs)
    if refusal:
        if refusal.status == 403:
            return refusal.page(request)
        refusal.flash(request)
        return redirect(request.path)
    return render(
        request,
        template,
        {
            "rows": rows,
            "q": q,
            "customs": is_staff(request.user),
            "export_query": export_query(keep),
            **_choices(),
            "tab": tab,
            **extra,
            **pager(total, number, keep),
        },
    )


@express_user
def declarations(request):
    """报关数据维护: the enterprise's declarations (customs: its 关区's), filtered; 修改类别 before release."""
    return _listing(request, "web/express_declarations.html")


@express_user
def released(request):
    """放行报关单: KJ2报关单 or 其他报关单, each with 打印."""
    tab = request.GET.get("released") if request.GET.get("released") in selectors.RELEASED_TABS else "kj2"
    return _listing(request, "web/express_released.html", tab=tab)


@express_user
def review(request):
    """快件审核 (customs): the received declarations of its 关区, oldest first."""
    selectors.require_customs(request.user)
    return _listing(request, "web/express_review.html", queue=True)


def _detail(request, d, *, errors=None, status=200, values=None):
    return render(
        request,
        "web/express_declaration.html",
        {
            "d": d,
            "receipts": d.receipts.all(),
            "customs": is_staff(request.user),
            "errors": errors or {},
            "values": values or {},
            "categories": [(v, str(label)) for v, label in CATEGORIES],
        },
        status=status,
    )


@express_user
def declaration(request, declaration_id):
    """One declaration with its receipts: the card's 修改类别 form, or customs' 放行 and 退单."""
    return _detail(request, selectors.declaration_for(request.user, declaration_id))


@express_user
def change_category(request, declaration_id):
    if request.method != "POST":
        return redirect("web:express_declaration", declaration_id)
    with Refusal() as refusal:
        d = services.change_category(
            request.user, declaration_id, request.POST.get("category", ""), ip=request.client_ip
        )
    if refusal:
        d = selectors.declaration_for(request.user, declaration_id)
        errors = refusal.errors(beside=("category",))
        return _detail(request, d, errors=errors, status=refusal.status)
    messages.success(request, _("类别已改为 %(c)s。") % {"c": d.category_name})
    return redirect("web:express_declaration", d.pk)


@express_user
def decide(request, declaration_id, action):
    """放行 or 退单 (with its reason) by customs of the 关区, as of the version the page showed."""
    if request.method != "POST":
        return redirect("web:express_declaration", declaration_id)
    version = request.POST.get("version", "")
    reason = (request.POST.get("reason") or "").strip()
    with Refusal() as refusal:
        if action == "release":
            d = services.release(request.user, declaration_id, version, ip=request.client_ip)
        else:
            d = services.return_(request.user, declaration_id, version, reason, ip=request.client_ip)
    if refusal:
        d = selectors.declaration_for(request.user, declaration_id)
        errors = refusal.errors(beside=("reason",))
        if "reason" not in errors:
            errors = {"nonfield": str(refusal.message)}
        return _detail(request, d, errors=errors, status=refusal.status, values={"reason": reason})
    done = _("已放行 %(w)s / %(s)s。") if action == "release" else _("已退单 %(w)s / %(s)s。")
    messages.success(request, done % {"w": d.waybill, "s": d.sub_waybill})
    return redirect("web:express_review")


@express_user
def print_page(request, declaration_id):
    """打印: the released declaration as a print-friendly page (its PDF one click away)."""
    with Refusal() as refusal:
        d = selectors.released_for_print(request.user, declaration_id)
    if refusal:
        return refusal.page(request)
    return render(
        request,
        "web/express_print.html",
        {"d": d, "title": document.title(d), "rows": document.print_rows(d), "printed_at": timezone.now()},
    )


@express_user
def pdf(request, declaration_id):
    with Refusal() as refusal:
        d = selectors.released_for_print(request.user, declaration_id)
    if refusal:
        return refusal.page(request)
    return pdf_response(document.pdf(d), f"express-{d.waybill}-{d.sub_waybill}.pdf")
