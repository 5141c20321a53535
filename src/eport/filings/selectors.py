"""Reads of filing states, scoped to the enterprise the caller acts for (the screens and the API)."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from eport.accounts.permissions import require_legal_card
from eport.applications.models import Application, Status
from eport.applications.selectors import open_application
from eport.cards.models import Card, CardPermission, CardState
from eport.filters import filter_given

from .changes import change_kinds, differences
from .kinds import EnterpriseFilingKind, kinds_by_filing
from .models import EnterpriseFiling


def state_label(filed: bool, app: Application | None) -> str:
    """What the page states in red at the top (当前状态)."""
    if filed:
        return _("备案通过")
    if app is None:
        return _("未备案")
    if app.status == Status.SUBMITTED:
        return _("已申报，审核中")
    return str(app.get_status_display())


def enterprise_filings(enterprise) -> dict:
    """filing -> {"filed": bool, "status", "label", "unit", "filed_at", "application", "changes",
    "change_application", "changed_at"} for the three filings: `changes` is what the filing holds of the
    enterprise that its 三证合一 record no longer says (a 备案变更 is due), `change_application` the open
    备案变更."""
    filed = {
        f.filing: f for f in EnterpriseFiling.objects.filter(enterprise=enterprise).select_related("unit")
    }
    changes = change_kinds()
    out = {}
    for filing, kind in kinds_by_filing(EnterpriseFilingKind).items():
        f = filed.get(filing)
        app = None if f else open_application(enterprise, kind.code)
        change_app = open_application(enterprise, changes[filing].code) if f else None
        out[str(filing)] = {
            "filed": f is not None,
            "status": "FILED" if f else (app.status if app else "NONE"),
            "label": state_label(f is not None, app),
            "unit": f.unit if f else None,
            "filed_at": f.filed_at if f else None,
            "changed_at": f.changed_at if f else None,
            "data": f.data if f else None,
            "application": app,
            "changes": differences(f, enterprise) if f else [],
            "change_application": change_app,
        }
    return out


def enterprise_cards(actor, *, card_no: str = "", holder_name: str = "") -> QuerySet:
    """The legal card's enterprise's cards not voided, with their filings and permissions (one query each);
    anyone else is refused (legal_card_required)."""
    qs = (
        Card.objects.filter(enterprise=require_legal_card(actor))
        .exclude(state=CardState.VOIDED)
        .select_related("certificate", "operator", "enterprise", "issuer")
        .prefetch_related(
            "filings", Prefetch("permissions", queryset=CardPermission.objects.select_related("subsystem"))
        )
        .order_by("kind", "card_no")
    )
    return filter_given(qs, card_no__icontains=card_no, holder_name__contains=holder_name)


def card_filings(card) -> list[str]:
    return sorted(f.filing for f in card.filings.all())


def card_permissions(card) -> list[CardPermission]:
    return sorted(card.permissions.all(), key=lambda p: (p.subsystem.sort, p.subsystem_id))
