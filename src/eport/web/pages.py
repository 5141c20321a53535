"""The page of one application, for every kind: open it (the one open of its kind and subject, or the one
asked for), say whether it may be edited, save what was posted (暂存 / 申报 in one transaction), show the
refusal beside the fields, or the message and a redirect; why a new one may not start; its steps and the
earlier ones. The views of 三证合一 (entry and change), the operator form, 补办法人卡 and the 企业备案
filings build on it and add only what their page shows of their own; the kind says the rest
(applications/kinds.py: its form, its screen, its messages, `shows_last`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from functools import cached_property
from typing import Any, Literal

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from eport.applications import selectors, services
from eport.applications.codes import Code as AppCode
from eport.applications.kinds import Kind, get_kind
from eport.applications.models import Application, Attachment, DocType, ReviewStep

from .access import SignedIn
from .forms import kind_form
from .refusals import Refusal, start_refusal

ATTACHMENTS_REQUIRED = AppCode.ATTACHMENTS_REQUIRED


def uploaded_message(att: Attachment) -> str:
    return _("已上传随附单据：%(type)s（%(file)s）。") % {
        "type": att.get_doc_type_display(),
        "file": att.original_name,
    }


def removed_message(att: Attachment) -> str:
    return _("已删除随附单据：%(type)s（%(file)s）。") % {
        "type": att.get_doc_type_display(),
        "file": att.original_name,
    }


def posted(request: HttpRequest, form_class: type[forms.Form], **fixed: Any) -> dict:
    """A kind's data as the screen posted it: its form's fields, trimmed (plus what the screen fixes)."""
    return {**{name: request.POST.get(name, "").strip() for name in form_class.base_fields}, **fixed}


def declared(request: HttpRequest, kind: Kind, app: Application, submitted: bool) -> None:
    """The message after 暂存 / 申报, in the kind's words, naming the application (Kind.declared_message)."""
    messages.success(request, kind.declared_message(app, submitted))


def doc_checklist(
    kind: Kind, data: dict, attachments: Sequence[Attachment], enterprise: Any = None
) -> list[dict[str, Any]]:
    """The attachment checklist: each document type the kind accepts, whether 申报 requires it for this
    data and enterprise (Kind.required_doc_types, the domain's rule), and the files uploaded of it."""
    required = set(kind.required_doc_types(data or {}, enterprise))
    return [
        {
            "value": d,
            "label": DocType(d).label,
            "required": d in required,
            "files": [a for a in attachments if a.doc_type == d],
        }
        for d in kind.doc_types
    ]


def _attachment_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


class _Open(Enum):
    OPEN = "open"


OPEN = _Open.OPEN  # the page's application is the enterprise's open one


class ApplicationPage:
    """One application of `kind_code` on a screen.

    `app`: the application asked for (by id), None for a new one, or by default (OPEN) the enterprise's
    open one of the kind, and of the subject `subject` names (data such as {"card_no": ...}: the kind's
    subject_key). `readonly`: the page only shows (an enterprise filing once filed). `initial`: the
    form's data for a new one, when not the kind's initial_data."""

    def __init__(
        self,
        request: SignedIn,
        kind_code: str,
        *,
        app: Application | None | Literal[_Open.OPEN] = OPEN,
        subject: dict | None = None,
        readonly: bool = False,
        initial: dict | None = None,
    ) -> None:
        self.request = request
        self.kind = get_kind(kind_code)
        self.enterprise = request.user.enterprise
        self.subject = subject
        self.subject_key = (
            self.kind.subject_key(enterprise=self.enterprise, data=subject) if subject is not None else None
        )
        if app is OPEN:
            app = selectors.open_application(self.enterprise, self.kind.code, subject_key=self.subject_key)
        self.app = app
        self.readonly = readonly
        self.initial = initial
        self.data: dict | None = None  # what was posted, once refused: the form shows it again
        self.refusal = Refusal()

    @property
    def editable(self) -> bool:
        return not self.readonly and (self.app is None or self.app.is_editable)

    @property
    def posting(self) -> bool:
        """A 暂存 / 申报 to save: a POST while the application may be edited (one in review, or filed, shows
        itself again and changes nothing)."""
        return self.request.method == "POST" and self.editable

    def save(
        self,
        data: dict,
        *,
        then: str | Callable[[Application, bool], str] | None = None,
        done: Callable[[Application, bool], HttpResponse] | None = None,
    ) -> HttpResponse | None:
        """暂存 or (action=submit) 申报 of `data`. Saved: `done(app, submitted)`'s response, else the kind's
        message and a redirect to `then` (a URL, or a function of (app, submitted) giving one; by default
        this page again). Refused: None; the page then shows the refusal beside the fields."""
        action = self.request.POST.get("action")
        submit = action == "submit"
        upload, remove = self._upload(action), self._removal()
        self.data = data
        with self.refusal:
            app = services.application_save(
                actor=self.request.user,
                kind=self.kind.code,
                application_id=self.app.id if self.app is not None else None,
                data=data,
                version=self.request.POST.get("version"),
                submit=submit,
                upload=upload,
                remove_attachment=remove.pk if remove is not None else None,
            )
        if self.refusal:
            if self.app is not None:
                self.app.refresh_from_db()
            return None
        if done is not None:
            return done(app, submit)
        declared(self.request, self.kind, app, submit)
        if upload is not None:
            att = app.attachments.order_by("-pk").first()
            assert att is not None, "the save stored the file (or was refused)"
            messages.success(self.request, uploaded_message(att))
        if remove is not None:
            messages.success(self.request, removed_message(remove))
        if callable(then):
            then = then(app, submit)
        then = then or self.request.get_full_path()
        # 上传 / 删除: back to the checklist, where the user was
        return redirect(f"{then}#attachments" if (upload or remove) and not submit else then)

    def _upload(self, action: str | None) -> tuple[str, Any] | None:
        """The file posted with the form (上传, or chosen and then 暂存 / 申报): (its type, the file)."""
        if not self.kind.doc_types:
            return None
        file = self.request.FILES.get("file")
        if file is None and action != "upload":
            return None
        return self.request.POST.get("doc_type", ""), file

    def _removal(self) -> Attachment | None:
        """The attachment a 删除 in the checklist names (one of this application's), before it goes."""
        pk = _attachment_id(self.request.POST.get("remove_attachment"))
        if pk is None or self.app is None:
            return None
        return self.app.attachments.filter(pk=pk).first()

    @property
    def form_data(self) -> dict:
        """What the form shows: what was posted (refused), the application's data, or a new one's."""
        if self.data is not None:
            return self.data
        if self.app is not None:
            return self.app.data
        if self.initial is not None:
            return self.initial
        return self.kind.initial_data(enterprise=self.enterprise)

    @cached_property
    def start_refusal(self) -> Refusal:
        """Why a new one may not start (asked only when none is open and the page may file one)."""
        if self.app is not None or self.readonly:
            return Refusal()
        return start_refusal(self.request.user, self.kind.code, self.subject)

    @cached_property
    def history(self) -> QuerySet[Application]:
        """The enterprise's applications of the kind (and subject), newest first."""
        qs = selectors.applications_list(self.request.user, kind=self.kind.code)
        return qs.filter(subject_key=self.subject_key) if self.subject_key is not None else qs

    @cached_property
    def shown(self) -> Application | None:
        """The application whose state and steps the page shows: the open one, else (`shows_last`) the last."""
        if self.app is not None or not self.kind.shows_last:
            return self.app
        return self.history.first()

    def steps(self) -> QuerySet[ReviewStep] | list[ReviewStep]:
        shown = self.shown
        if shown is None:
            return []
        steps = shown.steps.select_related("unit")
        return steps.filter(round=shown.round) if self.kind.shows_last else steps

    def state(self) -> str:
        """当前状态 (red, at the top): the shown application's, else 未申请."""
        return self.shown.get_status_display() if self.shown is not None else _("未申请")

    def context(self, form: forms.BaseForm | None = None) -> dict[str, Any]:
        app = self.app
        attachments = list(app.attachments.all()) if app is not None else []
        checklist = doc_checklist(self.kind, self.form_data, attachments, self.enterprise)
        errors = self.refusal.errors(form, beside=("doc_type", "file"))
        if self.refusal.code == ATTACHMENTS_REQUIRED:  # beside the checklist, naming what is missing
            errors = {"attachments": errors.pop("doc_type")}
        missing = [r for r in checklist if r["required"] and not r["files"]]
        return {
            "kind": self.kind,
            "form": form,
            "app": app,
            "editable": self.editable,
            "refused": self.start_refusal.message,
            "errors": errors,
            "state": self.state(),
            "state_code": self.shown.status if self.shown is not None else "NONE",  # its colour (tone)
            "steps": self.steps(),
            "history": self.history[:20],
            "doc_types": [(d, DocType(d).label) for d in self.kind.doc_types],
            "attachments": attachments,
            "checklist": checklist,
            # 上传 offers first what is still missing
            "upload_type": self.request.POST.get("doc_type") or (missing[0]["value"] if missing else ""),
        }

    def render(self, template: str, form: forms.BaseForm | None = None, **extra: Any) -> HttpResponse:
        """The page, with the refusal's status (200 when nothing was refused)."""
        return render(self.request, template, {**self.context(form), **extra}, status=self.refusal.status)


def form_page(
    request: SignedIn,
    kind_code: str,
    *,
    title: str | Promise,
    hint: str | Promise,
    history_title: str | Promise,
    state: str | Promise | None = None,
    state_code: str | None = None,
    notices: Sequence[tuple[str, str | Promise]] = (),
    readonly_form: forms.BaseForm | None = None,
    names: dict[str, str] | None = None,
    initial: dict | None = None,
    link: dict | None = None,
) -> HttpResponse:
    """The page of a kind filed with its own form alone (补办法人卡, the 企业备案 filings):
        application_page.html over an ApplicationPage.

        `state` overrides the 当前状态 line (a filing says 备案通过), `state_code` its colour (FILED, a status);
        `readonly_form` shows what was
        filed instead of a form; `notices` are (id, text) warnings shown above the form; `names` the names of
        the units the form's codes point to; `initial` a new one's data when not the kind's initial_data; `link`
    ({"id", "url", "text"}) the page's next step (a filing's 备案变更)."""
    page = ApplicationPage(request, kind_code, readonly=readonly_form is not None, initial=initial)
    if page.posting:
        saved = page.save(posted(request, page.kind.form_class))
        if saved is not None:
            return saved
    form = readonly_form if readonly_form is not None else kind_form(page.kind, page.form_data)
    return page.render(
        "web/application_page.html",
        form,
        title=title,
        hint=hint,
        history_title=history_title,
        notices=notices,
        names=names or {},
        page_link=link,
        state=state or page.state(),
        **({"state_code": state_code} if state_code else {}),
    )
