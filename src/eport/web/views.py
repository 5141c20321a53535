"""Screens: parse the form, call the same services as the API, render. No business rule lives here."""

import json
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eport.accounts import services as accounts
from eport.accounts.models import CARD_KINDS, UserKind
from eport.applications import selectors, services
from eport.applications.kinds import all_kinds, get_kind
from eport.applications.models import EDITABLE_STATUSES, DocType, Status
from eport.enterprises.choices import RegistryStatus
from eport.errors import DomainError, Forbidden, NotFound
from eport.pagination import paginate
from eport.refdata.models import Unit

from .forms import code_names, entry_form

PAGE_SIZE = 10


def _errors(exc: DomainError) -> dict:
    """Field -> message for the template; "nonfield" for refusals that name no field."""
    out = {}
    for d in exc.details or [{"field": exc.field, "message": str(exc.message)}]:
        out.setdefault(d["field"] or "nonfield", d["message"])
    if exc.field is None and "nonfield" not in out:
        out["nonfield"] = str(exc.message)
    return out


def signed_in(kinds=None, login_url=None):
    def deco(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), login_url)
            if kinds and request.user.kind not in kinds:
                return render(request, "web/error.html", {"message": _("您没有使用这个功能的权限。")}, status=403)
            try:
                return view(request, *args, **kwargs)
            except NotFound as e:
                return render(request, "web/error.html", {"message": e.message}, status=404)
            except Forbidden as e:
                return render(request, "web/error.html", {"message": e.message}, status=403)
        return wrapper
    return deco


enterprise_only = signed_in({UserKind.CARDLESS})
reviewer_only = signed_in({UserKind.REVIEWER, UserKind.RA})


# --- landing, sign-in, registration -------------------------------------------------------------

def home(request):
    if request.user.is_authenticated:
        if request.user.kind == UserKind.CARDLESS:
            return redirect("web:entries")
        if request.user.kind in (UserKind.REVIEWER, UserKind.RA):
            return redirect("web:reviews")
        if request.user.kind in CARD_KINDS:
            return redirect("web:card_home")
        return redirect("admin:index")
    demo, demo_cards = settings.DATA_DIR / "demo_accounts.json", settings.DATA_DIR / "demo_cards.json"
    return render(request, "web/landing.html", {
        "demo_accounts": json.loads(demo.read_text()) if demo.exists() else [],
        "demo_cards": json.loads(demo_cards.read_text()) if demo_cards.exists() else []})


def login(request):
    error, username = None, ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        try:
            user = accounts.password_sign_in(request=request, username=username,
                                             password=request.POST.get("password", ""))
        except DomainError as e:
            error = e.message
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            nxt = request.GET.get("next", "")
            if user.must_change_password:
                return redirect("web:password_change")
            safe = url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure())
            return redirect(nxt if nxt and safe else "web:home")
    return render(request, "web/login.html", {"error": error, "username": username},
                  status=401 if error else 200)


@require_POST
def logout(request):
    auth_logout(request)
    return redirect("web:home")


def register(request):
    errors, values = {}, {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in
                  ("username", "uscc", "enterprise_name", "contact_name", "phone", "email")}
        try:
            accounts.account_register(data={**values, "password": request.POST.get("password", "")})
        except DomainError as e:
            errors = _errors(e)
        else:
            messages.success(request, _("注册成功，请使用新账号登录。"))
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
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("web:home")
    return render(request, "web/password_change.html", {"errors": errors, "forced": request.user.must_change_password})


# --- applications: 三证合一信息管理 and 业务办理状态查询 -------------------------------------------

def _page(request, qs, deferred_join=False):
    """The requested page of a list, or the first page when the number is unusable."""
    try:
        page = int(request.GET.get("page") or 1)
        return (*paginate(qs, page, PAGE_SIZE, deferred_join=deferred_join), page)
    except (DomainError, ValueError):
        return (*paginate(qs, 1, PAGE_SIZE, deferred_join=deferred_join), 1)


def _list(request, kind: str | None, template: str):
    q = {k: request.GET.get(k, "") for k in ("status", "submitted_from", "submitted_to")}
    error, page_items, total, page = None, [], 0, 1
    try:
        qs = selectors.applications_list(request.user, kind=kind, status=q["status"] or None,
                                         submitted_from=q["submitted_from"], submitted_to=q["submitted_to"])
        page_items, total, page = _page(request, qs.select_related("enterprise"))
    except DomainError as e:
        error = e.message
    pages = max(1, -(-total // PAGE_SIZE))
    enterprise = request.user.enterprise
    try:
        services.application_check_start(actor=request.user, kind="enterprise_entry")
        can_add = True
    except DomainError:
        can_add = False
    querystring = urlencode({k_: v for k_, v in q.items() if v})
    return render(request, template, {
        "q": q, "error": error, "items": page_items, "total": total, "page": page, "pages": pages,
        "querystring": querystring, "statuses": Status.choices, "enterprise": enterprise, "can_add": can_add,
        "kinds": {c: str(kk.label) for c, kk in all_kinds().items()}, "editable": EDITABLE_STATUSES,
    })


@enterprise_only
def entries(request):
    return _list(request, "enterprise_entry", "web/entries.html")


@enterprise_only
def status_query(request):
    return _list(request, None, "web/status.html")


def _entry_page(request, app=None, *, data=None, errors=None, status=200):
    enterprise = request.user.enterprise
    kind = get_kind("enterprise_entry")
    if data is None:
        data = app.data if app else kind.initial_data(enterprise=enterprise)
    form = entry_form(data)
    errors = dict(errors or {})
    for key in [k for k in errors if k not in form.fields and k != "nonfield"]:
        errors.setdefault("nonfield", errors.pop(key))  # e.g. a stale version: shown at the top
    from eport.registry.adapters import registry

    entry = registry().lookup(enterprise.uscc)
    return render(request, "web/entry_form.html", {
        "registry_status": RegistryStatus(entry.status) if entry else None,
        "registry_abnormal": bool(entry) and entry.status != RegistryStatus.NORMAL,
        "app": app, "form": form, "errors": errors, "doc_types": DocType.choices,
        "attachments": app.attachments.all() if app else [], "steps": app.steps.select_related("unit") if app else [],
    }, status=status)


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
    submit = request.POST.get("action") == "submit"
    try:
        with transaction.atomic():  # 申报 from a new form: saved and submitted together, or neither
            app = services.application_create(actor=request.user, kind="enterprise_entry", data=data)
            if submit:
                services.application_submit(actor=request.user, application_id=app.id)
    except DomainError as e:
        return _entry_page(request, data=data, errors=_errors(e), status=e.status)
    messages.success(request, _("申报成功，请等待审核。") if submit else _("暂存成功，可以继续上传随附单据。"))
    return redirect("web:entry_view" if submit else "web:entry_edit", app.id)


def _posted_entry(request) -> dict:
    fields = entry_form({}).fields
    return {name: request.POST.get(name, "").strip() for name in fields}


@enterprise_only
def entry_edit(request, app_id):
    app = selectors.application_get(request.user, app_id)
    if app.status not in EDITABLE_STATUSES:
        messages.info(request, _("申请正在审核中或已审核通过，只可以查看，不能修改。"))
        return redirect("web:entry_view", app.id)
    if request.method != "POST":
        return _entry_page(request, app)
    data = _posted_entry(request)
    submit = request.POST.get("action") == "submit"
    try:
        with transaction.atomic():
            app = services.application_update(actor=request.user, application_id=app.id, data=data,
                                              version=request.POST.get("version"))
            if submit:
                services.application_submit(actor=request.user, application_id=app.id)
    except DomainError as e:
        app.refresh_from_db()
        return _entry_page(request, app, data=data, errors=_errors(e), status=e.status)
    messages.success(request, _("申报成功，请等待审核。") if submit else _("暂存成功。"))
    return redirect("web:entry_view" if submit else "web:entry_edit", app.id)


@signed_in({UserKind.CARDLESS, UserKind.REVIEWER, UserKind.RA})
def entry_view(request, app_id):
    app = selectors.application_get(request.user, app_id)
    return render(request, "web/entry_view.html", {
        "app": app, "form": entry_form(app.data), "steps": app.steps.select_related("unit", "reviewer"),
        "names": code_names(app.data),
        "attachments": app.attachments.all(), "kind": get_kind(app.kind)})


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


@enterprise_only
@require_POST
def entry_delete(request, app_id):
    _act(request, lambda: services.application_delete(actor=request.user, application_id=app_id), _("已删除。"))
    return redirect(request.POST.get("back") if request.POST.get("back") in ("/status/",) else "web:entries")


@enterprise_only
@require_POST
def attachment_upload(request, app_id):
    _act(request, lambda: services.attachment_add(
        actor=request.user, application_id=app_id, doc_type=request.POST.get("doc_type", ""),
        upload=request.FILES.get("file")), _("上传成功。"))
    return redirect("web:entry_edit", app_id)


@enterprise_only
@require_POST
def attachment_delete(request, app_id, att_id):
    _act(request, lambda: services.attachment_delete(actor=request.user, application_id=app_id,
                                                     attachment_id=att_id), _("已删除随附单据。"))
    return redirect("web:entry_edit", app_id)


@signed_in({UserKind.CARDLESS, UserKind.REVIEWER, UserKind.RA})
def attachment_download(request, app_id, att_id):
    att = selectors.attachment_get(request.user, app_id, att_id)
    return FileResponse(att.file.open("rb"), content_type=att.content_type, filename=att.original_name)


# --- review --------------------------------------------------------------------------------------

@reviewer_only
def reviews(request):
    status = request.GET.get("status", "pending")
    status = status if status in selectors.QUEUE_FILTERS else "pending"
    name = request.GET.get("enterprise_name", "").strip()
    items, total, page = _page(request, selectors.review_queue(request.user, status=status, enterprise_name=name),
                               deferred_join=True)
    querystring = urlencode({"status": status, **({"enterprise_name": name} if name else {})})
    return render(request, "web/reviews.html", {
        "items": items, "total": total, "status": status, "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
        "enterprise_name": name, "querystring": querystring,
        "kinds": {c: str(k.label) for c, k in all_kinds().items()}})


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
            return redirect("web:reviews")
    app = step.application
    return render(request, "web/review.html", {
        "step": step, "app": app, "form": entry_form(app.data), "errors": errors, "names": code_names(app.data),
        "steps": app.steps.select_related("unit", "reviewer"), "attachments": app.attachments.all(),
        "kind": get_kind(app.kind), "opinion": request.POST.get("opinion", "")}, status=400 if errors else 200)


@reviewer_only
def auto_review(request):
    unit = request.user.unit
    if request.method == "POST":
        try:
            unit = services.unit_set_auto_review(actor=request.user, unit_id=request.POST.get("unit", ""),
                                                 enabled=request.POST.get("enabled") == "1")
        except DomainError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, _("自动审核已开启。") if unit.auto_review else _("自动审核已关闭。"))
        return redirect("web:auto_review")
    below = Unit.objects.filter(parent=unit).order_by("code")[:200]
    return render(request, "web/auto_review.html", {"unit": unit, "below": below})


def not_found(request, exception=None):
    return render(request, "web/error.html", {"message": _("页面不存在或您无权查看。")}, status=404)


def server_error(request):
    return render(request, "web/error.html", {"message": _("系统暂时无法处理，请稍后再试。")}, status=500)
