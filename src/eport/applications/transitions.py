"""The engine's one table of allowed moves (SPEC §3): for an application and for a review step,
(action, status) -> the new status, and what the kind is told. `services._move` and `services._step_move`
read only this; a refusal here keeps the code the API and the screens have always answered.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from eport.applications.codes import Code
from eport.errors import Conflict

from .models import DELETABLE_STATUSES, EDITABLE_STATUSES, OPEN_STATUSES, Status, StepStatus


class Action:
    CREATE = "create"
    UPDATE = "update"
    SUBMIT = "submit"
    DELETE = "delete"
    APPROVE = "approve"  # the last step approved (the kind's effect runs)
    RETURN = "return"
    CLOSE = "close"  # ended without a decision (SPEC §8: its account was closed)


# What the kind hears after the save (before the audit row): `track` keeps its own rows in step,
# `apply` is the effect of approval; a closed application tells it nothing (there is no such state to track).
TRACK, APPLY = "track", "apply"


@dataclass(frozen=True)
class Move:
    new_status: str | None  # None: the application is deleted
    kind_hook: str | None = None
    notify: bool = False  # the applicant told of the decision (on commit)


TABLE: dict[str, dict[str | None, Move]] = {
    Action.CREATE: {None: Move(Status.DRAFT, TRACK)},
    Action.UPDATE: {s: Move(s, TRACK) for s in EDITABLE_STATUSES},
    Action.SUBMIT: {s: Move(Status.SUBMITTED, TRACK) for s in EDITABLE_STATUSES},
    Action.DELETE: {s: Move(None) for s in DELETABLE_STATUSES},
    Action.APPROVE: {Status.SUBMITTED: Move(Status.APPROVED, APPLY, notify=True)},
    Action.RETURN: {Status.SUBMITTED: Move(Status.RETURNED, TRACK, notify=True)},
    Action.CLOSE: {s: Move(Status.CLOSED) for s in OPEN_STATUSES},
}


class StepAction:
    OPEN = "open"  # its stage's turn: the stage before it is approved
    APPROVE = "approve"
    AUTO_APPROVE = "auto_approve"
    RETURN = "return"
    CLOSE = "close"  # the round ended without it (returned elsewhere, or the application closed)


STEP_TABLE: dict[str, dict[str, str]] = {
    StepAction.OPEN: {StepStatus.WAITING: StepStatus.PENDING},
    StepAction.APPROVE: {StepStatus.PENDING: StepStatus.APPROVED},
    StepAction.AUTO_APPROVE: {StepStatus.PENDING: StepStatus.AUTO_APPROVED},
    StepAction.RETURN: {StepStatus.PENDING: StepStatus.RETURNED},
    StepAction.CLOSE: {StepStatus.PENDING: StepStatus.CLOSED, StepStatus.WAITING: StepStatus.CLOSED},
}


def move_for(action: str, status: str | None) -> Move | None:
    return TABLE.get(action, {}).get(status)


def can(action: str, status: str | None) -> bool:
    return move_for(action, status) is not None


def refusal(action: str, status: str | None) -> Conflict | None:
    """Why the application in this status may not take the action (None: it may)."""
    if can(action, status):
        return None
    if action == Action.UPDATE:  # an attachment added or removed is an edit too
        if status == Status.SUBMITTED:
            return Conflict(Code.NOT_EDITABLE, _("申请正在审核中，只可以查看，不能修改。"))
        return Conflict(Code.NOT_EDITABLE, _("申请已审核通过，不能再修改。"))
    if action == Action.SUBMIT:
        return Conflict(Code.NOT_SUBMITTABLE, _("只有暂存或退回的申请可以申报。"))
    if action == Action.DELETE:
        return Conflict(Code.NOT_DELETABLE, _("只可以删除状态为暂存的申请。"))
    # The engine's own moves (approve, return, close) run only where the table allows them.
    return Conflict(Code.STATE_CONFLICT, _("申请当前状态不能办理这项操作。"))


def step_refusal(action: str, status: str) -> Conflict | None:
    """Why the review step in this status may not take the action (None: it may)."""
    if status in STEP_TABLE.get(action, {}):
        return None
    return Conflict(Code.STEP_NOT_PENDING, _("这个审核环节已处理或尚未轮到，不能再审核。"))
