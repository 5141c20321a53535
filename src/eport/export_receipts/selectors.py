"""What each party reads in 出口收汇 (SPEC §6.5), and who it is:

- the enterprise: the cards holding the subsystem (cards.selectors.subsystem_card) read its own forms and
  requests;
- the 外汇局: reviewers of a forex unit read the forms and requests of the enterprises whose forex filing
  is with a unit of their jurisdiction (the request keeps that bureau);
- the customs: reviewers of a customs unit read the forms filed for a port (关区) whose unit is theirs or
  below theirs (customs:5300 covers 5301).

The holder's name on a form is `holder_name`, the one place every screen, the API and the export ask."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from eport.accounts.models import UserKind
from eport.accounts.permissions import CARD_KINDS, jurisdiction_codes, jurisdiction_units
from eport.cards.selectors import subsystem_card
from eport.errors import Forbidden, InvalidInput, NotFound
from eport.filings.changes import filed_name
from eport.filings.models import EnterpriseFiling, Filing
from eport.filters import filter_choice, filter_given
from eport.refdata.models import CustomsDistrict, Dept

from .codes import Code
from .models import FormRequest, FormState, ReceiptForm, RequestState

SUBSYSTEM = "export_receipt"
ENTERPRISE, BUREAU, CUSTOMS = "enterprise", "bureau", "customs"
MAX_PORTS = 20


def holder_name(enterprise) -> str:
    """The name a form shows for its holder (SPEC §6.5: a renamed enterprise's new name once customs, 工商
    and 外汇 all approved the change; that rule is the filings app's, `filed_name`). The lists prefetch the
    enterprises' filings, so a page of forms costs one query for them."""
    return filed_name(enterprise, enterprise.filings.all())


def role(actor) -> str | None:
    """Which party the actor is here: the enterprise's card, a forex or a customs reviewer (None: none)."""
    kind = getattr(actor, "kind", None)
    if kind in CARD_KINDS:
        return ENTERPRISE
    if kind == UserKind.REVIEWER and getattr(actor, "unit_id", None):
        return {Dept.FOREX: BUREAU, Dept.CUSTOMS: CUSTOMS}.get(actor.unit.dept)
    return None


def forex_bureau(enterprise):
    """The 外汇局 the enterprise's forex filing (企业外汇备案) is with, or None."""
    row = EnterpriseFiling.objects.filter(enterprise=enterprise, filing=Filing.FOREX).first()
    return row.unit if row else None


def bureau_units(actor) -> list[str]:
    return list(jurisdiction_units(actor).filter(dept=Dept.FOREX).values_list("id", flat=True))


def customs_codes(actor) -> list[str]:
    return jurisdiction_codes(actor, Dept.CUSTOMS)


def require_bureau(actor, what: str) -> None:
    if role(actor) != BUREAU:
        raise Forbidden(Code.BUREAU_REQUIRED, _("只有外汇局审核人员可以%(w)s。") % {"w": what})


def require_customs(actor) -> None:
    if role(actor) != CUSTOMS:
        raise Forbidden(Code.CUSTOMS_REQUIRED, _("只有海关审核人员可以登记出口报关单。"))


def visible_forms(actor) -> QuerySet:
    """The forms the actor may read; refused for anyone who is no party of this subsystem."""
    r = role(actor)
    qs = ReceiptForm.objects.select_related("enterprise", "bureau", "request").prefetch_related(
        "enterprise__filings"
    )
    if r == BUREAU:
        return qs.filter(bureau_id__in=bureau_units(actor))
    if r == CUSTOMS:
        return qs.filter(port__in=customs_codes(actor)).exclude(port="")
    card = subsystem_card(actor, SUBSYSTEM)  # a card without the subsystem, or any other actor: refused
    return qs.filter(enterprise_id=card.enterprise_id)


def visible_requests(actor) -> QuerySet:
    r = role(actor)
    qs = FormRequest.objects.select_related("enterprise", "bureau").prefetch_related("enterprise__filings")
    if r == BUREAU:
        return qs.filter(bureau_id__in=bureau_units(actor))
    if r == CUSTOMS:
        raise Forbidden(Code.BUREAU_REQUIRED, _("核销单申请只有申请企业和其外汇局可以查看。"))
    card = subsystem_card(actor, SUBSYSTEM)
    return qs.filter(enterprise_id=card.enterprise_id)


def form_get(actor, form_no) -> ReceiptForm:
    row = visible_forms(actor).filter(form_no=str(form_no or "").strip()).first()
    if row is None:
        raise NotFound(Code.FORM_NOT_FOUND, _("没有这份核销单，或您无权查看。"))
    return row


def request_get(actor, request_no) -> FormRequest:
    row = visible_requests(actor).filter(request_no=str(request_no or "").strip()).first()
    if row is None:
        raise NotFound(Code.REQUEST_NOT_FOUND, _("没有这个申请号，或您无权查看。"))
    return row


def filter_forms(
    qs: QuerySet,
    *,
    form_no: str = "",
    state: str = "",
    port: str = "",
    request_no: str = "",
    enterprise: str = "",
    decl_no: str = "",
) -> QuerySet:
    """综合查询's filters: 核销单号 (prefix), 状态, 使用口岸, 申请号, 企业 (a part of the name), 报关单号."""
    qs = filter_given(
        qs,
        form_no__startswith=form_no or "",
        port=port or "",
        request__request_no=request_no or "",
        enterprise__name__icontains=enterprise or "",
        decl_no__startswith=decl_no or "",
    )
    return filter_choice(qs, "state", state, FormState.values, Code.STATE_INVALID, _("没有这个状态。"))


def filter_requests(qs: QuerySet, *, request_no: str = "", state: str = "", enterprise: str = "") -> QuerySet:
    qs = filter_given(
        qs, request_no__startswith=request_no or "", enterprise__name__icontains=enterprise or ""
    )
    return filter_choice(qs, "state", state, RequestState.values, Code.STATE_INVALID, _("没有这个状态。"))


def ports(q: str, limit: int = MAX_PORTS) -> list[dict]:
    """使用口岸 by code (prefix) or a part of its name: the customs districts (关区)."""
    q = (q or "").strip()
    if not q:
        return []
    rows = CustomsDistrict.objects.filter(Q(code__startswith=q) | Q(name__icontains=q)).order_by("code")
    return [{"code": r.code, "name": r.name} for r in rows[:limit]]


def port_name(code: str) -> str:
    row = CustomsDistrict.objects.filter(code=code).first() if code else None
    return row.name if row else ""


def clean_port(value) -> CustomsDistrict:
    code = str(value or "").strip()
    row = CustomsDistrict.objects.filter(code=code).first() if len(code) == 4 else None
    if row is None:
        raise InvalidInput(Code.PORT_UNKNOWN, _("使用口岸：没有这个口岸代码，请从列表中选择。"), "port")
    return row


def clean_form_no(value, field: str = "form_no") -> str:
    text = str(value or "").strip()
    if len(text) != 9 or not text.isascii() or not text.isdigit():
        raise InvalidInput(Code.FORM_NO_INVALID, _("核销单号为9位数字。"), field)
    return text
