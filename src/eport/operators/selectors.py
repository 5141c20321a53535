"""Reads of operators, scoped to the actor: missing and forbidden answer alike (404)."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from eport.accounts.models import UserKind
from eport.accounts.permissions import (
    acting_enterprise,
    is_enterprise_actor,
    jurisdiction_units,
    require_reader,
)
from eport.applications.models import OPEN_STATUSES, Application
from eport.errors import NotFound
from eport.filters import filter_choice, filter_given
from eport.operators.codes import Code

from .kinds import CANCELLATION, DECLARATION, operator_subject
from .models import Operator, OperatorStatus


def operators_visible(actor) -> QuerySet:
    """The enterprise's own (its card-less user and legal card); the RA: enterprises of its sub-centre."""
    require_reader(actor, "operators")
    kind = getattr(actor, "kind", None)
    if is_enterprise_actor(actor):
        return Operator.objects.filter(enterprise=acting_enterprise(actor))
    if kind == UserKind.RA and actor.unit_id:
        return Operator.objects.filter(enterprise__card_issuer__in=jurisdiction_units(actor))
    return Operator.objects.none()


def operators_query(
    actor,
    *,
    operator_no: str = "",
    status: str = "",
    name: str = "",
    id_no: str = "",
    phone: str = "",
    job_title: str = "",
) -> QuerySet:
    """企业操作员信息申报 list: exact 操作员统一编号 / 证件号 / 联系电话, fuzzy 姓名 and 职务, 信息状态."""
    qs = filter_given(
        operators_visible(actor),
        operator_no=operator_no.upper(),
        name__icontains=name,
        id_no=id_no.upper(),
        phone=phone,
        job_title__icontains=job_title,
    )
    qs = filter_choice(
        qs, "status", status, OperatorStatus.values, Code.STATUS_INVALID, _("信息状态不正确。")
    )
    return qs.select_related("enterprise").order_by("-id")


def operator_get(actor, operator_no: str) -> Operator:
    op = (
        operators_visible(actor)
        .select_related("enterprise")
        .filter(operator_no=(operator_no or "").strip().upper())
        .first()
    )
    if op is None:
        raise NotFound(Code.OPERATOR_NOT_FOUND, _("没有这个操作员，或您无权查看。"))
    return op


def open_applications_of(operators) -> dict[str, dict[str, Application]]:
    """operator_no -> {kind: its open application} for a page of operators (one query): what a row
    may still do (修改 a draft, a change or cancellation in flight)."""
    subjects = {operator_subject(o.operator_no): o.operator_no for o in operators}
    out: dict[str, dict[str, Application]] = {no: {} for no in subjects.values()}
    for app in Application.objects.filter(
        subject_key__in=list(subjects), kind__in=[DECLARATION, CANCELLATION], status__in=OPEN_STATUSES
    ).select_related("applicant"):
        out[subjects[app.subject_key]][app.kind] = app
    return out


def operator_applications(operator: Operator) -> QuerySet:
    """Every declaration, change and cancellation of one operator, newest first."""
    return Application.objects.filter(
        enterprise_id=operator.enterprise_id, subject_key=operator_subject(operator.saved_no)
    ).order_by("-id")
