"""出口收汇 screens (SPEC §6.5, seed 000 出口收汇子系统): the enterprise's card — 核销单申请 (申请份数 → 确认 →
申请号), 口岸备案 (query, pick a 核销单号, 使用口岸 by code or name, Enter opens the list → 确认 → 设置成功),
批量备案 (起始号 + 份数, 全选/清除, 设置口岸), 撤销备案, 交单, 挂失, 综合查询 with 导出Excel; the 外汇局 —
its enterprises' requests (发单, perhaps fewer), the forms (挂失, 核销); the customs of a port — the forms
filed for it (登记出口报关单). Every rule is eport.export_receipts', shared with the API."""

from typing import Any

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from eport import exports
from eport.cards.selectors import subsystem_card
from eport.errors import InvalidInput
from eport.export_receipts import selectors, services
from eport.export_receipts.codes import Code
from eport.export_receipts.forms import (
    BatchPortForm,
    BatchQueryForm,
    CountForm,
    DeclarationForm,
    IssueForm,
    PortForm,
    port_attrs,
)
from eport.export_receipts.models import LOSABLE, FormState, RequestState

from .access import signed_in
from .forms import decorate_form
from .paging import export_query, page_of, pager
from .refusals import Refusal

# A party of this subsystem: a card (its permission is checked by the services), a forex or customs reviewer.
er_actor = signed_in(allow=lambda u: selectors.role(u) is not None, login_url="web:card_login")

FORM_FILTERS = ("form_no", "state", "port", "request_no", "enterprise", "decl_no")
# Which list a screen is: 综合查询 (all states) or 口岸备案 (the forms to file and those filed).
FILING_STATES = (FormState.ISSUED, FormState.FILED)


def _port_form(data=None, *, form_class=PortForm):
    form = decorate_form(form_class(initial=data or {}))
    form.fields["port"].widget.attrs.update(port_attrs())
    return form


def _port_names(data) -> dict:
    return {"port": selectors.port_name(str((data or {}).get("port", "")).strip())}


@er_actor
def forms_list(request, filing=False):
    """综合查询 (or, `filing`, 口岸备案's query): the forms the actor may see, filtered; 导出Excel."""
    q = {k: request.GET.get(k, "").strip() for k in FORM_FILTERS}
    with Refusal() as refusal:
        qs = selectors.filter_forms(selectors.visible_forms(request.user), **q)
        if filing:
            qs = qs.filter(state__in=FILING_STATES)
        if request.GET.get("export") == "xlsx":
            return exports.xlsx_response(request, "export_receipts", qs, q)
    if refusal:
        return refusal.page(request)
    rows, total, number = page_of(request, qs)
    for row in rows:
        row.holder = selectors.holder_name(row.enterprise)
    states = [(s, label) for s, label in FormState.choices if not filing or s in FILING_STATES]
    return render(
        request,
        "web/export_receipts.html",
        {
            "rows": rows,
            "q": q,
            "filing": filing,
            "role": selectors.role(request.user),
            "states": states,
            "export_query": export_query(q),
            **pager(total, number, q),
        },
    )


def port_filing_list(request):
    return forms_list(request, filing=True)


def _form_page(request, f, *, errors=None, confirm=None, data=None, status=200):
    r = selectors.role(request.user)
    return render(
        request,
        "web/export_receipt_form.html",
        {
            "f": f,
            "role": r,
            "holder": selectors.holder_name(f.enterprise),
            "port_name": selectors.port_name(f.port),
            "port_form": _port_form(data if confirm is None else None),
            "decl_form": decorate_form(DeclarationForm(initial=data or {})),
            "names": _port_names(data),
            "errors": errors or {},
            "confirm": confirm,
            "data": data or {},
            "can": {
                "port": r == selectors.ENTERPRISE and f.state == FormState.ISSUED,
                "revoke": r == selectors.ENTERPRISE and f.state == FormState.FILED,
                "hand_in": r == selectors.ENTERPRISE and f.state == FormState.DECLARED,
                "lost": r in (selectors.ENTERPRISE, selectors.BUREAU)
                and f.state in [s.value for s in LOSABLE],
                "write_off": r == selectors.BUREAU and f.state == FormState.HANDED_IN,
                "declare": r == selectors.CUSTOMS and f.state == FormState.FILED,
            },
        },
        status=status,
    )


# action -> (service call, the confirmation question, what is said when done)
ACTIONS = {
    "port": (
        lambda user, no, d, ip: services.port_filing(user, no, d.get("port"), ip=ip),
        lambda f, d: (
            _("确定将核销单 %(f)s 备案到口岸 %(p)s %(n)s 吗？")
            % {"f": f.form_no, "p": d.get("port"), "n": selectors.port_name(d.get("port", ""))}
        ),
        lambda f: _("设置成功：核销单 %(f)s 的使用口岸为 %(p)s。") % {"f": f.form_no, "p": f.port},
    ),
    "revoke": (
        lambda user, no, d, ip: services.revoke_filing(user, no, ip=ip),
        lambda f, d: _("确定撤销核销单 %(f)s 的口岸备案（%(p)s）吗？") % {"f": f.form_no, "p": f.port},
        lambda f: _("已撤销备案：核销单 %(f)s 可以重新备案口岸。") % {"f": f.form_no},
    ),
    "hand_in": (
        lambda user, no, d, ip: services.hand_in(user, no, ip=ip),
        lambda f, d: _("确定将核销单 %(f)s 交单给外汇局吗？") % {"f": f.form_no},
        lambda f: _("已交单：核销单 %(f)s。") % {"f": f.form_no},
    ),
    "lost": (
        lambda user, no, d, ip: services.report_lost(user, no, ip=ip),
        lambda f, d: _("挂失后核销单 %(f)s 不能再使用，确定挂失吗？") % {"f": f.form_no},
        lambda f: _("已挂失：核销单 %(f)s。") % {"f": f.form_no},
    ),
    "write_off": (
        lambda user, no, d, ip: services.write_off(user, no, ip=ip),
        lambda f, d: _("确定核销核销单 %(f)s 吗？") % {"f": f.form_no},
        lambda f: _("已核销：核销单 %(f)s。") % {"f": f.form_no},
    ),
    "declare": (
        lambda user, no, d, ip: services.record_declaration(user, no, d.get("decl_no"), ip=ip),
        lambda f, d: (
            _("确定登记核销单 %(f)s 用于出口报关单 %(d)s 吗？登记后企业不能撤销备案。")
            % {"f": f.form_no, "d": d.get("decl_no")}
        ),
        lambda f: _("已登记出口报关单 %(d)s：核销单 %(f)s 已报关。") % {"d": f.decl_no, "f": f.form_no},
    ),
}


def _precheck(action: str, f, data: dict) -> None:
    """What can be checked before the confirmation question (the field's own format), so a typo is shown
    beside its field rather than after 确定."""
    if action == "port":
        selectors.clean_port(data.get("port"))
    elif action == "declare":
        services.clean_decl_no(data.get("decl_no"), f.port)


@er_actor
def form_view(request, form_no):
    """One form: its record and what the actor may do with it now, each step confirmed first."""
    f = selectors.form_get(request.user, form_no)
    if request.method != "POST":
        return _form_page(request, f)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return _form_page(request, f, errors={"nonfield": _("请选择要办理的业务。")}, status=400)
    run, question, done = ACTIONS[action]
    data = {k: request.POST.get(k, "").strip() for k in ("port", "decl_no")}
    form = PortForm() if action == "port" else DeclarationForm()
    if request.POST.get("confirm") != "1":
        with Refusal() as refusal:
            _precheck(action, f, data)
        if refusal:
            return _form_page(request, f, errors=refusal.errors(form), data=data, status=refusal.status)
        return _form_page(
            request,
            f,
            confirm={"hidden": {**data, "action": action}, "question": question(f, data)},
            data=data,
        )
    with Refusal() as refusal:
        f = run(request.user, f.form_no, data, request.client_ip)
    if refusal:
        f = selectors.form_get(request.user, form_no)
        return _form_page(request, f, errors=refusal.errors(form), data=data, status=refusal.status)
    messages.success(request, done(f))
    return redirect("web:export_receipt_form", form_no=f.form_no)


# --- 核销单申请 and the 外汇局's 发单 ---------------------------------------------------------------------------


@er_actor
def request_new(request):
    """核销单申请: 申请份数 → 确认 → 核销单申请成功, with the 申请号."""
    with Refusal() as refusal:
        card = subsystem_card(request.user, selectors.SUBSYSTEM)  # a card holding it (a reviewer: refused)
    if refusal:
        return refusal.page(request)
    data = {"count": request.POST.get("count", "1").strip()}
    ctx: dict[str, Any] = {"errors": {}, "confirm": None}
    status = 200
    if request.method == "POST":
        with Refusal() as refusal:
            n = services.clean_count(data["count"], label=_("申请份数"))
            if request.POST.get("confirm") == "1":
                r = services.request_forms(request.user, n, ip=request.client_ip)
                messages.success(request, _("核销单申请成功，申请号：%(n)s。") % {"n": r.request_no})
                return redirect(f"{reverse('web:export_receipt_requests')}?request_no={r.request_no}")
            ctx["confirm"] = _("确定向外汇局申请 %(n)d 份出口收汇核销单吗？") % {"n": n}
        if refusal:
            ctx["errors"], status = refusal.errors(CountForm()), refusal.status
    form = decorate_form(CountForm(initial=data))
    bureau = selectors.forex_bureau(card.enterprise)
    return render(
        request,
        "web/export_receipt_request.html",
        {**ctx, "form": form, "data": data, "bureau": bureau, "names": {}},
        status=status,
    )


@er_actor
def requests_list(request):
    """The requests: the enterprise's own, or the bureau's enterprises' with 发单 on those not issued yet."""
    q = {k: request.GET.get(k, "").strip() for k in ("request_no", "state", "enterprise")}
    with Refusal() as refusal:
        qs = selectors.filter_requests(selectors.visible_requests(request.user), **q)
        if request.GET.get("export") == "xlsx":
            return exports.xlsx_response(request, "export_receipt_requests", qs, q)
    if refusal:
        return refusal.page(request)
    rows, total, number = page_of(request, qs)
    for row in rows:
        row.holder = selectors.holder_name(row.enterprise)
    return render(
        request,
        "web/export_receipt_requests.html",
        {
            "rows": rows,
            "q": q,
            "role": selectors.role(request.user),
            "states": RequestState.choices,
            "export_query": export_query(q),
            **pager(total, number, q),
        },
    )


@er_actor
def issue(request, request_no):
    """发单: the bureau issues forms for one request, as many as asked or fewer."""
    r = selectors.request_get(request.user, request_no)
    with Refusal() as refusal:
        selectors.require_bureau(request.user, _("发单"))
    if refusal:
        return refusal.page(request)
    data = {"count": request.POST.get("count", str(r.count)).strip()}
    errors, status = {}, 200
    if request.method == "POST":
        with Refusal() as refusal:
            forms = services.issue(request.user, r.request_no, data["count"], ip=request.client_ip)
        if not refusal:
            messages.success(
                request,
                _("已发单 %(n)d 份：核销单号 %(a)s 至 %(b)s。")
                % {"n": len(forms), "a": forms[0].form_no, "b": forms[-1].form_no},
            )
            return redirect(f"{reverse('web:export_receipts')}?request_no={r.request_no}")
        errors, status = refusal.errors(IssueForm()), refusal.status
    return render(
        request,
        "web/export_receipt_issue.html",
        {
            "r": r,
            "holder": selectors.holder_name(r.enterprise),
            "form": decorate_form(IssueForm(initial=data)),
            "errors": errors,
            "names": {},
            "requested": r.state == RequestState.REQUESTED,
        },
        status=status,
    )


# --- 批量备案 ---------------------------------------------------------------------------------------------


@er_actor
def batch(request):
    """批量备案: 起始号 + 份数 list the forms not yet filed; the ticked ones (全选 / 清除) are set to one port."""
    src = request.POST if request.method == "POST" else request.GET
    data = {k: src.get(k, "").strip() for k in ("start_no", "count", "port")}
    chosen = request.POST.getlist("form_nos") if request.method == "POST" else None
    rows, errors, confirm, status = None, {}, None, 200
    with Refusal() as refusal:
        subsystem_card(request.user, selectors.SUBSYSTEM)
    if refusal:
        return refusal.page(request)
    if data["start_no"] or data["count"] or request.method == "POST":
        with Refusal() as refusal:
            rows = services.batch_candidates(request.user, data["start_no"], data["count"])
        if refusal:
            errors, status, rows = refusal.errors(BatchQueryForm()), refusal.status, None
    if request.method == "POST" and rows is not None:
        with Refusal() as refusal:
            if not chosen:
                raise InvalidInput(Code.SELECTION_REQUIRED, _("请至少选择一份核销单。"), "form_nos")
            selectors.clean_port(data["port"])
            if request.POST.get("confirm") == "1":
                done = services.batch_port_filing(
                    request.user,
                    data["start_no"],
                    data["count"],
                    data["port"],
                    form_nos=chosen,
                    ip=request.client_ip,
                )
                messages.success(
                    request,
                    _("设置成功：%(n)d 份核销单的使用口岸为 %(p)s。") % {"n": len(done), "p": data["port"]},
                )
                return redirect(
                    f"{reverse('web:export_receipt_batch')}?start_no={data['start_no']}&count={data['count']}"
                )
            confirm = _("确定将所选 %(n)d 份核销单备案到口岸 %(p)s %(name)s 吗？") % {
                "n": len(chosen),
                "p": data["port"],
                "name": selectors.port_name(data["port"]),
            }
        if refusal:
            errors, status = refusal.errors(BatchPortForm()), refusal.status
    return render(
        request,
        "web/export_receipt_batch.html",
        {
            "rows": rows,
            "data": data,
            "chosen": set(chosen) if chosen is not None else None,
            "query_form": decorate_form(BatchQueryForm(initial=data)),
            "port_form": _port_form(data, form_class=BatchPortForm),
            "names": _port_names(data),
            "errors": errors,
            "confirm": confirm,
        },
        status=status,
    )
