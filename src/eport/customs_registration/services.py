"""海关企业管理 (SPEC §6.7): the registration row made from the approved customs filing, the 年度报告 handed
in, and the daily 报关有效期 reminder by mail. 变更 and 延续 go through the application engine (kinds.py).
Each change one transaction, audited; the screens and the API call these and nothing else."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.applications.models import Application, Status
from eport.audit.services import record
from eport.errors import Conflict
from eport.filings.models import EnterpriseFiling

from . import notify
from .codes import Code
from .models import Category, Registration
from .selectors import EXPIRY_DAYS, annual_report_due_year, customs_filing, expiring, registration_of

REGISTRATION_YEARS = 3  # [P] the 报关有效期 of a new registration: three years from the customs filing


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def registration_ensure(enterprise) -> Registration | None:
    """The enterprise's registration, made from its approved customs filing the first time it is needed
    (None without one): registered on the filing's day, valid three years, 报关企业 when its broker
    registration was approved, the enterprise's address and contact as the first 经营场所 and 联系人."""
    reg = Registration.objects.filter(enterprise=enterprise).select_related("enterprise").first()
    if reg is not None:
        return reg
    filing = customs_filing(enterprise)
    if filing is None:
        return None
    registered_on = timezone.localtime(filing.filed_at).date()
    broker = Application.objects.filter(
        enterprise=enterprise, kind="broker_registration", status=Status.APPROVED
    ).exists()
    try:
        with transaction.atomic():
            reg = Registration.objects.create(
                enterprise=enterprise,
                category=Category.BROKER if broker else Category.CONSIGNEE,
                registered_on=registered_on,
                valid_until=_years_after(registered_on, REGISTRATION_YEARS),
                business_address=enterprise.address,
                contact_name=enterprise.contact_name,
                contact_phone=enterprise.contact_phone,
            )
            record(
                actor=None,
                action="customs_registration.opened",
                obj=reg,
                after={"category": reg.category, "valid_until": reg.valid_until},
                reason=(filing.application.number or "") if filing.application else "",
            )
    except IntegrityError:  # made by a concurrent first read
        reg = Registration.objects.get(enterprise=enterprise)
    reg.enterprise = enterprise
    return reg


def annual_report_submit(actor, *, ip=None) -> Registration:
    """报送年度报告: the card hands in last year's report (once a year)."""
    year = annual_report_due_year(timezone.localdate())
    with transaction.atomic():
        reg = registration_of(actor)
        reg = Registration.objects.select_for_update().select_related("enterprise").get(pk=reg.pk)
        if (reg.annual_report_year or 0) >= year:
            raise Conflict(
                Code.ANNUAL_REPORT_DONE, _("%(y)d 年度报告已报送。") % {"y": year}, "annual_report_year"
            )
        before = reg.annual_report_year
        reg.annual_report_year = year
        reg.save(update_fields=["annual_report_year", "updated_at"])
        record(
            actor=actor,
            action="customs_registration.annual_report",
            obj=reg,
            ip=ip,
            before={"annual_report_year": before},
            after={"annual_report_year": year},
        )
        notify.annual_report_received(reg, year=year)
    return reg


def threshold(reg: Registration, today: dt.date) -> str | None:
    """Which expiry reminder is due for the registration today: "expired", "90", or None."""
    days = (reg.valid_until - today).days
    if days < 0:
        return "expired"
    if days <= EXPIRY_DAYS:
        return str(EXPIRY_DAYS)
    return None


def open_missing() -> int:
    """The registrations of the customs-filed enterprises that have none yet (otherwise made when a card
    first reads it), so the daily reminder reaches every one: how many were made."""
    filed = EnterpriseFiling.objects.filter(filing="customs").exclude(
        enterprise__in=Registration.objects.values("enterprise")
    )
    made = 0
    for filing in filed.select_related("enterprise").iterator(chunk_size=500):
        made += registration_ensure(filing.enterprise) is not None
    return made


def remind_expiring(*, today: dt.date | None = None, send: bool = True) -> list[tuple]:
    """The daily 报关有效期 reminder: each registration within 90 days of its end, or past it, is mailed
    once per threshold and 有效期 (Registration.reminded keeps which); a renewal moves the 有效期 and so
    starts again. Returns [(registration, threshold, sent)] of those due today."""
    today = today or timezone.localdate()
    if send:
        open_missing()
    out = []
    for reg in expiring(today=today).iterator(chunk_size=500):
        step = threshold(reg, today)
        if step is None:
            continue
        mark = f"{step}:{reg.valid_until.isoformat()}"
        if reg.reminded == mark:
            continue
        sent = False
        if send:
            with transaction.atomic():
                # Claimed first: two runs at once mail once (the second finds the mark set).
                claimed = (
                    Registration.objects.filter(pk=reg.pk, valid_until=reg.valid_until)
                    .exclude(reminded=mark)
                    .update(reminded=mark)
                )
                if not claimed:
                    continue
                record(
                    actor=None,
                    action="customs_registration.reminded",
                    obj=reg,
                    after={"reminded": mark},
                )
                sent = notify.registration_expiring(reg, expired=step == "expired", today=today)
        out.append((reg, step, sent))
    return out
