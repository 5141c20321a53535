"""企业操作员信息申报 / 注销申报 (legal card) and 操作员信息预录入 (card-less user): the list with its query,
the operator form (new, edit, change), one operator with its applications, and 注销申报. Views parse,
call the application engine and the operator selectors, and render; the rules are in operators.kinds."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eport import exports
from eport.accounts.permissions import is_card_less, is_legal_card
from eport.applications import selectors as app_selectors
from eport.applications.kinds import get_kind
from eport.enterprises.kinds import EnterpriseEntry
from eport.errors import NotFound
from eport.operators import selectors
from eport.operators.kinds import CANCELLATION, DECLARATION
from eport.operators.models import OperatorStatus
from eport.web.codes import Code

from .access import enterprise_actor, legal_card_only
from .applications import deleting
from .forms import kind_form
from .pages import ApplicationPage, posted
from .paging import export_query, page_of, pager
from .refusals import Refusal, start_refusal

FILTERS = ("operator_no", "status", "name", "id_no", "phone", "job_title")


def _pre_entry(user) -> bool:
    """The card-less user's screens are 操作员信息预录入: 暂存 only; 申报 comes with the network entry."""
    return is_card_less(user)


def _row(op, open_apps, user) -> dict:
    """What a row offers: edit the open declaration, start a change, delete a draft, cancel (legal card)."""
    decl, canc = open_apps.get(DECLARATION), open_apps.get(CANCELLATION)
    legal = is_legal_card(user)
    approved = op.status == OperatorStatus.APPROVED
    row = {
        "op": op,
        "declaration": decl,
        "cancellation": canc,
        "changing": decl is not None and approved,  # a change of the approved record is open
        "edit": None,
        "delete": None,
        "cancel": False,
    }
    if decl is not None and decl.is_editable and get_kind(DECLARATION).may_change(user, decl):
        # read-only while a cancellation is in flight (a draft change may still be thrown away)
        row["edit"] = reverse("web:operator_edit", args=[decl.id]) if canc is None else None
        row["delete"] = decl if decl.is_deletable else None
    elif legal and decl is None and canc is None and approved:
        row["edit"] = reverse("web:operator_change", args=[op.operator_no])
    row["cancel"] = legal and canc is None and approved
    return row


@enterprise_actor
def operators(request):
    q = {k: request.GET.get(k, "").strip() for k in FILTERS}
    rows, total, page = [], 0, 1
    with Refusal() as refusal:  # e.g. a status the query does not know: said above the empty list
        qs = selectors.operators_query(request.user, **q)
        if request.GET.get("export") == "xlsx":
            return exports.xlsx_response(request, "operators", qs, q)
        items, total, page = page_of(request, qs)
        open_apps = selectors.open_applications_of(items)
        rows = [_row(op, open_apps[op.operator_no], request.user) for op in items]
    return render(
        request,
        "web/operators.html",
        {
            "q": q,
            "error": refusal.message,
            "rows": rows,
            **pager(total, page, q),
            "export_query": export_query(q),
            "statuses": OperatorStatus.choices,
            "add_refused": start_refusal(request.user, DECLARATION).message,
            "pre_entry": _pre_entry(request.user),
            "enterprise": request.user.enterprise,
            "entry": _entry_of(request.user),
        },
    )


def _entry_of(user):
    """The 三证合一 data the pre-entry form shows (the saved entry), or the master record once in the network."""
    entry = app_selectors.applications_list(user, kind=EnterpriseEntry.code).first()
    data = entry.data if entry is not None else {}
    return {
        "uscc": data.get("uscc") or user.enterprise.code,
        "name": data.get("name") or user.enterprise.name,
    }


def _form_page(page: ApplicationPage, operator=None):
    """The operator form (新增, 修改 of a declaration, 变更 of an approved operator) on the one application
    page: its data (or what was posted), the refusal beside the fields."""
    request, app = page.request, page.app
    pre = _pre_entry(request.user)
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
    return page.render(
        "web/kind_form.html",
        kind_form(page.kind, page.form_data),
        title=title,
        fixed=fixed,
        can_submit=not pre,
        hint=hint,
        back_url=reverse("web:operators"),
    )


def _is_change(app) -> bool:
    """A declaration about an operator approved before it (the first one leaves it unapproved)."""
    return app.enterprise.operators.filter(
        operator_no=app.data.get("operator_no"),
        status__in=[OperatorStatus.APPROVED, OperatorStatus.CANCELLED],
    ).exists()


def _done(request):
    """After 暂存 / 申报 of the operator form: the message (with the 操作员统一编号) and where next."""

    def done(app, submitted):
        text = get_kind(DECLARATION).declared_message(app, submitted)
        if not submitted and _pre_entry(request.user):
            messages.success(request, _("%(saved)s 可以继续添加操作员。") % {"saved": text})
            return redirect("web:operator_new")
        messages.success(request, text)
        return redirect("web:operator", app.data["operator_no"])

    return done


def _posted(request, **fixed) -> dict:
    return posted(request, get_kind(DECLARATION).form_class, **fixed)


@enterprise_actor
def operator_new(request):
    page = ApplicationPage(request, DECLARATION, app=None)
    if not page.posting:
        if page.start_refusal:
            page.start_refusal.flash(request)
            return redirect("web:operators")
        return _form_page(page)
    return page.save(_posted(request), done=_done(request)) or _form_page(page)


@enterprise_actor
def operator_edit(request, app_id):
    app = app_selectors.application_get(request.user, app_id)
    if app.kind != DECLARATION:
        raise NotFound(Code.APPLICATION_NOT_FOUND, _("没有找到这条申请。"))
    if not app.is_editable:
        messages.info(request, _("申报正在审核中或已审核通过，只可以查看，不能修改。"))
        return redirect("web:operator", app.data["operator_no"])
    page = ApplicationPage(request, DECLARATION, app=app)
    if not page.posting:
        return _form_page(page)
    data = _posted(request, operator_no=app.data["operator_no"])
    return page.save(data, done=_done(request)) or _form_page(page)


@legal_card_only
def operator_change(request, operator_no):
    """修改 of an approved operator: a change declaration, reviewed by the sub-centre like the first one."""
    op = selectors.operator_get(request.user, operator_no)
    kind = get_kind(DECLARATION)
    page = ApplicationPage(
        request,
        DECLARATION,
        app=None,
        subject={"operator_no": op.operator_no},
        initial={f: getattr(op, f) for f in kind.form_class.base_fields},
    )
    if page.start_refusal:
        page.start_refusal.flash(request)
        return redirect("web:operator", op.operator_no)
    if not page.posting:
        return _form_page(page, operator=op)
    data = _posted(request, operator_no=op.operator_no)
    return page.save(data, done=_done(request)) or _form_page(page, operator=op)


@enterprise_actor
def operator(request, operator_no):
    op = selectors.operator_get(request.user, operator_no)
    open_apps = selectors.open_applications_of([op])[op.saved_no]
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
            "cards_linked": is_legal_card(request.user),  # its IC卡自主管理 opens each card
        },
    )


@legal_card_only
def operator_cancel(request, operator_no):
    """注销申报: the operator, and whether it may be cancelled now (each refusal with its own message)."""
    op = selectors.operator_get(request.user, operator_no)
    page = ApplicationPage(request, CANCELLATION, app=None, subject={"operator_no": op.operator_no})
    if request.method == "POST":

        def done(app, _submitted):
            messages.success(request, page.kind.declared_message(app, True))
            return redirect("web:operator", op.operator_no)

        saved = page.save({"operator_no": op.operator_no}, done=done)
        if saved is not None:
            return saved
    # The kind's start check is the whole rule (in the network, registered here, approved, no live card).
    refusal = page.refusal if request.method == "POST" else page.start_refusal
    return render(
        request,
        "web/operator_cancel.html",
        {"op": op, "refusal": refusal.message, "cards": op.cards.order_by("-id")},
        status=page.refusal.status,
    )


@enterprise_actor
@require_POST
def operator_delete(request, app_id):
    """删除: only a draft (the manual: 只可以删除审核状态为暂存的记录)."""
    deleting(request, app_id)
    return redirect("web:operators")
