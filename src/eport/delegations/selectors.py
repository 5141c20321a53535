"""查找报关企业: the approved brokers a consignor may pick (SPEC §6.2). Only Broker rows are searched, and
a row exists only once the 报关协会 approved it: drafts, pending and returned registrations never show."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.accounts.permissions import ENTERPRISE_USERS
from eport.agreements.selectors import approved_customs, has_approved
from eport.cards.selectors import subsystem_card
from eport.errors import Forbidden, InvalidInput

from .codes import Code
from .models import OPEN_STATES, Broker, Delegation, DelegationState

SUBSYSTEM = "paperless_delegation"


def require_broker_searcher(actor) -> None:
    """Enterprise users look for their brokers: the card-less user, the legal card and operator cards."""
    if getattr(actor, "kind", None) not in ENTERPRISE_USERS or getattr(actor, "enterprise_id", None) is None:
        raise Forbidden(Code.ENTERPRISE_USER_REQUIRED, _("只有企业用户可以查找报关企业。"))


def brokers(actor, q: str = ""):
    """Approved brokers matching `q`: exact 组织机构代码, exact 海关编码, or the name containing it."""
    require_broker_searcher(actor)
    qs = Broker.objects.all()
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(org_code=q.upper()) | Q(customs_code=q) | Q(name__icontains=q))
    return qs.order_by("customs_code")


def broker_of(enterprise) -> Broker | None:
    """The enterprise's own broker record, once its registration was approved."""
    return Broker.objects.filter(enterprise=enterprise).first()


def live_delegation(*, consignor, broker_enterprise, customs: str, direction: str, on=None):
    """The accepted delegation that lets `broker_enterprise` declare for `consignor` in the 关区 of
    `customs` (any district of the direct customs) and `direction` on the day `on` (today), while the
    consignor's paperless agreement for that 关区 is approved; or None."""
    day = on or timezone.localdate()
    if not has_approved(consignor, customs):  # the consignor's own paperless agreement for the 关区
        return None
    return (
        Delegation.objects.filter(
            consignor=consignor,
            broker__enterprise=broker_enterprise,
            customs=(customs or "")[:2] + "00",
            direction=direction,
            state=DelegationState.ACCEPTED,
            valid_from__lte=day,
            valid_to__gte=day,
        )
        .select_related("broker")
        .first()
    )


def visible(actor):
    """The delegations the signed-in card's enterprise gives or receives (委托 and 委托接收), when the card
    may use the subsystem."""
    card = subsystem_card(actor, SUBSYSTEM)
    return Delegation.objects.filter(Q(consignor=card.enterprise) | Q(broker__enterprise=card.enterprise))


def delegating_customs(actor) -> set[str]:
    """The 关区 where the signed-in card's enterprise may delegate: its approved paperless agreements."""
    return approved_customs(subsystem_card(actor, SUBSYSTEM).enterprise)


def delegations(actor, *, role: str = "", state: str = ""):
    """代理报关委托 (given) and 委托接收 (received) of the signed-in card's enterprise, newest first; `state`
    as of today (an open one past its date is 已到期)."""
    qs = visible(actor).select_related("consignor", "broker", "card")
    if role and role not in ("given", "received"):
        raise InvalidInput(Code.ROLE_INVALID, _("委托方向只能是 given 或 received。"), "role")
    if state and state not in DelegationState.values:
        raise InvalidInput(Code.STATE_INVALID, _("没有这个委托状态。"), "state")
    if role == "given":
        qs = qs.filter(consignor_id=actor.enterprise_id)
    elif role == "received":
        qs = qs.filter(broker__enterprise_id=actor.enterprise_id)
    today = timezone.localdate()
    if state == DelegationState.EXPIRED:
        qs = qs.filter(Q(state=state) | Q(state__in=OPEN_STATES, valid_to__lt=today))
    elif state in OPEN_STATES:
        qs = qs.filter(state=state, valid_to__gte=today)
    elif state:
        qs = qs.filter(state=state)
    return qs.order_by("-signed_at", "-pk")
