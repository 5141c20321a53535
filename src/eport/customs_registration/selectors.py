"""What 海关企业管理 reads (SPEC §6.7): the enterprise's customs registration, assembled from its one source
each — the approved customs filing (海关编码, 主管海关, 备案海关), the enterprise's master data (name, USCC,
住所, 法定代表人) and this app's Registration row (企业类别, 注册日期, 报关有效期, 经营场所, 联系人, 年报) — and
the reminders a card sees after sign-in (报关有效期提醒, 报送材料提醒)."""

import datetime as dt

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.applications.models import EDITABLE_STATUSES, OPEN_STATUSES, Application, Attachment, DocType
from eport.cards import menu
from eport.cards.selectors import granted_today, subsystem_card
from eport.errors import NotFound
from eport.filings.models import EnterpriseFiling
from eport.refdata.lookup import direct_customs, unit_for
from eport.refdata.models import CustomsDistrict, Dept

from .codes import Code
from .models import Registration

SUBSYSTEM = "enterprise_mgmt"
EXPIRY_DAYS = 90  # 报关有效期提醒 [P: SPEC §6.7]
CHANGE_KIND, RENEWAL_KIND = "customs_registration_change", "customs_registration_renewal"
KINDS = (CHANGE_KIND, RENEWAL_KIND)
# What each application must carry before 申报 (its 报送材料): 延续 the 报关单位登记证, 变更 the 营业执照.
REQUIRED_DOCS = {RENEWAL_KIND: DocType.CUSTOMS_REGISTRATION, CHANGE_KIND: DocType.BUSINESS_LICENSE}
ANNUAL_REPORT_DUE = (6, 30)  # 年度报告: last year's, by 30 June [P]
MENU_PART = "registration"  # the reminder row's name in a card's cached menu


def customs_filing(enterprise) -> EnterpriseFiling | None:
    return EnterpriseFiling.objects.filter(enterprise=enterprise, filing="customs").first()


def registered_customs(enterprise, filing: EnterpriseFiling | None = None) -> str:
    """注册海关: the 主管海关 of the customs filing (the enterprise's own when the filing names none)."""
    filing = filing if filing is not None else customs_filing(enterprise)
    return ((filing.data if filing else {}).get("customs_code") or enterprise.customs_code or "").strip()


def review_unit(enterprise):
    """The customs unit (企管) of the enterprise's direct customs, which reviews its 变更 and 延续."""
    direct = direct_customs(registered_customs(enterprise))
    return unit_for(Dept.CUSTOMS, direct) if direct and direct != "0000" else None


def annual_report_due_year(today: dt.date) -> int:
    return today.year - 1


def renewed_until(valid_until: dt.date, today: dt.date) -> dt.date:
    """延续 [P]: three years from the current 有效期's end, or from today when it has already ended."""
    start = max(valid_until, today)
    try:
        return start.replace(year=start.year + 3)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 3, day=28)


def registration_of(actor) -> Registration:
    """The registration of the signed-in card's enterprise (the card must hold 海关企业管理); 404 when the
    enterprise has no approved customs filing."""
    from .services import registration_ensure  # the row is made on first read

    card = subsystem_card(actor, SUBSYSTEM)
    reg = registration_ensure(card.enterprise)
    if reg is None:
        raise NotFound(
            Code.NOT_REGISTERED, _("本企业尚未办理海关备案（报关单位注册登记），请先办理企业海关备案。")
        )
    return reg


def registration_view(reg: Registration, *, today: dt.date | None = None) -> dict:
    """The registration as the screen and the API show it."""
    today = today or timezone.localdate()
    e = reg.enterprise
    filing = customs_filing(e)
    data = filing.data if filing else {}
    customs = registered_customs(e, filing)
    names = dict(
        CustomsDistrict.objects.filter(code__in=[customs, data.get("filing_customs") or ""]).values_list(
            "code", "name"
        )
    )
    return {
        "customs_code": data.get("reg_no") or "",
        "enterprise_name": e.name,
        "uscc": e.uscc or "",
        "registered_customs": customs,
        "registered_customs_name": names.get(customs, ""),
        "filing_customs": data.get("filing_customs") or "",
        "filing_customs_name": names.get(data.get("filing_customs") or "", ""),
        "category": reg.category,
        "category_name": str(reg.get_category_display()),
        "registered_on": reg.registered_on,
        "valid_until": reg.valid_until,
        "days_left": (reg.valid_until - today).days,
        "expired": reg.valid_until < today,
        "address": e.address,
        "business_address": reg.business_address,
        "legal_rep_name": e.legal_rep_name,
        "contact_name": reg.contact_name,
        "contact_phone": reg.contact_phone,
        "annual_report_year": reg.annual_report_year,
        "annual_report_due_year": annual_report_due_year(today),
        "updated_at": reg.updated_at,
    }


def applications(actor):
    """The enterprise's 变更 and 延续 applications, newest first (its own only)."""
    card = subsystem_card(actor, SUBSYSTEM)
    return Application.objects.filter(enterprise_id=card.enterprise_id, kind__in=KINDS).order_by(
        "-created_at", "-id"
    )


def _open_app(kind: str):
    return Application.objects.filter(
        enterprise_id=OuterRef("enterprise_id"), kind=kind, status__in=EDITABLE_STATUSES
    ).order_by("-id")


def reminder_row(card) -> dict | None:
    """What the reminders read of the enterprise, in one query: its registration's 有效期 and 年报, and its open
    变更 / 延续 with whether each carries its document. A part of the card's cached menu (connect_reminders)."""
    annotations: dict = {}
    for kind, doc in REQUIRED_DOCS.items():
        annotations[f"{kind}_no"] = Subquery(_open_app(kind).values("number")[:1])
        # One open application per kind and enterprise (the engine's rule): its document, if any.
        annotations[f"{kind}_doc"] = Exists(
            Attachment.objects.filter(
                application__enterprise_id=OuterRef("enterprise_id"),
                application__kind=kind,
                application__status__in=EDITABLE_STATUSES,
                doc_type=doc,
            )
        )
    return (
        Registration.objects.filter(enterprise_id=card.enterprise_id)
        .annotate(**annotations)
        .values("valid_until", "annual_report_year", *annotations)
        .first()
    )


def reminders(card, *, today: dt.date | None = None) -> list[dict]:
    """报关有效期提醒 and 报送材料提醒 for a card that may use 海关企业管理 today: from the card's menu (cards/menu.py:
    no query when the card was read with it; else its permissions and reminder_row). `due` is the date the
    reminder is about (ISO)."""
    if card is None:
        return []
    today = today or timezone.localdate()
    if SUBSYSTEM not in granted_today(card, today):
        return []
    row = menu.part(card, MENU_PART)
    if row is None:
        if card.kind not in ("legal", "operator"):
            return []
        from .services import registration_ensure  # first sign-in since the customs filing: make it

        if registration_ensure(card.enterprise) is None:
            return []
        row = reminder_row(card)
        if row is None:
            return []
    return reminders_of(row, today=today)


def connect_reminders() -> None:
    """The reminder row is a part of the card's menu; what it reads changes it (CustomsRegistrationConfig.ready)."""
    menu.PARTS[MENU_PART] = reminder_row
    menu.on_change(Registration, lambda r: r.enterprise_id)
    menu.on_change(Application, lambda a: a.enterprise_id if a.kind in KINDS else None)

    def attachment_enterprise(a):
        if Attachment._meta.get_field("application").is_cached(a):  # as an upload has it: no query
            return a.application.enterprise_id if a.application.kind in KINDS else None
        row = Application.objects.filter(pk=a.application_id, kind__in=KINDS).values("enterprise_id").first()
        return row["enterprise_id"] if row else None

    menu.on_change(Attachment, attachment_enterprise)


def reminders_of(row: dict, *, today: dt.date) -> list[dict]:
    out = []
    valid_until = row["valid_until"]
    days = (valid_until - today).days
    if days < 0:
        out.append(
            {
                "code": "registration_expired",
                "message": _("报关有效期已于 %(d)s 届满，请尽快申请延续。") % {"d": valid_until.isoformat()},
                "due": valid_until.isoformat(),
            }
        )
    elif days <= EXPIRY_DAYS:
        out.append(
            {
                "code": "registration_expiring",
                "message": _("报关有效期将于 %(d)s 届满（还有 %(n)d 天），请在届满前申请延续。")
                % {"d": valid_until.isoformat(), "n": days},
                "due": valid_until.isoformat(),
            }
        )
    year = annual_report_due_year(today)
    if (row["annual_report_year"] or 0) < year:
        due = dt.date(today.year, *ANNUAL_REPORT_DUE)
        out.append(
            {
                "code": "annual_report_due",
                "message": _("请报送 %(y)d 年度报告（截止 %(d)s）。") % {"y": year, "d": due.isoformat()},
                "due": due.isoformat(),
            }
        )
    for kind, doc in REQUIRED_DOCS.items():
        number = row[f"{kind}_no"]
        if number and not row[f"{kind}_doc"]:
            what = _("变更申请") if kind == CHANGE_KIND else _("延续申请")
            out.append(
                {
                    "code": "materials_missing",
                    "message": _("%(w)s %(n)s 尚缺报送材料：%(d)s。")
                    % {"w": what, "n": number, "d": doc.label},
                    "due": valid_until.isoformat() if kind == RENEWAL_KIND else None,
                }
            )
    return out


def expiring(*, today: dt.date, days: int = EXPIRY_DAYS):
    """The registrations whose 有效期 ends within `days` or has ended (the daily reminder's rows)."""
    return (
        Registration.objects.filter(valid_until__lte=today + dt.timedelta(days=days))
        .select_related("enterprise")
        .order_by("valid_until", "pk")
    )


def open_application(enterprise, kind: str) -> Application | None:
    return (
        Application.objects.filter(enterprise=enterprise, kind=kind, status__in=OPEN_STATUSES)
        .order_by("-id")
        .first()
    )
