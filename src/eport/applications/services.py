"""The application engine: every state change of every kind of application (SPEC §3).

Each function takes the actor explicitly, runs in one transaction, locks the application row
(select_for_update) before deciding anything, and changes state only through `_move` (the application)
and `_step_move` (a review step), which read the one table of allowed moves (transitions.py) and write
the audit row. The kind supplies the data rules, preconditions, route and effect (kinds.py); nothing
here is specific to a kind.
"""

import hashlib
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from eport.accounts.permissions import is_staff, require_staff
from eport.applications.codes import Code
from eport.audit.services import record
from eport.errors import Conflict, Forbidden, InvalidInput, NotFound, TooLarge
from eport.refdata.models import Unit

from . import files, notify, transitions
from .kinds import get_kind
from .models import (
    DONE_STEP_STATUSES,
    OPEN_STATUSES,
    Application,
    Attachment,
    DocType,
    ReviewStep,
    StepStatus,
)
from .selectors import application_get, enterprise_of, step_get
from .transitions import Action, StepAction

SYSTEM_OPINION = gettext_noop("自动审核通过")
OPEN_STEP_STATUSES = (StepStatus.PENDING, StepStatus.WAITING)  # what a round ending without them closes


def _lock(actor, application_id) -> Application:
    """The actor's own application, locked. Only the filing enterprise changes it, and only through an
    actor kind that may file that kind (a card-less user cannot edit the legal card's 三证合一 change):
    reviewers and RA see applications routed to them (application_get) but must not edit them."""
    enterprise_of(actor, filing=True)  # Forbidden for staff, and for an account that may not file
    app = application_get(actor, application_id)  # scoping: NotFound for other enterprises
    if not get_kind(app.kind).may_change(actor, app):
        raise _not_filer()
    return Application.objects.select_for_update().select_related("enterprise").get(pk=app.pk)


def _not_filer() -> Forbidden:
    return Forbidden(Code.KIND_NOT_ALLOWED, _("您不能办理这项业务。"), "kind")


def _snapshot(app: Application) -> dict:
    return {"status": app.status, "version": app.version, "data": app.data}


def _require(app: Application, action: str) -> None:
    """The table's refusal, with its code, when the application's status does not allow the action."""
    refusal = transitions.refusal(action, app.status if app.pk else None)
    if refusal is not None:
        raise refusal


def _move(
    app: Application,
    action: str,
    *,
    actor,
    reason: str = "",
    then=None,
    prelock: bool = False,
    step: ReviewStep | None = None,
    **fields,
) -> Application:
    """The one way an application changes state. The caller has locked the row (`_lock`, `_decide` or its own
    select_for_update) and checked what the kind requires; here, in order: the table's move (refused with its
    code), `fields` set, the version bumped, the save (a new application: inserted and numbered), `then(app)`,
    the kind's prelock (when asked) and `track`/`apply`, the audit row, and the applicant told on commit.

    Whatever takes a row lock comes before the audit row: that row takes the audit chain's head and holds it to
    the commit, so a lock taken after it could deadlock (kinds.Kind.prelock)."""
    _require(app, action)
    move = transitions.move_for(action, app.status if app.pk else None)
    assert move is not None, "_require refuses every move the table lacks"
    k = get_kind(app.kind)
    before = _snapshot(app) if app.pk else None
    if move.new_status is None:  # deleted
        record(actor=actor, action=f"application.{action}", obj=app, before=before, reason=reason)
        app.delete()
        k.on_delete(app)
        return app
    for name, value in fields.items():
        setattr(app, name, value)
    app.status = move.new_status
    if app.pk is None:
        try:
            with transaction.atomic():
                app.save(force_insert=True)
        except IntegrityError:  # a concurrent create won the unique constraint
            raise _open_exists() from None
        app.number = f"{k.number_prefix}{timezone.localdate():%Y%m%d}{app.pk:08d}"
        app.save(update_fields=["number"])
    else:
        app.version += 1
        app.save(update_fields=["status", "version", "updated_at", *fields])
    if then is not None:
        then(app)
    if prelock:
        k.prelock(app)
    if move.kind_hook == transitions.TRACK:
        k.track(app)
    elif move.kind_hook == transitions.APPLY:
        k.apply(app, actor=actor)
    record(
        actor=actor,
        action=f"application.{action}",
        obj=app,
        before=before,
        after=_snapshot(app),
        reason=reason,
    )
    if move.notify:
        notify.application_decided(app, step=step)
    return app


def _step_move(step: ReviewStep, action: str, *, actor, opinion: str = "") -> ReviewStep:
    """The one way a review step changes state, its application locked by the caller: the table's move
    (refused as `step_not_pending`), a decision's opinion, reviewer and time, the save, one audit row."""
    refusal = transitions.step_refusal(action, step.status)
    if refusal is not None:
        raise refusal
    before = {"status": step.status}
    step.status = transitions.STEP_TABLE[action][step.status]
    fields = ["status"]
    if opinion:  # a decision (approve, return, approved by itself)
        step.opinion, step.decided_at = opinion, timezone.now()
        fields += ["opinion", "decided_at"]
    if action in (StepAction.APPROVE, StepAction.RETURN):
        step.reviewer = actor
        fields.append("reviewer")
    step.save(update_fields=fields)
    after = {"status": step.status, **({"opinion": opinion} if opinion else {})}
    record(actor=actor, action=f"step.{action}", obj=step, before=before, after=after)
    return step


def _check_version(app: Application, version) -> None:
    if version is None:
        raise InvalidInput(Code.VERSION_REQUIRED, _("请提供版本号 version。"), "version")
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise InvalidInput(Code.VERSION_INVALID, _("版本号必须是数字。"), "version") from None
    if version != app.version:
        raise Conflict(
            Code.STALE_VERSION,
            _("这条申请已被修改过（当前版本 %(v)d），请刷新后再操作。") % {"v": app.version},
            "version",
        )


def _cleaned(k, app: Application, data: dict, *, final: bool) -> dict:
    """The kind's validation of the data, with the fields fixed at creation (what it is about) kept."""
    fixed = {f: app.data[f] for f in k.fixed_fields if f in app.data}
    return {**k.clean(data={**data, **fixed}, enterprise=app.enterprise, final=final), **fixed}


def _open_exists() -> Conflict:
    return Conflict(
        Code.OPEN_APPLICATION_EXISTS, _("已有一条暂存、申报未审核或退回的同类申请，请先办理完那一条。")
    )


def application_check_start(*, actor, kind: str, data: dict | None = None) -> None:
    """May the actor start an application of this kind now? Raises the refusal (also used to offer 新增)."""
    k = get_kind(kind)
    enterprise = enterprise_of(actor, filing=True)
    if actor.kind not in k.filers:
        raise _not_filer()
    k.check_create(actor=actor, enterprise=enterprise, data=data)
    subject = k.subject_key(enterprise=enterprise, data=data or {})
    # None: the subject is made with the application (a new operator), so nothing can be open for it yet.
    if (
        subject is not None
        and Application.objects.filter(kind=k.code, subject_key=subject, status__in=OPEN_STATUSES).exists()
    ):
        raise _open_exists()


def _create(*, actor, kind: str, data: dict, submitting: bool = False) -> Application:
    k = get_kind(kind)
    enterprise = enterprise_of(actor, filing=True)
    clean = k.clean(data=data or {}, enterprise=enterprise, final=False) if actor.kind in k.filers else {}
    application_check_start(actor=actor, kind=kind, data=clean)
    clean = k.prepare(actor=actor, enterprise=enterprise, data=clean)
    app = Application(
        kind=k.code,
        subject_key=k.subject_key(enterprise=enterprise, data=clean),
        enterprise=enterprise,
        applicant=actor,
        data=clean,
    )
    return _move(app, Action.CREATE, actor=actor, prelock=submitting)


def _update(*, actor, application_id, data: dict, version, submitting: bool = False) -> Application:
    app = _lock(actor, application_id)
    _require(app, Action.UPDATE)
    _check_version(app, version)
    k = get_kind(app.kind)
    k.check_update(application=app)
    data = _cleaned(k, app, {**app.data, **(data or {})}, final=False)
    return _move(app, Action.UPDATE, actor=actor, prelock=submitting, data=data)


@transaction.atomic
def application_create(*, actor, kind: str, data: dict) -> Application:
    return _create(actor=actor, kind=kind, data=data)


@transaction.atomic
def application_update(*, actor, application_id, data: dict, version) -> Application:
    return _update(actor=actor, application_id=application_id, data=data, version=version)


@transaction.atomic
def application_save(
    *,
    actor,
    kind: str = "",
    application_id=None,
    data: dict,
    version=None,
    submit: bool = False,
    upload: tuple[str, Any] | None = None,
    remove_attachment=None,
) -> Application:
    """暂存 (create when no application_id, else edit) and, with `submit`, 申报 — in one transaction: saved
    and submitted together, or neither (a refusal at submission leaves nothing saved). When submitting, the
    kind's rows are locked before the save's audit row (Kind.prelock), as a submission alone would.

    `upload` (doc_type, file) attaches a file and `remove_attachment` (an attachment's id) deletes one, after
    the save and before the submission, in the same transaction: a screen's 上传 / 删除 keeps what was typed,
    and a refused file leaves the draft as it was."""
    if application_id is None:
        app = _create(actor=actor, kind=kind, data=data, submitting=submit)
    else:
        app = _update(
            actor=actor, application_id=application_id, data=data, version=version, submitting=submit
        )
    stored = None
    try:
        if upload is not None:
            att = attachment_add(actor=actor, application_id=app.id, doc_type=upload[0], upload=upload[1])
            stored = att.stored_name
        if remove_attachment is not None:
            attachment_delete(actor=actor, application_id=app.id, attachment_id=remove_attachment)
        if submit:
            app = application_submit(actor=actor, application_id=app.id)
    except Exception:
        if stored is not None:  # nothing half-saved: the file goes with its rolled-back row
            default_storage.delete(stored)
        raise
    return app


@transaction.atomic
def application_delete(*, actor, application_id) -> None:
    app = _lock(actor, application_id)
    _require(app, Action.DELETE)
    names = [a.stored_name for a in app.attachments.all()]
    _move(app, Action.DELETE, actor=actor)

    def delete_files() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete_files)


@transaction.atomic
def application_submit(*, actor, application_id, version=None) -> Application:
    """申报: validate fully, check the kind's preconditions, open the round's review steps."""
    app = _lock(actor, application_id)
    k = get_kind(app.kind)
    k.prelock(app)  # what approving itself on submission would change
    _require(app, Action.SUBMIT)
    if version is not None:
        _check_version(app, version)
    k.check_update(application=app)
    stored, app.data = app.data, _cleaned(k, app, app.data, final=True)
    k.check_submit(application=app)  # on the cleaned data
    _require_documents(k, app)
    data, app.data = app.data, stored  # the audit's "before" is what was stored

    def open_round(app):
        # Before the audit row: a new step's unit is locked (key share) by its foreign key.
        for stage_no, units in enumerate(k.route(app), start=1):
            ReviewStep.objects.bulk_create(
                ReviewStep(
                    application=app,
                    round=app.round,
                    stage=stage_no,
                    unit=u,
                    status=StepStatus.PENDING if stage_no == 1 else StepStatus.WAITING,
                )
                for u in units
            )

    _move(
        app,
        Action.SUBMIT,
        actor=actor,
        then=open_round,
        data=data,
        round=app.round + 1,
        submitted_at=timezone.now(),
        decided_at=None,
    )
    k.announce(app)
    _advance(app, actor=None)  # what approves itself now is the system's doing, not the applicant's
    return app


def _require_documents(k, app: Application) -> None:
    """申报 carries the documents the kind requires for its data: refused naming every missing one (the
    message for people, a detail per type for clients)."""
    missing = k.missing_doc_types(app)
    if not missing:
        return
    labels = [str(DocType(d).label) for d in missing]
    raise InvalidInput(
        Code.ATTACHMENTS_REQUIRED,
        _("申报%(kind)s须上传随附单据：%(d)s。") % {"kind": k.label, "d": "、".join(labels)},
        "doc_type",
        details=[
            {
                "field": f"attachments.{d}",
                "code": Code.ATTACHMENTS_REQUIRED,
                "message": _("请上传%(d)s。") % {"d": label},
            }
            for d, label in zip(missing, labels, strict=True)
        ],
    )


def _advance(app: Application, *, actor) -> None:
    """Auto-approve what may approve itself, open the next stage, approve the application at the end."""
    k = get_kind(app.kind)
    while True:
        steps = list(app.steps.filter(round=app.round).select_related("unit"))
        for s in steps:
            if s.status != StepStatus.PENDING:
                continue
            # What the system writes is kept in the source language, whoever's request triggered it, and
            # each reader sees it in theirs (ReviewStep.opinion_text).
            with translation.override(settings.LANGUAGE_CODE):
                opinion = k.auto_opinion(app, s) or (SYSTEM_OPINION if s.unit.auto_review else None)
                opinion = str(opinion) if opinion else None
            if opinion:
                _step_move(s, StepAction.AUTO_APPROVE, actor=None, opinion=opinion)
        if any(s.status == StepStatus.PENDING for s in steps):
            return
        waiting = [s for s in steps if s.status == StepStatus.WAITING]
        if waiting:
            next_stage = min(s.stage for s in waiting)
            for s in waiting:
                if s.stage == next_stage:
                    _step_move(s, StepAction.OPEN, actor=actor)
            continue
        if all(s.status in DONE_STEP_STATUSES for s in steps):
            _move(app, Action.APPROVE, actor=actor, decided_at=timezone.now())
        return


def _decide(actor, step_id, opinion: str) -> tuple[Application, ReviewStep, str]:
    """Shared start of approve/return: scope, lock (application first, then step), state, opinion."""
    require_staff(actor)
    step = step_get(actor, step_id)
    app = Application.objects.select_for_update().select_related("enterprise").get(pk=step.application_id)
    step = ReviewStep.objects.select_for_update().select_related("unit").get(pk=step.pk)
    get_kind(app.kind).prelock(app)
    if (refusal := transitions.step_refusal(StepAction.APPROVE, step.status)) is not None:
        raise refusal  # approve and return both need a pending step
    opinion = (opinion or "").strip()
    if not opinion:
        raise InvalidInput(Code.OPINION_REQUIRED, _("请填写审核意见。"), "opinion")
    if len(opinion) > 500:
        raise InvalidInput(Code.OPINION_TOO_LONG, _("审核意见不能超过500字。"), "opinion")
    return app, step, opinion


@transaction.atomic
def step_approve(*, actor, step_id, opinion: str) -> ReviewStep:
    app, step, opinion = _decide(actor, step_id, opinion)
    _step_move(step, StepAction.APPROVE, actor=actor, opinion=opinion)
    _advance(app, actor=actor)
    return step


def _open_steps(apps) -> dict:
    """The open steps of the applications' current rounds, locked, by application id (each closed when its
    round ends without it)."""
    rounds = {a.pk: a.round for a in apps}
    out: dict[int, list[ReviewStep]] = {pk: [] for pk in rounds}
    for s in (
        ReviewStep.objects.select_for_update()
        .filter(application_id__in=list(rounds), status__in=OPEN_STEP_STATUSES)
        .order_by("pk")
    ):
        if s.round == rounds[s.application_id]:
            out[s.application_id].append(s)
    return out


@transaction.atomic
def step_return(*, actor, step_id, opinion: str) -> ReviewStep:
    """退回: ends the round; the round's other open steps close; the applicant may edit and resubmit."""
    app, step, opinion = _decide(actor, step_id, opinion)
    others = [s for s in _open_steps([app])[app.pk] if s.pk != step.pk]
    _step_move(step, StepAction.RETURN, actor=actor, opinion=opinion)
    for s in others:
        _step_move(s, StepAction.CLOSE, actor=actor)
    _move(app, Action.RETURN, actor=actor, step=step, decided_at=step.decided_at)
    return step


def applications_close(*, enterprise, reason: str) -> int:
    """Close every open application of an enterprise row whose accounts were closed (SPEC §8: another
    account was proven for that USCC): no decision, the open steps leave the review queues. The system's
    act, in the caller's transaction. Returns how many were closed."""
    apps = list(
        Application.objects.select_for_update()
        .filter(enterprise=enterprise, status__in=OPEN_STATUSES)
        .order_by("pk")
    )
    steps = _open_steps(apps)  # locked with the applications, before this function's first audit row
    for app in apps:
        for s in steps[app.pk]:
            _step_move(s, StepAction.CLOSE, actor=None)
        _move(app, Action.CLOSE, actor=None, reason=reason, decided_at=timezone.now())
    return len(apps)


def application_close(application: Application, *, actor, reason: str) -> Application:
    """Close one open application without a decision, in the caller's transaction: what a kind's own
    service ends (a 三方协议 terminated, or signed again after a return), its open steps leaving the review
    queues. The caller has decided it may; an application no longer open is left as it is."""
    app = Application.objects.select_for_update().select_related("enterprise").get(pk=application.pk)
    if app.status not in OPEN_STATUSES:
        return app
    for s in _open_steps([app])[app.pk]:
        _step_move(s, StepAction.CLOSE, actor=actor)
    return _move(app, Action.CLOSE, actor=actor, reason=reason, decided_at=timezone.now())


@transaction.atomic
def unit_set_auto_review(*, actor, unit_id: str, enabled: bool):
    """自动审核设置: only a reviewer of that very unit (not of a unit above it) may switch it.

    Switching it on also lets the steps already waiting at the unit approve themselves (SPEC §3:
    "when on, steps for that unit approve themselves"), each application locked in turn."""
    unit = Unit.objects.select_for_update().filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(Code.UNIT_NOT_FOUND, _("没有这个单位。"))
    if not is_staff(actor) or actor.unit_id != unit.pk:
        raise Forbidden(
            Code.AUTO_REVIEW_OWN_UNIT_ONLY, _("只能设置本单位的自动审核，不能设置其他单位（包括下级单位）。")
        )
    if unit.auto_review != bool(enabled):
        before = {"auto_review": unit.auto_review}
        unit.auto_review = bool(enabled)
        unit.save(update_fields=["auto_review"])
        waiting = []
        if unit.auto_review:
            # Locked before the first audit row: record() then holds the audit chain's head until commit,
            # and an approver holding one of these applications would wait for it (a deadlock).
            steps = ReviewStep.objects.filter(unit=unit, status=StepStatus.PENDING).values_list(
                "application_id"
            )
            waiting = list(Application.objects.select_for_update().filter(pk__in=steps).order_by("pk"))
            for app in waiting:
                get_kind(app.kind).prelock(app)
        record(
            actor=actor,
            action="unit.auto_review",
            obj=unit,
            before=before,
            after={"auto_review": unit.auto_review},
        )
        for app in waiting:
            _advance(app, actor=None)
    return unit


@transaction.atomic
def attachment_add(*, actor, application_id, doc_type: str, upload) -> Attachment:
    app = _lock(
        actor, application_id
    )  # who and which application first: a size says nothing about others' ids
    if upload is None:
        raise InvalidInput(Code.FILE_REQUIRED, _("请选择要上传的文件。"), "file")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise TooLarge(Code.FILE_TOO_LARGE, _("文件不能超过4M，请压缩后再上传。"), "file")
    k = get_kind(app.kind)
    if doc_type not in DocType.values or doc_type not in k.doc_types:
        raise InvalidInput(Code.DOC_TYPE_INVALID, _("请选择正确的单据类型。"), "doc_type")
    _require(app, Action.UPDATE)  # an attachment is part of what an edit changes
    content_type = files.sniff_upload(upload)
    if content_type is None:
        raise InvalidInput(
            Code.FILE_TYPE_INVALID, _("只能上传 PDF、JPEG 或 PNG 文件（按文件内容识别）。"), "file"
        )
    upload.seek(0)
    digest = hashlib.sha256(upload.read()).hexdigest()
    upload.seek(0)
    att = Attachment(
        application=app,
        doc_type=doc_type,
        original_name=(upload.name or "file")[-200:],
        content_type=content_type,
        size=upload.size,
        sha256=digest,
        uploaded_by=actor,
    )
    att.file.save("upload", upload, save=False)
    name = att.stored_name
    try:
        att.save()
        record(
            actor=actor,
            action="attachment.add",
            obj=att,
            after={"application": app.pk, "doc_type": doc_type, "size": att.size, "sha256": digest},
        )
    except Exception:
        default_storage.delete(name)  # nothing half-saved: no stored file without its row
        raise
    return att


@transaction.atomic
def attachment_delete(*, actor, application_id, attachment_id) -> None:
    app = _lock(actor, application_id)
    _require(app, Action.UPDATE)
    att = app.attachments.filter(pk=attachment_id).first()
    if att is None:
        raise NotFound(Code.ATTACHMENT_NOT_FOUND, _("没有找到这个随附单据。"))
    name = att.stored_name
    record(
        actor=actor,
        action="attachment.delete",
        obj=att,
        before={"doc_type": att.doc_type, "sha256": att.sha256},
    )
    att.delete()
    transaction.on_commit(lambda: default_storage.delete(name))
