"""Reads scoped to the actor: nothing here returns a row the actor may not see.

A missing row and a row of someone else answer alike (NotFound), so ids reveal nothing.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.accounts.models import UserKind
from eport.accounts.permissions import (
    ENTERPRISE_ACTORS,
    acting_enterprise,
    is_staff,
    jurisdiction_units,
    require_reader,
    require_staff,
)
from eport.applications.codes import Code
from eport.errors import InvalidInput, NotFound
from eport.filters import filter_choice, filter_given

from .kinds import get_kind
from .models import OPEN_STATUSES, Application, Attachment, ReviewStep, Status, StepStatus

# The enterprise an enterprise actor acts for (accounts/permissions.py), as the engine names it.
enterprise_of = acting_enterprise


def visible_applications(actor) -> QuerySet:
    require_reader(actor, "applications")
    qs = Application.objects.all()
    if actor.kind in ENTERPRISE_ACTORS:
        return qs.filter(enterprise=enterprise_of(actor)) if actor.enterprise_id else qs.none()
    if is_staff(actor):
        units = jurisdiction_units(actor).values("id")
        # Only the current round's route counts: once resubmitted to other units, the former
        # reviewers no longer see the (possibly changed) data.
        return qs.filter(
            Exists(
                ReviewStep.objects.filter(
                    application=OuterRef("pk"), round=OuterRef("round"), unit_id__in=units
                )
            )
        )
    if actor.kind == UserKind.ADMIN:
        return qs
    return qs.none()


def open_application(enterprise, kind: str, subject_key: str | None = None) -> Application | None:
    """The enterprise's open (DRAFT / SUBMITTED / RETURNED) application of a kind (and subject), if any."""
    qs = Application.objects.filter(enterprise=enterprise, kind=kind, status__in=OPEN_STATUSES)
    if subject_key is not None:
        qs = qs.filter(subject_key=subject_key)
    return qs.order_by("-id").first()


def application_get(actor, application_id) -> Application:
    app = visible_applications(actor).select_related("enterprise").filter(pk=_int_id(application_id)).first()
    if app is None:
        raise NotFound(Code.APPLICATION_NOT_FOUND, _("没有找到这条申请。"))
    return app


def _int_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _local_day_start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def parse_date(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(Code.DATE_INVALID, _("日期格式应为 YYYY-MM-DD。"), field) from None


def applications_list(
    actor,
    *,
    kind: str | None = None,
    status: str | None = None,
    submitted_from=None,
    submitted_to=None,
    kinds=None,
) -> QuerySet:
    """业务办理状态查询: the own enterprise's applications, newest first (`kinds`: the screen's set)."""
    enterprise = enterprise_of(actor)
    qs = Application.objects.filter(enterprise=enterprise)
    if kind:
        get_kind(kind)  # kind_unknown: a mistyped kind is a mistake, not an empty list
        qs = qs.filter(kind=kind)
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    qs = filter_choice(qs, "status", status, Status.values, Code.STATUS_INVALID, _("信息状态不正确。"))
    start, end = parse_date(submitted_from, "submitted_from"), parse_date(submitted_to, "submitted_to")
    if start and end and start > end:
        raise InvalidInput(Code.DATE_RANGE_INVALID, _("提交日期的起始日期应早于截止日期。"), "submitted_from")
    # From the calendar's first day or to its last: any submitted one (their local midnights would
    # overflow as UTC times).
    if start or end:
        qs = qs.filter(submitted_at__isnull=False)
    if start and start > date.min:
        qs = qs.filter(submitted_at__gte=_local_day_start(start))
    if end and end < date.max:
        qs = qs.filter(submitted_at__lt=_local_day_start(end + timedelta(days=1)))
    return qs.order_by("-created_at", "-id")


QUEUE_FILTERS: dict[str, dict[str, Any]] = {
    "pending": {"status": StepStatus.PENDING},
    "decided": {"status__in": [StepStatus.APPROVED, StepStatus.RETURNED]},
}


def review_queue(actor, *, status: str = "pending", enterprise_name: str = "") -> QuerySet:
    """Steps routed to the reviewer's unit and the units below it; `enterprise_name` matches fuzzily
    (a pg_trgm index serves it on PostgreSQL)."""
    require_staff(actor)
    if status not in QUEUE_FILTERS:
        raise InvalidInput(Code.STATUS_INVALID, _("状态只能是 pending 或 decided。"), "status")
    units = jurisdiction_units(actor).values("id")
    order = "created_at" if status == "pending" else "-decided_at"
    qs = ReviewStep.objects.filter(unit_id__in=units, **QUEUE_FILTERS[status])
    if status != "pending":
        # Decisions of earlier rounds stay hidden. PENDING steps need no such join: a submission opens a
        # round only from DRAFT/RETURNED and a return closes the round's open steps (bench/: 3x faster).
        qs = qs.filter(round=F("application__round"))
    qs = filter_given(qs, application__enterprise__name__icontains=enterprise_name)
    return qs.select_related("unit", "application", "application__enterprise", "reviewer").order_by(
        order, "id"
    )


def step_get(actor, step_id) -> ReviewStep:
    step = (
        ReviewStep.objects.select_related("unit", "application", "application__enterprise")
        .filter(
            pk=_int_id(step_id),
            round=F("application__round"),
            unit_id__in=jurisdiction_units(actor).values("id"),
        )
        .first()
    )
    if step is None:
        raise NotFound(Code.STEP_NOT_FOUND, _("没有找到这个审核环节。"))
    return step


def attachment_get(actor, application_id, attachment_id) -> Attachment:
    app = application_get(actor, application_id)
    att = app.attachments.filter(pk=_int_id(attachment_id)).first()
    if att is None:
        raise NotFound(Code.ATTACHMENT_NOT_FOUND, _("没有找到这个随附单据。"))
    return att
