"""Applications of every kind: 三证合一信息管理 (the card-less user's entries) and 业务办理状态查询, one
application's read-only page, 删除 of a draft, and the attachments (随附单据)."""

from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eport import exports
from eport.applications import reads, selectors, services
from eport.applications.kinds import all_kinds, get_kind
from eport.applications.models import Application, Status
from eport.enterprises.kinds import EnterpriseDataKind, EnterpriseEntry

from .access import application_reader, enterprise_actor, enterprise_only
from .forms import code_names, entry_form
from .links import edit_url
from .pages import doc_checklist, uploaded_message
from .paging import export_query, page_of, pager
from .progress import next_step
from .refusals import Refusal, act, start_refusal

ENTRY = EnterpriseEntry.code
QUERY = ("status", "submitted_from", "submitted_to", "kind")


def status_kinds(user) -> list[str]:
    """What 业务办理状态查询 lists for this actor (SPEC §3): the kinds that say so, as they register."""
    return [code for code, k in all_kinds().items() if user.kind in k.status_query_actors]


def _list(request, kind: str | None, template: str):
    q = {k: request.GET.get(k, "") for k in QUERY}
    kinds = status_kinds(request.user) if kind is None else [kind]
    if q["kind"] not in kinds:
        q["kind"] = ""
    items: list[Application] = []
    total, page = 0, 1
    with Refusal() as refusal:  # e.g. a date the query cannot read: said above the empty list
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
        items, total, page = page_of(request, qs.select_related("enterprise"))
    add_refused = start_refusal(request.user, ENTRY)
    labels = {c: str(k.label) for c, k in all_kinds().items()}
    return render(
        request,
        template,
        {
            "q": q,
            "error": refusal.message,
            "items": items,
            **pager(total, page, q),
            "export_query": export_query(q),
            "statuses": Status.choices,
            "enterprise": request.user.enterprise,
            "can_add": not add_refused,
            "add_refused": add_refused.message,
            "kinds": labels,
            "kind_choices": [(k, labels[k]) for k in kinds] if kind is None else [],
            # 已入网: what to do next (申领法人卡, the filings)
            "next": next_step(request.user) if kind == ENTRY and request.user.enterprise.in_network else None,
        },
    )


@enterprise_only
def entries(request):
    return _list(request, ENTRY, "web/entries.html")


@enterprise_actor
def status_query(request):
    return _list(request, None, "web/status.html")


@application_reader
def application_view(request, app_id):
    """One application of any kind, read-only, with its review steps (the applicant and its reviewers)."""
    app = selectors.application_get(request.user, app_id)
    reads.application_viewed(request.user, app)
    return view_page(request, app)


@application_reader
def application_print(request, app_id):
    """打印 of an application with its review steps: the page's readers and scope, a page made for paper."""
    app = selectors.application_get(request.user, app_id)
    reads.application_viewed(request.user, app)
    ctx = application_context(app, request.user)
    return render(
        request,
        "web/application_print.html",
        {"app": app, **ctx, "print_rows": print_rows(app, ctx["kind"]), "printed_at": timezone.now()},
    )


def print_rows(app, kind) -> list[tuple[str, str]]:
    """The application's data as (label, value) rows for paper: the kind's own read-only rows, the
    三证合一 codes with their units' names, then the checks the kind reports."""
    rows = kind.display_rows(app.data)
    if isinstance(kind, EnterpriseDataKind):
        names = code_names(app.data)
        fields = kind.form_class(data={}, final=False).fields
        rows = [
            (label, f"{value} {names[name]}" if names.get(name) and value else value)
            for name, (label, value) in zip(fields, rows, strict=True)
        ]
    else:
        e = app.enterprise
        rows = [(_("统一社会信用代码"), e.code), (_("企业名称"), e.name), *rows]
    return rows + list(kind.check_rows(app))


def view_page(request, app):
    # Just approved: the enterprise is told what comes next (after 已入网: 申领法人卡).
    nxt = next_step(request.user) if app.status == Status.APPROVED else None
    return render(
        request,
        "web/application_view.html",
        {"app": app, **application_context(app, request.user), "next": nxt},
    )


def application_context(app, user) -> dict:
    """What the read-only screens (view, review) show of an application: the 三证合一 form for the
    enterprise kinds, the kind's own rows for the others; steps, attachments, the edit link."""
    kind = get_kind(app.kind)
    attachments = list(app.attachments.all())
    ctx = {
        "kind": kind,
        "steps": app.steps.select_related("unit", "reviewer"),
        "attachments": attachments,
        "checklist": doc_checklist(kind, app.data, attachments, app.enterprise),
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


def deleting(request, app_id) -> bool:
    """删除 of an application, and the message naming what was deleted (its kind says how)."""
    app = selectors.application_get(request.user, app_id)  # not the user's: 404, as the delete would say
    kind = get_kind(app.kind)
    return act(
        request,
        lambda: services.application_delete(actor=request.user, application_id=app_id),
        kind.deleted_message(app),
    )


BACK_PATHS = ("/entries/", "/status/", "/operators/", "/reissue/")


@enterprise_actor
@require_POST
def application_delete(request, app_id):
    deleting(request, app_id)
    back = request.POST.get("back")
    return redirect(back if back in BACK_PATHS else "web:status")


def _back_to_edit(request, app_id):
    app = selectors.application_get(request.user, app_id)
    return redirect(edit_url(app, request.user) or reverse("web:application_view", args=[app.id]))


@enterprise_actor
@require_POST
def attachment_upload(request, app_id):
    act(
        request,
        lambda: services.attachment_add(
            actor=request.user,
            application_id=app_id,
            doc_type=request.POST.get("doc_type", ""),
            upload=request.FILES.get("file"),
        ),
        uploaded_message,
    )
    return _back_to_edit(request, app_id)


@enterprise_actor
@require_POST
def attachment_delete(request, app_id, att_id):
    act(
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
