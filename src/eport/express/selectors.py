"""What a card or a customs officer reads in 快件通关. The operator's cards with the `express` permission
read their enterprise's declarations and receipts; customs reviewers read the declarations whose 进出口岸
lies in their jurisdiction (their unit and the units below it). Anything else: 403 for the wrong kind of
actor, 404 for a declaration outside what the actor sees."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from eport.accounts.permissions import is_staff, jurisdiction_codes
from eport.cards.selectors import subsystem_card
from eport.errors import Conflict, Forbidden, InvalidInput, NotFound
from eport.refdata.models import Dept

from .codes import Code
from .lists import CATEGORIES, KJ2
from .models import Declaration, Direction, Receipt, State

SUBSYSTEM = "express"
RELEASED_TABS = ("kj2", "other")  # 放行报关单: KJ2报关单, 其他报关单 (seed 000 step 4)


def customs_ports(actor) -> list[str]:
    """The 关区 codes of the customs units in the officer's jurisdiction (none for anyone else)."""
    if not is_staff(actor):
        return []
    return jurisdiction_codes(actor, Dept.CUSTOMS)


def require_customs(actor) -> list[str]:
    ports = customs_ports(actor)
    if not ports:
        raise Forbidden(Code.CUSTOMS_REQUIRED, _("只有海关审核人员可以审核快件报关单。"))
    return ports


def is_customs(actor) -> bool:
    return bool(customs_ports(actor))


def _check(direction: str, category: str, state: str) -> None:
    if direction and direction not in Direction.values:
        raise InvalidInput(Code.DIRECTION_INVALID, _("进出口标志只能是 I（进口）或 E（出口）。"), "direction")
    if category and category not in dict(CATEGORIES):
        raise InvalidInput(Code.CATEGORY_INVALID, _("没有这个快件类别。"), "category")
    if state and state not in State.values:
        raise InvalidInput(Code.STATE_INVALID, _("没有这个状态。"), "state")


def _filtered(qs, *, direction="", category="", waybill="", state="", released="") -> QuerySet:
    _check(direction, category, state)
    if direction:
        qs = qs.filter(direction=direction)
    if category:
        qs = qs.filter(category=category)
    if (waybill or "").strip():
        qs = qs.filter(waybill=waybill.strip().upper())
    if state:
        qs = qs.filter(state=state)
    if released:
        if released not in RELEASED_TABS:
            raise InvalidInput(Code.RELEASED_INVALID, _("已放行报关单只分 kj2 和 other 两类。"), "released")
        qs = qs.filter(state=State.RELEASED)
        qs = qs.filter(category=KJ2) if released == "kj2" else qs.exclude(category=KJ2)
    return qs


def declarations(actor, **filters) -> QuerySet:
    """The declarations the actor sees, filtered (direction, category, waybill, state, released=kj2|other):
    a card's enterprise's, or a customs officer's 关区's; newest first."""
    if is_staff(actor):
        qs = Declaration.objects.filter(port__in=require_customs(actor))
    else:
        card = subsystem_card(actor, SUBSYSTEM)
        qs = Declaration.objects.filter(enterprise_id=card.enterprise_id)
    return _filtered(qs.select_related("enterprise"), **filters).order_by("-received_at", "-pk")


def customs_queue(actor, **filters) -> QuerySet:
    """审核: the received declarations of the officer's 关区 waiting for 放行 or 退单, oldest first."""
    qs = Declaration.objects.filter(port__in=require_customs(actor), state=State.RECEIVED)
    return _filtered(qs.select_related("enterprise"), **filters).order_by("received_at", "pk")


def declaration_for(actor, declaration_id, *, lock: bool = False) -> Declaration:
    if is_staff(actor):
        qs = Declaration.objects.filter(port__in=require_customs(actor))
    else:
        qs = Declaration.objects.filter(enterprise_id=subsystem_card(actor, SUBSYSTEM).enterprise_id)
    if lock:
        qs = qs.select_for_update(of=("self",))
    row = (
        qs.select_related("enterprise").filter(pk=declaration_id).first()
        if str(declaration_id).isdigit()
        else None
    )
    if row is None:
        raise NotFound(Code.DECLARATION_NOT_FOUND, _("没有这份快件报关单，或您无权查看。"))
    return row


def receipts(actor, *, waybill: str = "", direction: str = "") -> QuerySet:
    """回执查询: the receipts of the declarations under one 总运单号 (and direction), newest first."""
    card = subsystem_card(actor, SUBSYSTEM)
    waybill = (waybill or "").strip().upper()
    if not waybill:
        raise InvalidInput(Code.WAYBILL_INVALID, _("请输入总运单号。"), "waybill")
    _check(direction, "", "")
    qs = Receipt.objects.filter(declaration__enterprise_id=card.enterprise_id, declaration__waybill=waybill)
    if direction:
        qs = qs.filter(declaration__direction=direction)
    return qs.select_related("declaration").order_by("-at", "-pk")


def released_for_print(actor, declaration_id) -> Declaration:
    """打印: a released declaration the actor sees (a declaration not released yet has no print: 409)."""
    d = declaration_for(actor, declaration_id)
    if d.state != State.RELEASED:
        raise Conflict(Code.NOT_RELEASED, _("报关单放行后才能打印。"))
    return d


def templates_for(actor) -> None:
    """The upload templates are for the cards that upload."""
    subsystem_card(actor, SUBSYSTEM)


def direction_of(value: str) -> str:
    if value not in Direction.values:
        raise NotFound(Code.DIRECTION_INVALID, _("进出口标志只能是 I（进口）或 E（出口）。"), "direction")
    return value
