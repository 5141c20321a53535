"""Changes to the master record (三证合一), applied by approved applications."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from eport.audit.services import record
from eport.enterprises.codes import Code
from eport.errors import Conflict
from eport.refdata.lookup import ra_unit_for_customs, unit_for

from .choices import UNIT_FIELDS, NetworkStatus
from .models import Enterprise, EnterpriseHistory

MASTER_FIELDS = (
    "name",
    "legal_rep_name",
    "legal_rep_id_type",
    "legal_rep_id_no",
    "legal_person_type",
    "enterprise_type",
    "enterprise_type_other",
    "capital_unit",
    "address",
    "phone",
    "issuing_authority_name",
    "customs_code",
)


def master_data(e: Enterprise) -> dict:
    d = {f: getattr(e, f) for f in MASTER_FIELDS}
    d["uscc"] = e.uscc or ""
    d["registered_capital"] = "" if e.registered_capital is None else str(e.registered_capital)
    for f in UNIT_FIELDS:
        unit = getattr(e, f)
        d[f] = unit.code if unit else ""
    return d


def enterprise_ra_unit(enterprise: Enterprise):
    """The data sub-centre (操作中心) of an enterprise: its 发卡机构, or the one its 主管海关 points to."""
    return enterprise.card_issuer or ra_unit_for_customs(enterprise.customs_code)


def require_in_network(enterprise: Enterprise, message) -> None:
    """The precondition of what only an enterprise in the network may do, with what it is refused for."""
    if not enterprise.in_network:
        raise Conflict(Code.ENTERPRISE_NOT_IN_NETWORK, message)


def route_to_sub_centre(application) -> list[list]:
    """The route of the kinds the 操作中心 alone reviews (operators, legal-card reissue)."""
    unit = enterprise_ra_unit(application.enterprise)
    if unit is None:
        raise Conflict(Code.CARD_ISSUER_UNKNOWN, _("企业没有对应的数据分中心（发卡机构），请先完成入网。"))
    return [[unit]]


def enterprise_apply_data(*, enterprise: Enterprise, data: dict, application, actor=None) -> Enterprise:
    """Write approved 三证合一 data into the master record; enter the network; keep the history."""
    e = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    before = master_data(e)
    if not e.uscc and data.get("uscc"):
        e.uscc = data["uscc"]  # first approved by organization code: the change brings its USCC
    for f in MASTER_FIELDS:
        setattr(e, f, data.get(f, "") or "")
    e.registered_capital = Decimal(data["registered_capital"]) if data.get("registered_capital") else None
    for f, dept in UNIT_FIELDS.items():
        setattr(e, f, unit_for(dept, data.get(f, "")))
    e.card_issuer = ra_unit_for_customs(e.customs_code)
    if e.network_status != NetworkStatus.IN_NETWORK:
        e.network_status, e.entered_at = NetworkStatus.IN_NETWORK, timezone.now()
    e.save()
    if not e.enterprise_no:
        # 企业统一编号: the 主管海关 code and the row id — unique, stable, and never typed.
        e.enterprise_no = f"{e.customs_code}{e.pk:010d}"
        e.save(update_fields=["enterprise_no"])
    after = master_data(e)
    EnterpriseHistory.objects.create(enterprise=e, application=application, before=before, after=after)
    record(
        actor=actor,
        action="enterprise.apply",
        obj=e,
        before=before,
        after=after,
        reason=getattr(application, "number", "") or "",
    )
    return e
