"""企业操作员信息申报 / 注销申报 (legal card) and 操作员信息预录入 (card-less user): the list with its query,
the operator form (new, edit, change), one operator with its applications, and 注销申报. Views parse,
call the application engine and the operator selectors, and render; the rules are in operators.kinds."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eport import exports
from eport.accounts.permissions import is_card_less, is_legal_card
from eport.applications import selectors as app_selectors
from eport.applications import services
from eport.applications.kinds import get_kind
from eport.applications.models import EDITABLE_STATUSES, Status
from eport.errors import DomainError, NotFound
from eport.operators import selectors
from eport.operators.kinds import CANCELLATION, DECLARATION, OperatorCancellation
from eport.operators.models import OperatorStatus

from .access import enterprise_actor, legal_card_only
from .forms import kind_form
from .views import (
    _page,
    field_errors,
    page_count,
    posted,
    save_application,
)

FILTERS = ("operator_no", "status", "name", "id_no", "phone", "job_title")


def _pre_entry(user) -> bool:
    """The card-less user's screens are 操作员信息预录入: 暂存 only; 申报 comes with the network entry."""
    return is_card_less(user)


def _row(op, open_apps, user) -> dict:
    """What a row offers: edit the open declaration, start a change, delete a draft, cancel (legal card)."""
    decl, canc = open_apps.get(DECLARATION), open_apps.get(CANCELLATION)
    legal = is_legal_card(user)
    row = {"op": op, "declaration": decl, "cancellation": canc, "edit": None, "delete": None, "cancel": False}
    if decl is not None and decl.status in EDITABLE_STATUSES and get_kind(DECLARATION).may_change(user, decl):
        # read-only while a cancellation is in flight (a draft change may still be thrown away)
        row["edit"] = reverse("web:operator_edit", args=[decl.id]) if canc is None else None
        row["delete"] = decl if decl.status == Status.DRAFT else None
    elif legal and decl is None and canc is None and op.status == OperatorStatus.APPROVED:
        row["edit"] = reverse("web:operator_change", args=[op.operator_no])
    row["cancel"] = legal and canc is None and op.status == OperatorStatus.APPROVED
    return row


@enterprise_actor
def operators(request):
    q = {k: request.GET.get(k, "").strip() for k in FILTERS}
    error, rows, total, page = None, [], 0, 1
    try:
        qs = selectors.operators_query(request.user, **q)
        if request.GET.get("export") == "xlsx":
            return exports.xlsx_response(request, "operators", qs, q)
        items, total, page = _page(request, qs)
        open_apps = selectors.open_applications_of(items)
        rows = [_row(op, open_apps[op.operator_no], request.user) for op in items]
    except DomainError as e:
        error = e.message
    try:
        services.application_check_start(actor=request.user, kind=DECLARATION)
        add_refused = None
    except DomainError as e:
        add_refused = e.message
    keep = {k: v for k, v in q.items() if v}
    return render(
        request,
        "web/operators.html",
        {
            "q": q,
            "error": error,
            "rows": rows,
            "total": total,
            "page": page,
            "pages": page_count(total),
            "querystring": urlencode(keep),
            "export_query": urlencode({**keep, "export": "xlsx"}),
            "statuses": OperatorStatus.choices,
            "add_refused": add_refused,
            "pre_entry": _pre_entry(request.user),
            "enterprise": request.user.enterprise,
            "entry": _entry_of(request.user),
        },
    )


def _entry_of(user):
    """The 三证合一 data the pre-entry form shows (the saved entry), or the master record once in the network."""
    entry = app_selectors.applications_list(user, kind="enterprise_entry").first()
    data = entry.data if entry is not None else {}
    return {
        "uscc": data.get("uscc") or user.enterprise.code,
        "name": data.get("name") or user.enterprise.name,
    }


def _form_page(request, *, app=None, operator=None, data=None, exc=None):
    pre = _pre_entry(request.user)
    kind = get_kind(DECLARATION)
    if data is None:
        data = (
            app.data
            if app
            else ({f: getattr(operator, f) for f in kind.form_class.base_fields} if operator else {})
        )
    form = kind_form(kind, data)
    entry = _entry_of(request.user)
    operator_no = (app.data.get("operator_no") if app else None) or (operator.operator_no if operator else "")
    fixed = [
        (_("企业统一社会信用代码"), entry["uscc"]),
        (_("企业名称"), entry["name"]),
        (_("操作员统一编号"), operator_no or _("保存后自动生成")),
    ]
    if operator is not None or (app is not None and _is_change(app)):
        title = _("企业操作员信息变更")
    elif pre:
        title = _("操作员信息预录入")
    else:
        title = _("企业操作员信息申报")
    hint = (
        _("证件类别和证件号码为必填项；企业入网时，预录入的操作员自动申报，由数据分中心审核。")
        if pre
        else None
    )
    return render(
        request,
        "web/kind_form.html",
        {
            "title": title,
            "app": app,
            "form": form,
            "fixed": fixed,
            "errors": field_errors(form, exc) if exc else {},
            "can_submit": not pre,
            "hint": hint,
            "back_url": reverse("web:operators"),
        },
        status=exc.status if exc else 200,
    )


def _is_change(app) -> bool:
    """A declaration about an operator approved before it (the first one leaves it unapproved)."""
    return app.enterprise.operators.filter(
        operator_no=app.data.get("operator_no"),
        status__in=[OperatorStatus.APPROVED, OperatorStatus.CANCELLED],
    ).exists()


def _done(request, app, submitted):
    if submitted:
        messages.success(request, _("申报成功，请等待数据分中心审核。"))
    elif _pre_entry(request.user):
        messages.success(
            request,
            _("暂存成功（操作员统一编号 %(no)s），可以继续添加操作员。") % {"no": app.data["operator_no"]},
        )
        return redirect("web:operator_new")
    else:
        messages.success(request, _("暂存成功（操作员统一编号 %(no)s）。") % {"no": app.data["operator_no"]})
    return redirect("web:operator", app.data["operator_no"])


@enterprise_actor
def operator_new(request):
    if request.method != "POST":
        try:
            services.application_check_start(actor=request.user, kind=DECLARATION)
        except DomainError as e:
            messages.error(request, e.message)
            return redirect("web:operators")
        return _form_page(request)
    data = posted(request, get_kind(DECLARATION).form_class)
    try:
        app, submitted = save_application(request, kind=DECLARATION, data=data)
    except DomainError as e:
        return _form_page(request, data=data, exc=e)
    return _done(request, app, submitted)


@enterprise_actor
def operator_edit(request, app_id):
    app = app_selectors.application_get(request.user, app_id)
    if app.kind != DECLARATION:
        raise NotFound("application_not_found", _("没有找到这条申请。"))
    if app.status not in EDITABLE_STATUSES:
        messages.info(request, _("申报正在审核中或已审核通过，只可以查看，不能修改。"))
        return redirect("web:operator", app.data["operator_no"])
    if request.method != "POST":
        return _form_page(request, app=app)
    data = posted(request, get_kind(DECLARATION).form_class, operator_no=app.data["operator_no"])
    try:
        app, submitted = save_application(request, kind=DECLARATION, app=app, data=data)
    except DomainError as e:
        app.refresh_from_db()
        return _form_page(request, app=app, data=data, exc=e)
    return _done(request, app, submitted)


@legal_card_only
def operator_change(request, operator_no):
    """修改 of an approved operator: a change declaration, reviewed by the sub-centre like the first one."""
    op = selectors.operator_get(request.user, operator_no)
    try:
        services.application_check_start(
            actor=request.user, kind=DECLARATION, data={"operator_no": op.operator_no}
        )
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("web:operator", op.operator_no)
    if request.method != "POST":
        return _form_page(request, operator=op)
    data = posted(request, get_kind(DECLARATION).form_class, operator_no=op.operator_no)
    try:
        app, submitted = save_application(request, kind=DECLARATION, data=data)
    except DomainError as e:
        return _form_page(request, operator=op, data=data, exc=e)
    return _done(request, app, submitted)


@enterprise_actor
def operator(request, operator_no):
    op = selectors.operator_get(request.user, operator_no)
    open_apps = selectors.open_applications_of([op])[op.operator_no]
    apps = list(selectors.operator_applications(op).prefetch_related("steps__unit"))
    return render(
        request,
        "web/operator.html",
        {
            "op": op,
            "row": _row(op, open_apps, request.user),
            "applications": apps,
            "kinds": {DECLARATION: get_kind(DECLARATION).label, CANCELLATION: get_kind(CANCELLATION).label},
            "cards": op.cards.select_related("certificate").order_by("-id"),
        },
    )


@legal_card_only
def operator_cancel(request, operator_no):
    """注销申报: the operator, and whether it may be cancelled now (each refusal with its own message)."""
    op = selectors.operator_get(request.user, operator_no)
    refusal = None
    if request.method == "POST":
        try:
            app, _submitted = save_application(
                request, kind=CANCELLATION, data={"operator_no": op.operator_no}
            )
        except DomainError as e:
            refusal = e.message
        else:
            messages.success(request, _("注销申报成功（%(n)s），请等待数据分中心审核。") % {"n": app.number})
            return redirect("web:operator", op.operator_no)
    else:
        try:
            services.application_check_start(
                actor=request.user, kind=CANCELLATION, data={"operator_no": op.operator_no}
            )
            OperatorCancellation.cancellable(op.enterprise, op.operator_no)
        except DomainError as e:
            refusal = e.message
    return render(
        request,
        "web/operator_cancel.html",
        {"op": op, "refusal": refusal, "cards": op.cards.order_by("-id")},
        status=409 if refusal and request.method == "POST" else 200,
    )


@enterprise_actor
@require_POST
def operator_delete(request, app_id):
    """删除: only a draft (the manual: 只可以删除审核状态为暂存的记录)."""
    try:
        services.application_delete(actor=request.user, application_id=app_id)
    except NotFound:
        raise
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("已删除。"))
    return redirect("web:operators")
