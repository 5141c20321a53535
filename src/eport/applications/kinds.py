"""The kinds registry: one place that says, per kind, what its data is, who may file it, what must
hold first, where it is reviewed, and what approval does. The engine (services.py) knows nothing
else about a kind; adding a kind is writing one subclass and registering it.
"""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.applications.codes import Code
from eport.applications.models import Status
from eport.errors import InvalidInput, from_form_errors


class Kind:
    code: str = ""
    label: str | Promise = ""
    number_prefix = "SQ"
    filers: frozenset = frozenset()  # actor kinds (UserKind) that may file and change it
    form_class: Any = None  # a Django Form class taking (data, final=bool, enterprise=...)
    doc_types: tuple = ()  # attachment types it accepts; empty: no attachments
    fixed_fields: tuple = ()  # data fields set at creation that an edit may not change (what it is about)
    id_fields: tuple = ()  # data fields holding a person's ID number (a staff view of them is audited)

    # What the screens (web/) need to know of it; no rule lives here.
    screen: str = ""  # URL name of the page it is filed and edited on ("": none, it is only viewed)
    screen_arg: str = ""  # what that URL takes: "id" (the application's), a data field's name, "" (nothing)
    document_screen: str = ""  # URL name (taking the application's id) of the signed document it is about
    document_label: str | Promise = ""  # that link's words
    shows_last = False  # with none open, its page shows the last one's state and steps (approved by itself)
    saved_note: str | Promise = ""  # what the message after 暂存 adds for the kind (e.g. what may follow)
    submitted_note: str | Promise = gettext_lazy("请等待审核。")  # after 申报, when it waits for review
    returned_note: str | Promise = gettext_lazy("请修改后重新申报。")  # the mail after a return: what to do
    approved_note: str | Promise = ""  # the mail after an approval: what follows it, if anything

    def label_of(self, application) -> str:
        """What this application is called (lists, its page, messages): the kind's label, unless the kind
        names its applications by their data (申领 or 补办法人卡)."""
        return str(self.label)

    # The messages after an action name what they are about: the kind, the application's number and (a
    # kind about someone or something) whom or what.
    def named(self, application) -> str:
        """The application as a message names it."""
        return _("%(kind)s %(number)s") % {"kind": self.label_of(application), "number": application.number}

    def declared_message(self, application, submitted: bool) -> str:
        """After 暂存 / 申报: saved, approved at once (a kind's data rule, a unit's auto-review) or waiting
        for review."""
        what = self.named(application)
        if not submitted:
            return (_("%(what)s 暂存成功。%(note)s") % {"what": what, "note": self.saved_note}).strip()
        if application.status == Status.APPROVED:
            return _("%(what)s 申报成功，审核通过。") % {"what": what}
        return _("%(what)s 申报成功，%(note)s") % {"what": what, "note": self.submitted_note}

    def deleted_message(self, application) -> str:
        return _("已删除 %(what)s。") % {"what": self.named(application)}

    def reviewed_message(self, application, approved: bool) -> str:
        """After a reviewer's decision on one step."""
        what = self.named(application)
        return (_("%(what)s 本环节审核通过。") if approved else _("%(what)s 已退回。")) % {"what": what}

    @property
    def status_query_actors(self) -> frozenset:
        """Actor kinds whose 业务办理状态查询 lists it: its filers, unless it says otherwise."""
        return self.filers

    def screen_args(self, application) -> list:
        """The arguments of `screen`'s URL for this application."""
        if not self.screen_arg:
            return []
        return [application.id if self.screen_arg == "id" else application.data[self.screen_arg]]

    def next_step(self, application) -> tuple[str, dict] | None:
        """Just approved by the sub-centre: what it does next, as (the message, the 制卡 form's values), or
        None (nothing follows)."""
        return None

    def may_change(self, actor, application) -> bool:
        """May this (enterprise) actor edit, submit or delete the application? Its kind's filers may."""
        return actor.kind in self.filers

    def subject_key(self, *, enterprise, data: dict) -> str:
        """What "one open application per subject" counts; by default the enterprise."""
        return f"enterprise:{enterprise.pk}"

    def initial_data(self, *, enterprise) -> dict:
        return {}

    def clean(self, *, data: dict, enterprise, final: bool) -> dict:
        """Validate the data; `final` (at submission) also enforces required fields and cross-field rules."""
        form = self.form_class(data=data, final=final, enterprise=enterprise)
        if not form.is_valid():
            raise from_form_errors(form)
        return form.json_data()

    def check_create(self, *, actor, enterprise, data: dict | None = None) -> None:
        """Preconditions for starting one (raise a DomainError). `data` is None when a screen only asks
        whether to offer 新增; checks that need the data then wait for it."""

    def prepare(self, *, actor, enterprise, data: dict) -> dict:
        """Before the first save, in its transaction: e.g. create the row the application is about (a new
        operator gets its 操作员统一编号 here). Returns the data to store."""
        return data

    def track(self, application) -> None:
        """After every save of the application (create, edit, submit, return): keep the kind's own rows
        in step with it (e.g. an operator's 信息状态). Approval runs `apply` instead."""

    def on_delete(self, application) -> None:
        """A draft was deleted: remove what `prepare` created for it."""

    def announce(self, application) -> None:
        """Just submitted, in its transaction: tell at once whom the kind must tell (补办法人卡: the
        enterprise's legal card and verified contacts, so the real enterprise can object in time)."""

    def check_update(self, *, application) -> None:
        """Preconditions for editing a draft or returned one (raise a DomainError)."""

    def check_submit(self, *, application) -> None:
        """Preconditions for submitting (raise a DomainError)."""

    def required_doc_types(self, data: dict, enterprise=None) -> tuple:
        """The attachment types 申报 requires, for this data (the engine refuses a submission without
        them, naming what is missing; the screens list them in the checklist). By default none."""
        return ()

    def missing_doc_types(self, application) -> list[str]:
        """The required attachment types the application has no file of yet, in the kind's order."""
        present = set(application.attachments.values_list("doc_type", flat=True))
        return [
            d for d in self.required_doc_types(application.data, application.enterprise) if d not in present
        ]

    def route(self, application) -> list[list]:
        """Stages of units: each stage reviewed in parallel, a stage opens when the one before is approved."""
        return []

    def auto_opinion(self, application, step) -> str | None:
        """A data rule that approves a step by itself (e.g. a directory match); None when it does not."""
        return None

    def apply(self, application, *, actor) -> None:
        """The effect of approval, in the same transaction as the last approval."""

    def prelock(self, application) -> None:
        """Lock the rows `apply` (or `track`) will change, before the engine writes its first audit row of the
        transaction: that row takes the audit chain's head and holds it to the commit, so a row locked after
        it could deadlock with a transaction holding that row and waiting for the head (e.g. a card action)."""

    def shows_id_numbers(self, application) -> bool:
        """Does the application's read-only page (and its API answer) show a person's ID number?"""
        return any(application.data.get(f) for f in self.id_fields)

    def check_rows(self, application) -> list[tuple[str, str]]:
        """(label, shown value) pairs the reviewer checks the application against, from other systems'
        records (the customs registry, the forex directory); shown on the read-only screens."""
        return []

    def display_rows(self, data: dict) -> list[tuple[str, str]]:
        """(label, shown value) pairs for read-only screens: the form's fields, choices by their label."""
        rows = []
        for name, field in self.form_class(data={}, final=False).fields.items():
            value = data.get(name, "")
            choices = dict((str(k), v) for k, v in getattr(field, "choices", ()) or ())
            if isinstance(value, list):
                value = "、".join(str(choices.get(str(v), v)) for v in value)
            else:
                value = choices.get(str(value), value)
            rows.append((str(field.label), "" if value in (None, "") else str(value)))
        return rows


_KINDS: dict[str, Kind] = {}


def register(cls):
    kind = cls()
    if kind.code in _KINDS:
        raise RuntimeError(f"kind {kind.code} registered twice")
    _KINDS[kind.code] = kind
    return cls


def get_kind(code: str) -> Kind:
    try:
        return _KINDS[code]
    except KeyError:
        raise InvalidInput(Code.KIND_UNKNOWN, _("不支持的业务类型：%(k)s") % {"k": code}, "kind") from None


def all_kinds() -> dict[str, Kind]:
    return dict(_KINDS)
