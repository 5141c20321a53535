"""加贸权限管理 screens (SPEC §6.4, seed 000 电子手册授权流程): tabs 电子手册 (企业内手册授权), 电子账册
(企业内账册授权), 无纸化手册 (企业内通关手册授权) and 已获授权 (what the enterprise was granted); the list
with its query and 导出Excel; 新增 / 修改 / 删除 by the legal card. Every rule is eport.processing's, shared
with the API."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from eport import exports
from eport.cards.models import CardKind
from eport.processing import selectors, services
from eport.processing.forms import GrantForm
from eport.processing.models import RIGHT_FLAGS, BookType

from .cards import card_only
from .forms import decorate_form
from .paging import export_query, page_of, pager
from .refusals import Refusal

RECEIVED = "received"
SUBTITLES = {
    BookType.MANUAL: _("企业内手册授权"),
    BookType.ACCOUNT_BOOK: _("企业内账册授权"),
    BookType.PAPERLESS_MANUAL: _("企业内通关手册授权"),
}


def _tabs() -> list[tuple[str, str]]:
    return [(v, str(label)) for v, label in BookType.choices] + [(RECEIVED, str(_("已获授权")))]


def _is_legal(request) -> bool:
    return getattr(getattr(request.user, "card", None), "kind", None) == CardKind.LEGAL


@card_only
def grants(request):
    """The grants of one tab (the enterprise's, or with 已获授权 those it received); 查询, 导出Excel."""
    tab = request.GET.get("tab") or BookType.MANUAL
    if tab not in BookType.values and tab != RECEIVED:
        tab = BookType.MANUAL
    received = tab == RECEIVED
    q = {"grantee": request.GET.get("grantee", ""), "internal_no": request.GET.get("internal_no", "")}
    with Refusal() as refusal:
        qs = selectors.grants(request.user, book_type="" if received else tab, received=received, **q)
        if request.GET.get("export") == "xlsx":
            return exports.xlsx_response(request, "processing_grants", qs, {"tab": tab, **q})
    if refusal:
        return refusal.page(request)
    rows, total, number = page_of(request, qs)
    keep = {"tab": tab, **q}
    return render(
        request,
        "web/processing_grants.html",
        {
            "rows": rows,
            "tab": tab,
            "received": received,
            "subtitle": SUBTITLES.get(tab, ""),
            "tabs": _tabs(),
            "q": q,
            "can_write": _is_legal(request) and not received,
            "export_query": export_query(keep),
            "right_flags": [str(x) for x in RIGHT_FLAGS],
            **pager(total, number, keep),
        },
    )


def _form_page(request, *, grant=None, data=None, errors=None, status=200):
    initial = data or {}
    form = decorate_form(GrantForm(initial=initial))
    grantee = selectors.grantee_by_code(initial.get("grantee_customs_code", ""))
    return render(
        request,
        "web/processing_grant_form.html",
        {
            "form": form,
            "grant": grant,
            "errors": errors or {},
            "names": {"grantee_customs_code": grantee.name if grantee else ""},
            "right_flags": [str(x) for x in RIGHT_FLAGS],
        },
        status=status,
    )


@card_only
def grant_new(request):
    """新增: the legal card names the grantee by its 海关编码 (its name shown after it), 类别, 企业内部编号
    and 权限代码."""
    book = request.GET.get("tab") if request.GET.get("tab") in BookType.values else BookType.MANUAL
    with Refusal() as refusal:
        services.require_legal_card(request.user)
    if refusal:
        return refusal.page(request)
    if request.method != "POST":
        return _form_page(request, data={"book_type": book, "category": _("合同手册"), "rights": "101"})
    data = request.POST.dict()
    with Refusal() as refusal:
        g = services.grant_add(request.user, data, ip=request.client_ip)
    if refusal:
        return _form_page(request, data=data, errors=refusal.errors(GrantForm()), status=refusal.status)
    messages.success(
        request, _("已授权 %(e)s（%(c)s），立即生效。") % {"e": g.grantee_name, "c": g.grantee_customs_code}
    )
    return redirect(f"{reverse('web:processing_grants')}?tab={g.book_type}")


@card_only
def grant_edit(request, grant_id):
    """修改 one grant of the enterprise (404 for any other)."""
    g = services.grant_for(request.user, grant_id)
    with Refusal() as refusal:
        services.require_legal_card(request.user)
    if refusal:
        return refusal.page(request)
    current = {
        "book_type": g.book_type,
        "grantee_customs_code": g.grantee_customs_code,
        "category": g.category,
        "internal_no": g.internal_no,
        "rights": g.rights,
    }
    if request.method != "POST":
        return _form_page(request, grant=g, data=current)
    data = request.POST.dict()
    with Refusal() as refusal:
        g = services.grant_change(request.user, grant_id, data, ip=request.client_ip)
    if refusal:
        return _form_page(
            request, grant=g, data=data, errors=refusal.errors(GrantForm()), status=refusal.status
        )
    messages.success(request, _("授权已修改，立即生效。"))
    return redirect(f"{reverse('web:processing_grants')}?tab={g.book_type}")


@card_only
def grant_delete(request, grant_id):
    """删除: a confirmation page first."""
    g = services.grant_for(request.user, grant_id)
    with Refusal() as refusal:
        services.require_legal_card(request.user)
    if refusal:
        return refusal.page(request)
    if request.method != "POST":
        return render(request, "web/processing_grant_delete.html", {"g": g})
    with Refusal() as refusal:
        services.grant_delete(request.user, grant_id, ip=request.client_ip)
    if refusal:
        refusal.flash(request)
    else:
        messages.success(request, _("授权已删除。"))
    return redirect(f"{reverse('web:processing_grants')}?tab={g.book_type}")
