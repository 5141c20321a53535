"""Prefix look-up of code lists for auto-complete fields (SPEC §2 minimum lengths)."""

from django.utils.translation import gettext as _

from eport.errors import InvalidInput, NotFound
from eport.refdata.codes import Code

from .models import CustomsDistrict, Dept, Unit

# list name -> (department of units, or None for customs districts, minimum typed digits)
LISTS = {
    "customs": (None, 2),
    "aic_units": (Dept.AIC, 2),
    "tax_units": (Dept.TAX, 4),
    "quality_units": (Dept.QUALITY, 1),
    "forex_bureaus": (Dept.FOREX, 2),
    "commerce_authorities": (Dept.COMMERCE, 1),
}
MAX_RESULTS = 20


def prefix_lookup(list_name: str, prefix: str, limit: int = MAX_RESULTS) -> list[dict]:
    if list_name not in LISTS:
        raise NotFound(Code.UNKNOWN_LIST, _("没有这个代码表。"), "list")
    dept, min_len = LISTS[list_name]
    prefix = (prefix or "").strip()
    if len(prefix) < min_len:
        raise InvalidInput(Code.PREFIX_TOO_SHORT, _("请至少输入 %(n)d 位代码。") % {"n": min_len}, "prefix")
    if dept is None:
        districts = CustomsDistrict.objects.filter(code__startswith=prefix).order_by("code")[:limit]
        return [{"code": r.code, "name": r.name} for r in districts]
    rows = Unit.objects.filter(dept=dept, code__startswith=prefix, active=True).order_by("code")[:limit]
    return [{"id": r.id, "code": r.code, "name": r.name} for r in rows]


def name_for(list_name: str, code: str) -> str:
    """The name a code of a look-up list stands for ("" when it names nothing): shown beside the code."""
    if not code or list_name not in LISTS:
        return ""
    dept = LISTS[list_name][0]
    if dept is None:
        district = CustomsDistrict.objects.filter(code=code).first()
        return district.name if district else ""
    return getattr(unit_for(dept, code), "name", "")


def unit_for(dept: str, code: str) -> Unit | None:
    if not code:
        return None
    return Unit.objects.filter(id=Unit.make_id(dept, code), active=True).first()


def direct_customs(code: str) -> str:
    """The direct customs (直属海关) of a 4-digit customs district: its first two digits + "00" ("" otherwise)."""
    return code[:2] + "00" if len(code or "") == 4 else ""


def ra_unit_for_customs(customs_code: str) -> Unit | None:
    """The data sub-centre (操作中心) serving a customs district: the direct customs XX00's RA unit."""
    direct = direct_customs(customs_code)
    return unit_for(Dept.RA, direct) if direct else None
