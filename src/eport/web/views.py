"""Screens: parse the form, call the same services as the API, render. No business rule lives here."""

import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eport import exports
from eport.accounts import services as accounts
from eport.accounts.models import UserKind
from eport.accounts.permissions import CARD_KINDS, STAFF
from eport.accounts.trust import trust_refusal
from eport.applications import reads, selectors, services
from eport.applications.kinds import all_kinds, get_kind
from eport.applications.models import EDITABLE_STATUSES, DocType, Status
from eport.cards.models import Card, CardState
from eport.enterprises import registration
from eport.enterprises.forms import EnterpriseDataForm
from eport.enterprises.kinds import EnterpriseDataKind
from eport.errors import DomainError, NotFound
from eport.pagination import paginate
from eport.refdata.models import Unit
from eport.registry.adapters import registry
from eport.registry.models import RegistryStatus

from .access import (
    application_reader,
    enterprise_actor,
    enterprise_only,
    legal_card_only,
    reviewer_only,
    signed_in,
)
from .forms import code_names, entry_form, kind_form
from .links import edit_url

PAGE_SIZE = 10


def _errors(exc: DomainError) -> dict:
    """Field -> message for the template; "nonfield" for refusals that name no field."""
    out = {}
    for d in exc.details or [{"field": exc.field, "message": str(exc.message)}]:
        out.setdefault(d["field"] or "nonfield", d["message"])
    if exc.field is None and "nonfield" not in out:
        out["nonfield"] = str(exc.message)
    return out


# --- landing, sign-in, registration -------------------------------------------------------------


def home(request):
    if request.user.is_authenticated:
        if request.user.kind == UserKind.CARDLESS:
            return redirect("web:account" if trust_refusal(request.user) else "web:entries")
        if request.user.kind in STAFF:
            return redirect("web:reviews")
        if request.user.kind in CARD_KINDS:
            return redirect("web:card_home")
        return redirect("admin:index")
    return render(
        request,
        "web/landing.html",
        {"demo_accounts": _demo_list("demo_accounts.json"), "demo_cards": _demo_list("demo_cards.json")},
    )


def _demo_list(filename: str) -> list:
    """What `eport demo` wrote (accounts and cards with their passwords): shown only in demo mode."""
    path = settings.DATA_DIR / filename
    return json.loads(path.read_text()) if settings.DEMO_MODE and path.exists() else []


def login(request):
    error, username, status = None, "", 200
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        try:
            user = accounts.password_sign_in(
                request=request, username=username, password=request.POST.get("password", "")
            )
        except DomainError as e:
            error, status = e.message, e.status
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            nxt = request.GET.get("next", "")
            if user.must_change_password:
                return redirect("web:password_change")
            safe = url_has_allowed_host_and_scheme(
                nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            return redirect(nxt if nxt and safe else "web:home")
    return render(request, "web/login.html", {"error": error, "username": username}, status=status)


@require_POST
def logout(request):
    auth_logout(request)
    return redirect("web:home")


def register(request):
    errors, values = {}, {}
    if request.method == "POST":
        values = {
            k: request.POST.get(k, "")
            for k in ("username", "uscc", "enterprise_name", "contact_name", "phone", "email")
        }
        try:
            registration.account_register(data={**values, "password": request.POST.get("password", "")})
        except DomainError as e:
            errors = _errors(e)
        else:
            messages.success(request, _("注册成功，确认邮件已发送到您的电子邮箱，请使用新账号登录。"))
            return redirect("web:login")
    return render(request, "web/register.html", {"errors": errors, "values": values})


@signed_in()
def password_change(request):
    errors = {}
    if request.method == "POST":
        try:
            accounts.password_change(user=request.user, data=request.POST)
        except DomainError as e:
            errors = _errors(e)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("web:home")
    return render(
        request, "web/password_change.html", {"errors": errors, "forced": request.user.must_change_password}
    )


# --- applications: 三证合一信息管理 and 业务办理状态查询 -------------------------------------------


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def _page(request, qs, deferred_join=False, count_limit=None):
    """The requested page of a list, or the first page when the number is unusable."""
    try:
        page = int(request.GET.get("page") or 1)
        return (*paginate(qs, page, PAGE_SIZE, deferred_join=deferred_join, count_limit=count_limit), page)
    except (DomainError, ValueError):
        return (*paginate(qs, 1, PAGE_SIZE, deferred_join=deferred_join, count_limit=count_limit), 1)


# 业务办理状态查询 lists what each enterprise actor files (SPEC §3: 三证合一 and 补办法人卡 for the card-less).
_FILINGS = ("commerce_filing", "customs_filing", "forex_filing")
STATUS_KINDS = {
    UserKind.CARDLESS: ("enterprise_entry", "legal_card_reissue", *_FILINGS),
    UserKind.LEGAL_CARD: (
        "enterprise_change",
        "operator_declaration",
        "operator_cancellation",
        *_FILINGS,
        "card_customs_filing",
        "card_forex_filing",
        "card_permission",
    ),
}


def _list(request, kind: str | None, template: str):
    q = {k: request.GET.get(k, "") for k in ("status", "submitted_from", "submitted_to", "kind")}
    kinds = STATUS_KINDS[request.user.kind] if kind is None else (kind,)
    if q["kind"] not in kinds:
        q["kind"] = ""
    error, page_items, total, page = None, [], 0, 1
    try:
        qs = selectors.applications_list(
            request.user,
            kind=q["kind"] or None,
            kinds=kinds,
            status=q["status"] or None,
            submitted_from=q["submitted_from"],
            submitted_to=q["submitted_to"],
        )
        if request.GET.get("export") == "xlsx":
            return exports.xlsx_response(request, "applications", qs, {**q, "kind": q["kind"] or kind or ""})
        page_items, total, page = _page(request, qs.select_related("enterprise"))
    except DomainError as e:
        error = e.message
    pages = page_count(total)
    enterprise = request.user.enterprise
    try:
        services.application_check_start(actor=request.user, kind="enterprise_entry")
        can_add, add_refused = True, None
    except DomainError as e:
        can_add, add_refused = False, e.message
    querystring = urlencode({k_: v for k_, v in q.items() if v})
    labels = {c: str(kk.label) for c, kk in all_kinds().items()}
    return render(
        request,
        template,
        {
            "q": q,
            "error": error,
            "items": page_items,
            "total": total,
            "page": page,
            "pages": pages,
            "querystring": querystring,
            "export_query": urlencode({**{k_: v for k_, v in q.items() if v}, "export": "xlsx"}),
            "statuses": Status.choices,
            "enterprise": enterprise,
            "can_add": can_add,
            "add_refused": add_refused,
            "kinds": labels,
            "kind_choices": [(k_, labels[k_]) for k_ in kinds] if kind is None else [],
            "editable": EDITABLE_STATUSES,
        },
    )


@enterprise_only
def entries(request):
    return _list(request, "enterprise_entry", "web/entries.html")


@enterprise_actor
def status_query(request):
    return _list(request, None, "web/status.html")


def save_application(request, *, kind: str, app=None, data: dict):
    """暂存 (create or edit) and, for 申报, submit — in one transaction: saved and submitted together, or
    neither. Returns (application, submitted)."""
    submit = request.POST.get("action") == "submit"
    app = services.application_save(
        actor=request.user,
        kind=kind,
        application_id=app.id if app is not None else None,
        data=data,
        version=request.POST.get("version"),
        submit=submit,
    )
    return app, submit


def field_errors(form, exc: DomainError) -> dict:
    """The refusal's messages by field; one naming no field of the form goes to the top (e.g. stale version)."""
    errors = _errors(exc)
    for key in [k for k in errors if k not in form.fields and k != "nonfield"]:
        errors.setdefault("nonfield", errors.pop(key))
    return errors


def _entry_page(request, app=None, *, kind="enterprise_entry", data=None, exc=None, extra=None):
    """The 三证合一 form: new or edited entry (card-less user), or the legal card's change."""
    enterprise = request.user.enterprise
    k = get_kind(kind)
    if data is None:
        data = app.data if app else k.initial_data(enterprise=enterprise)
    form = entry_form(data, uscc_editable=not enterprise.uscc)  # first approved by organization code
    entry = registry().lookup(data.get("uscc") or enterprise.code)
    return render(
        request,
        "web/entry_form.html",
        {
            "registry_status": RegistryStatus(entry.status) if entry else None,
            "registry_abnormal": bool(entry) and entry.status != RegistryStatus.NORMAL,
            "app": app,
            "kind": k,
            "form": form,
            "errors": field_errors(form, exc) if exc else {},
            "doc_types": DocType.choices,
            "attachments": app.attachments.all() if app else [],
            "steps": app.steps.select_related("unit") if app else [],
            **(extra or {}),
        },
        status=exc.status if exc else 200,
    )


def posted(request, form_class, **fixed) -> dict:
    """A kind's data as the screen posted it: its form's fields, trimmed (plus what the screen fixes)."""
    return {**{name: request.POST.get(name, "").strip() for name in form_class.base_fields}, **fixed}


def _posted_entry(request) -> dict:
    return posted(request, EnterpriseDataForm)


def declared(request, app, submitted: bool, *, done=None) -> None:
    """The message after 暂存 / 申报 of a single-application screen: approved at once (a kind's data rule,
    a unit's auto-review) or waiting for review."""
    if not submitted:
        text = _("暂存成功。")
    elif app.status == Status.APPROVED:
        text = _("申报成功，审核通过。")
    else:
        text = done or _("申报成功，请等待审核。")
    messages.success(request, text)


def _saved(request, submitted: bool) -> None:
    messages.success(
        request, _("申报成功，请等待审核。") if submitted else _("暂存成功，可以继续上传随附单据。")
    )


@enterprise_only
def entry_new(request):
    if request.method != "POST":
        try:
            services.application_check_start(actor=request.user, kind="enterprise_entry")
        except DomainError as e:
            messages.error(request, e.message)
            return redirect("web:entries")
        return _entry_page(request)
    data = _posted_entry(request)
    try:
        app, submitted = save_application(request, kind="enterprise_entry", data=data)
    except DomainError as e:
        return _entry_page(request, data=data, exc=e)
    _saved(request, submitted)
    return redirect("web:application_view" if submitted else "web:entry_edit", app.id)


@enterprise_only
def entry_edit(request, app_id):
    app = selectors.application_get(request.user, app_id)
    if app.status not in EDITABLE_STATUSES or app.kind != "enterprise_entry":
        messages.info(request, _("申请正在审核中或已审核通过，只可以查看，不能修改。"))
        return redirect("web:application_view", app.id)
    if request.method != "POST":
        return _entry_page(request, app)
    data = _posted_entry(request)
    try:
        app, submitted = save_application(request, kind="enterprise_entry", app=app, data=data)
    except DomainError as e:
        app.refresh_from_db()
        return _entry_page(request, app, data=data, exc=e)
    _saved(request, submitted)
    return redirect("web:application_view" if submitted else "web:entry_edit", app.id)


@legal_card_only
def enterprise_change(request):
    """三证合一信息变更: the open change — editable while DRAFT or RETURNED (a draft can be deleted), its
    steps (操作中心 and every joint-review unit) while in review — or a new one from the master record."""
    app = selectors.open_application(request.user.enterprise, "enterprise_change")
    latest = selectors.applications_list(request.user, kind="enterprise_change").first()
    extra = {"latest": latest if latest and latest != app else None, "back_url": reverse("web:card_home")}
    if request.method == "POST":
        if request.POST.get("action") == "delete" and app is not None:
            _act(
                request,
                lambda: services.application_delete(actor=request.user, application_id=app.id),
                _("已删除。"),
            )
            return redirect("web:enterprise_change")
        data = _posted_entry(request)
        try:
            app, submitted = save_application(request, kind="enterprise_change", app=app, data=data)
        except DomainError as e:
            if app is not None:
                app.refresh_from_db()
            return _entry_page(request, app, kind="enterprise_change", data=data, exc=e, extra=extra)
        _saved(request, submitted)
        return redirect("web:enterprise_change")
    if app is not None and app.status not in EDITABLE_STATUSES:
        return render(
            request, "web/application_view.html", {"app": app, **application_context(app, request.user)}
        )
    if app is None:
        try:
            services.application_check_start(actor=request.user, kind="enterprise_change")
        except DomainError as e:
            return render(request, "web/error.html", {"message": e.message}, status=e.status)
    return _entry_page(request, app, kind="enterprise_change", extra=extra)


@application_reader
def application_view(request, app_id):
    """One application of any kind, read-only, with its review steps (the applicant and its reviewers)."""
    app = selectors.application_get(request.user, app_id)
    reads.application_viewed(request.user, app)
    return render(
        request, "web/application_view.html", {"app": app, **application_context(app, request.user)}
    )


def application_context(app, user) -> dict:
    """What the read-only screens (view, review) show of an application: the 三证合一 form for the
    enterprise kinds, the kind's own rows for the others; steps, attachments, the edit link."""
    kind = get_kind(app.kind)
    ctx = {
        "kind": kind,
        "steps": app.steps.select_related("unit", "reviewer"),
        "attachments": app.attachments.all(),
        "edit_url": edit_url(app, user),
    }
    if isinstance(kind, EnterpriseDataKind):
        ctx.update(form=entry_form(app.data), names=code_names(app.data), checks=kind.check_rows(app))
    else:
        e = app.enterprise
        ctx["rows"] = (
            [(_("统一社会信用代码"), e.code), (_("企业名称"), e.name)]
            + kind.display_rows(app.data)
            + kind.check_rows(app)
        )
    return ctx


def _act(request, action, done: str) -> None:
    """Run a one-click action (POST from a list or panel) and tell the user how it went.

    NotFound propagates (the decorator answers 404); any other refusal becomes a message."""
    try:
        action()
    except NotFound:
        raise
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, done)


BACK_PATHS = ("/entries/", "/status/", "/operators/", "/reissue/")


@enterprise_actor
@require_POST
def application_delete(request, app_id):
    _act(
        request, lambda: services.application_delete(actor=request.user, application_id=app_id), _("已删除。")
    )
    back = request.POST.get("back")
    return redirect(back if back in BACK_PATHS else "web:status")


def _back_to_edit(request, app_id):
    app = selectors.application_get(request.user, app_id)
    return redirect(edit_url(app, request.user) or reverse("web:application_view", args=[app.id]))


@enterprise_actor
@require_POST
def attachment_upload(request, app_id):
    _act(
        request,
        lambda: services.attachment_add(
            actor=request.user,
            application_id=app_id,
            doc_type=request.POST.get("doc_type", ""),
            upload=request.FILES.get("file"),
        ),
        _("上传成功。"),
    )
    return _back_to_edit(request, app_id)


@enterprise_actor
@require_POST
def attachment_delete(request, app_id, att_id):
    _act(
        request,
        lambda: services.attachment_delete(actor=request.user, application_id=app_id, attachment_id=att_id),
        _("已删除随附单据。"),
    )
    return _back_to_edit(request, app_id)


@application_reader
def attachment_download(request, app_id, att_id):
    att = selectors.attachment_get(request.user, app_id, att_id)
    reads.attachment_downloaded(request.user, att)
    return FileResponse(att.file.open("rb"), content_type=att.content_type, filename=att.original_name)


# --- review --------------------------------------------------------------------------------------


@reviewer_only
def reviews(request):
    status = request.GET.get("status", "pending")
    status = status if status in selectors.QUEUE_FILTERS else "pending"
    name = request.GET.get("enterprise_name", "").strip()
    items, total, page = _page(
        request, selectors.review_queue(request.user, status=status, enterprise_name=name), deferred_join=True
    )
    querystring = urlencode({"status": status, **({"enterprise_name": name} if name else {})})
    return render(
        request,
        "web/reviews.html",
        {
            "items": items,
            "total": total,
            "status": status,
            "page": page,
            "pages": page_count(total),
            "enterprise_name": name,
            "querystring": querystring,
            "kinds": {c: str(k.label) for c, k in all_kinds().items()},
        },
    )


@reviewer_only
def review(request, step_id):
    step = selectors.step_get(request.user, step_id)
    errors = {}
    actions = {"approve": services.step_approve, "return": services.step_return}
    if request.method == "POST" and request.POST.get("action") not in actions:
        errors = {"nonfield": _("请选择审核通过或退回。")}
    elif request.method == "POST":
        action = actions[request.POST["action"]]
        try:
            action(actor=request.user, step_id=step.id, opinion=request.POST.get("opinion", ""))
        except DomainError as e:
            errors = _errors(e)
        else:
            messages.success(request, _("审核通过。") if action is services.step_approve else _("已退回。"))
            return _after_review(request, step)
    app = step.application
    reads.application_viewed(request.user, app)
    return render(
        request,
        "web/review.html",
        {
            "step": step,
            "app": app,
            "errors": errors,
            "opinion": request.POST.get("opinion", ""),
            **application_context(app, request.user),
        },
        status=400 if errors else 200,
    )


def _after_review(request, step):
    """Back to the queue; after the sub-centre's approval of what needs a card, on to 制卡 with it filled in."""
    app = step.application
    app.refresh_from_db(fields=["status"])
    if request.user.kind == UserKind.RA and app.status == Status.APPROVED:
        uscc = app.enterprise.code
        if app.kind == "legal_card_reissue":
            messages.info(request, _("补办法人卡已审核通过，原法人卡已作废，请为企业制作新的法人卡。"))
            return redirect(reverse("web:ra_card_new") + "?" + urlencode({"kind": "legal", "uscc": uscc}))
        if (
            app.kind == "operator_declaration"
            and not Card.objects.filter(operator__operator_no=app.data.get("operator_no"))
            .exclude(state=CardState.VOIDED)
            .exists()
        ):
            messages.info(request, _("操作员信息已审核通过，可以为其制作操作员卡。"))
            return redirect(
                reverse("web:ra_card_new")
                + "?"
                + urlencode(
                    {"kind": "operator", "uscc": uscc, "operator_no": app.data.get("operator_no", "")}
                )
            )
    return redirect("web:reviews")


@reviewer_only
def auto_review(request):
    unit = request.user.unit
    if request.method == "POST":
        try:
            unit = services.unit_set_auto_review(
                actor=request.user,
                unit_id=request.POST.get("unit", ""),
                enabled=request.POST.get("enabled") == "1",
            )
        except DomainError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, _("自动审核已开启。") if unit.auto_review else _("自动审核已关闭。"))
        return redirect("web:auto_review")
    below = Unit.objects.filter(parent=unit).order_by("code")[:200]
    return render(request, "web/auto_review.html", {"unit": unit, "below": below})


# --- 补办法人卡 (card-less user) ----------------------------------------------------------------------


def application_page(
    request,
    kind_code: str,
    *,
    title,
    hint,
    done,
    history_title,
    state=None,
    notices=(),
    readonly_form=None,
    names=None,
):
    """The screen of a kind an enterprise holds one open application of at a time (补办法人卡, the
    企业备案 filings): the open application — editable while DRAFT or RETURNED, its steps while in
    review — or a new one when it may start (else why not); earlier ones below.

    `state` overrides the red 当前状态 line (a filing says 备案通过); `readonly_form` shows what was
    filed instead of a form; `notices` are (id, text) warnings shown above the form."""
    kind = get_kind(kind_code)
    app = selectors.open_application(request.user.enterprise, kind.code)
    exc, data = None, None
    if (
        request.method == "POST"
        and readonly_form is None
        and (app is None or app.status in EDITABLE_STATUSES)
    ):
        data = posted(request, kind.form_class)
        try:
            app, submitted = save_application(request, kind=kind.code, app=app, data=data)
        except DomainError as e:
            exc = e
            if app is not None:
                app.refresh_from_db()
        else:
            declared(request, app, submitted, done=done)
            return redirect(request.path)
    refused = None
    if app is None and readonly_form is None:
        try:
            services.application_check_start(actor=request.user, kind=kind.code)
        except DomainError as e:
            refused = e.message
    if readonly_form is not None:
        form = readonly_form
    else:
        form = kind_form(
            kind,
            data
            if data is not None
            else (app.data if app else kind.initial_data(enterprise=request.user.enterprise)),
        )
    history = selectors.applications_list(request.user, kind=kind.code)
    return render(
        request,
        "web/application_page.html",
        {
            "title": title,
            "hint": hint,
            "history_title": history_title,
            "notices": notices,
            "names": names or {},
            "state": state or (app.get_status_display() if app else _("未申请")),
            "app": app,
            "form": form,
            "errors": field_errors(form, exc) if exc else {},
            "refused": refused,
            "editable": readonly_form is None and (app is None or app.status in EDITABLE_STATUSES),
            "steps": app.steps.select_related("unit") if app else [],
            "history": history[:20],
            "doc_types": [(d, DocType(d).label) for d in kind.doc_types],
            "attachments": app.attachments.all() if app else [],
        },
        status=exc.status if exc else 200,
    )


@enterprise_only
def reissue(request):
    return application_page(
        request,
        "legal_card_reissue",
        title=_("补办法人卡"),
        history_title=_("补办记录"),
        hint=_(
            "法人卡遗失、损坏等需要补办时在此申请，由数据分中心审核；审核通过后原法人卡作废，数据分中心为企业制作新的法人卡。"
        ),
        done=_("申报成功，请等待数据分中心审核；审核通过后到数据分中心领取新法人卡。"),
    )
