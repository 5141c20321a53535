"""Who may do what: the actor groups and the rules every reader asks — the API (api/), the screens (web/, whose
decorators only turn these refusals into pages) and the selectors. One rule per question, so the two skins
cannot drift apart (NetBox's `.restrict(user, action)` is the model). Whether a card-less account may act
for its enterprise yet is accounts/trust.py's to say; the rules here ask it.

A refusal is the DomainError the API has always answered (the codes are the API contract): a rule about
*whose* record it is answers 404 (nothing to see), a rule about *who* the actor is answers 403.
"""

from django.utils.translation import gettext_lazy as _

from eport.accounts.codes import Code
from eport.errors import Forbidden, NotFound
from eport.refdata.selectors import units_under

from .models import UserKind
from .trust import require_trusted, trust_refusal

# --- the actor groups ------------------------------------------------------------------------------------

# The IC-card holders: they sign in with a card and PIN (their session lasts while the card is usable).
CARD_KINDS = frozenset({UserKind.LEGAL_CARD, UserKind.OPERATOR_CARD})
# The department staff bound to a unit: reviewers and the sub-centre (操作中心/数据分中心). They review what
# is routed to their unit and the units below it.
STAFF = frozenset({UserKind.REVIEWER, UserKind.RA})
# Who acts for an enterprise: its card-less user and its legal card file, and read the enterprise, its
# filings and its applications. An operator card is an employee's card: it only uses the subsystems it
# is authorised for (SPEC §1) — the 三证合一 record holds the legal representative's ID number.
ENTERPRISE_ACTORS = frozenset({UserKind.CARDLESS, UserKind.LEGAL_CARD})
# Everyone who belongs to an enterprise (and to no unit): the enterprise actors and the operator cards.
ENTERPRISE_USERS = frozenset({UserKind.CARDLESS, *CARD_KINDS})
# Who opens an application's page and its attachments: the enterprise actors (their own) and staff (what is
# routed to their unit); the selectors scope the rows. The administrator looks in the admin.
APPLICATION_READERS = ENTERPRISE_ACTORS | STAFF
# Who reads operators: the enterprise actors (their own) and the sub-centre (its enterprises', to make cards).
OPERATOR_READERS = ENTERPRISE_ACTORS | {UserKind.RA}
# Who reads cards: the card holders (the legal card its enterprise's, an operator card itself) and the
# sub-centre (the cards it issued); a card-less user and a reviewer have no card business.
CARD_READERS = CARD_KINDS | {UserKind.RA}

ENTERPRISE_ACTOR_REQUIRED = _("只有企业用户可以办理此业务。")
NO_ENTERPRISE = _("没有可查看的企业。")
REVIEWER_REQUIRED = _("只有审核部门可以审核。")
# The legal card's refusals, by what was asked (each code is the API's for that question).
LEGAL_CARD_REFUSALS = {
    "card_filings": ("legal_card_required", _("只有法人卡可以办理IC卡备案和权限申请。")),
    "accounts": ("legal_card_only", _("只有本企业法人卡可以确认无卡用户账号。")),
}


def _kind(actor):
    return getattr(actor, "kind", None)


# --- who reads a family of records at all --------------------------------------------------------------------

# family -> (who may read it, the refusal's code and message). A kind outside is refused (403) on the whole
# family, lists and single records alike; within it the selectors scope the rows (what is not yours: 404).
READERS = {
    "applications": (
        APPLICATION_READERS | {UserKind.ADMIN},
        Code.ENTERPRISE_ACTOR_REQUIRED,
        ENTERPRISE_ACTOR_REQUIRED,
    ),
    "operators": (
        OPERATOR_READERS,
        "operator_reader_required",
        _("只有企业用户和数据分中心可以查看操作员。"),
    ),
    "cards": (CARD_READERS, "card_reader_required", _("只有IC卡用户和数据分中心可以查看IC卡。")),
}


def require_reader(actor, family: str) -> None:
    kinds, code, message = READERS[family]
    if _kind(actor) not in kinds:
        raise Forbidden(code, message)


# --- staff -----------------------------------------------------------------------------------------------


def is_staff(actor) -> bool:
    return _kind(actor) in STAFF


def require_staff(actor) -> None:
    if not is_staff(actor):
        raise Forbidden(Code.REVIEWER_REQUIRED, REVIEWER_REQUIRED)


def jurisdiction_units(actor):
    """The staff member's own unit and every unit below it (nothing for anyone else): what the review
    queue, the cards and the operators of staff are scoped to."""
    if not is_staff(actor) or actor.unit_id is None:
        return units_under(None)
    return units_under(actor.unit)


def jurisdiction_codes(actor, dept: str) -> list[str]:
    """The codes of the staff member's units of one department (its own and those below): the 关区 a
    customs officer acts for, the 外汇局 a bureau reviewer does."""
    return list(jurisdiction_units(actor).filter(dept=dept).values_list("code", flat=True))


# --- one kind ------------------------------------------------------------------------------------------


def is_card_less(actor) -> bool:
    return _kind(actor) == UserKind.CARDLESS


def is_legal_card(actor) -> bool:
    return _kind(actor) == UserKind.LEGAL_CARD and getattr(actor, "enterprise_id", None) is not None


# --- the enterprise an actor acts for ----------------------------------------------------------------------


def is_enterprise_actor(actor) -> bool:
    return _kind(actor) in ENTERPRISE_ACTORS and getattr(actor, "enterprise_id", None) is not None


def acting_enterprise(actor, *, filing: bool = False):
    """The enterprise an enterprise actor acts for (staff and operator cards have none), once the account
    may act for it — to read, or with `filing` to change anything (accounts/trust.py)."""
    if not is_enterprise_actor(actor):
        raise Forbidden(Code.ENTERPRISE_ACTOR_REQUIRED, ENTERPRISE_ACTOR_REQUIRED)
    require_trusted(actor, filing=filing)
    return actor.enterprise


def can_read_enterprise(actor) -> bool:
    """May this actor read its enterprise's master record and filing states (GET /enterprise, /filings, the
    filing screens)? Its card-less user (once trusted) and its legal card; nobody else."""
    return is_enterprise_actor(actor) and trust_refusal(actor) is None


def enterprise_for_reading(actor):
    """The enterprise this actor may read. Another kind of actor is refused (403), an enterprise actor without
    an enterprise finds none (404), an account not trusted yet is told why (403, accounts/trust.py)."""
    if _kind(actor) not in ENTERPRISE_ACTORS:
        raise Forbidden(Code.ENTERPRISE_ACTOR_REQUIRED, ENTERPRISE_ACTOR_REQUIRED)
    if not is_enterprise_actor(actor):
        raise NotFound(Code.ENTERPRISE_NOT_FOUND, NO_ENTERPRISE)
    require_trusted(actor)
    return actor.enterprise


def require_legal_card(actor, *, purpose: str = "card_filings"):
    """The legal card's enterprise; anyone else is refused (the code and message `purpose` names)."""
    if not is_legal_card(actor):
        code, message = LEGAL_CARD_REFUSALS[purpose]
        raise Forbidden(code, message)
    return actor.enterprise


# --- the business registry ---------------------------------------------------------------------------------


def can_look_up_registry(actor, uscc: str) -> bool:
    """工商登记信息反填: an enterprise user (card-less or a card) its own USCC only — registering a USCC proves
    no ownership of another one; department staff and the administrator any (`uscc` normalised)."""
    if _kind(actor) in STAFF or _kind(actor) == UserKind.ADMIN:
        return True
    if _kind(actor) not in ENTERPRISE_USERS:
        return False
    enterprise = getattr(actor, "enterprise", None)
    return enterprise is not None and bool(enterprise.uscc) and enterprise.uscc == uscc
