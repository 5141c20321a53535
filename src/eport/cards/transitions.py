"""The card's one table of allowed moves (SPEC §4): (action, state) -> (new state, certificate effect),
and who may do each action. Screens, API and the RA all go through `actions.card_act`, which reads only this;
the system's own move (the PIN lock) goes through the same `actions._move`.

Certificate effects: HOLD (certificateHold on the CRL/OCSP), RELEASE (hold lifted), REVOKE (for good),
REISSUE (a new certificate for the same card key; the old one revoked as superseded).
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import CardKind
from .models import CardState as S


class Action:
    RENEW = "renew"
    REPORT_LOST = "report-lost"
    CANCEL_LOST = "cancel-lost"
    FREEZE = "freeze"
    UNFREEZE = "unfreeze"
    UNLOCK = "unlock"
    VOID = "void"
    # The system's move, no one's button: the PIN entered wrong too often (sign-in or PIN change). Its
    # value is also its audit name, card.pin_locked.
    PIN_LOCK = "pin_locked"


LABELS = {
    Action.RENEW: _("延期"),
    Action.REPORT_LOST: _("挂失"),
    Action.CANCEL_LOST: _("解挂"),
    Action.FREEZE: _("冻结"),
    Action.UNFREEZE: _("解冻"),
    Action.UNLOCK: _("解锁"),
    Action.VOID: _("作废"),
}
# What the enterprise is told happened: every move of the table, the system's too (the buttons are LABELS).
NOTICES = {**LABELS, Action.PIN_LOCK: _("密码连续输错锁定")}

HOLD, RELEASE, REVOKE, REISSUE = "hold", "release", "revoke", "reissue"


@dataclass(frozen=True)
class Move:
    new_state: str
    effect: str | None = None


_NOT_VOIDED = (S.NORMAL, S.LOST, S.FROZEN, S.LOST_FROZEN)

TABLE: dict[str, dict[str, Move]] = {
    # 延期: the card must be presented (it signs a challenge), so neither lost nor voided; a frozen card
    # stays frozen and its new certificate starts on hold.
    Action.RENEW: {S.NORMAL: Move(S.NORMAL, REISSUE), S.FROZEN: Move(S.FROZEN, REISSUE)},
    Action.REPORT_LOST: {S.NORMAL: Move(S.LOST, HOLD), S.FROZEN: Move(S.LOST_FROZEN)},
    Action.CANCEL_LOST: {S.LOST: Move(S.NORMAL, RELEASE), S.LOST_FROZEN: Move(S.FROZEN)},
    Action.FREEZE: {S.NORMAL: Move(S.FROZEN, HOLD), S.LOST: Move(S.LOST_FROZEN)},
    Action.UNFREEZE: {S.FROZEN: Move(S.NORMAL, RELEASE), S.LOST_FROZEN: Move(S.LOST)},
    # 解锁 acts on the PIN lock, not the state (the card must be PIN-locked; checked by the service).
    Action.UNLOCK: {s: Move(s) for s in _NOT_VOIDED},
    Action.VOID: {s: Move(S.VOIDED, REVOKE) for s in _NOT_VOIDED},
    # Like 解锁, acts on the PIN lock, not the state (the card must not be locked yet; checked by the caller).
    Action.PIN_LOCK: {s: Move(s) for s in _NOT_VOIDED},
}
SYSTEM_ACTIONS = frozenset({Action.PIN_LOCK})
USER_ACTIONS = tuple(a for a in TABLE if a not in SYSTEM_ACTIONS)  # what card_act runs, in the table's order

# Why an action is refused in a state, for the message (anything not listed: "not allowed in this state").
REFUSALS: dict[tuple[str, str], str | Promise] = {
    (Action.RENEW, S.LOST): _("卡已挂失，不能延期：请先解挂。"),
    (Action.RENEW, S.LOST_FROZEN): _("卡已挂失，不能延期：请先解挂。"),
    (Action.REPORT_LOST, S.LOST): _("卡已挂失。"),
    (Action.REPORT_LOST, S.LOST_FROZEN): _("卡已挂失。"),
    (Action.CANCEL_LOST, S.NORMAL): _("卡未挂失，无需解挂。"),
    (Action.CANCEL_LOST, S.FROZEN): _("卡未挂失，无需解挂。"),
    (Action.FREEZE, S.FROZEN): _("卡已冻结。"),
    (Action.FREEZE, S.LOST_FROZEN): _("卡已冻结。"),
    (Action.UNFREEZE, S.NORMAL): _("卡未冻结，无需解冻。"),
    (Action.UNFREEZE, S.LOST): _("卡未冻结，无需解冻。"),
}

# Who may act (SPEC §1, §4): the RA on any card its sub-centre (or one below it) issued; the legal-person
# card on its own enterprise's operator cards (IC卡自主管理), except voiding.
RA_ACTIONS = frozenset(USER_ACTIONS)
LEGAL_CARD_ACTIONS = RA_ACTIONS - {Action.VOID}
# The legal card's own renew / lost / unlost are not self-service: "沿用旧流程，去分中心办理".
SELF_SERVICE_KINDS = frozenset({CardKind.OPERATOR})

HELD_STATES = frozenset({S.LOST, S.FROZEN, S.LOST_FROZEN})


def move_for(action: str, state: str) -> Move | None:
    return TABLE.get(action, {}).get(state)
