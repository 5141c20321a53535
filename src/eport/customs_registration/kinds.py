"""变更 and 延续 of the 报关单位注册登记 as kinds of the application engine (SPEC §6.7): the enterprise's legal
card (holding 海关企业管理) files them with the required document; the customs unit of its direct customs
(customs:XX00, the 企管 that approved its customs filing) reviews; approval changes the registration
(变更: its details; 延续: the new 报关有效期). The engine mails the enterprise the decision; `announce` mails
the unit when one is submitted."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.accounts.models import UserKind
from eport.applications.kinds import Kind, register
from eport.applications.models import DocType
from eport.audit.services import record
from eport.cards.selectors import subsystem_card
from eport.errors import Conflict, DomainError, NotFound

from . import forms, notify
from .codes import Code
from .models import Category, Registration
from .selectors import (
    CHANGE_KIND,
    EXPIRY_DAYS,
    RENEWAL_KIND,
    REQUIRED_DOCS,
    SUBSYSTEM,
    renewed_until,
    review_unit,
)
from .services import registration_ensure

CHANGED = ("category", "business_address", "contact_name", "contact_phone")


def _registration(enterprise) -> Registration:
    reg = registration_ensure(enterprise)
    if reg is None:
        raise NotFound(
            Code.NOT_REGISTERED, _("本企业尚未办理海关备案（报关单位注册登记），请先办理企业海关备案。")
        )
    return reg


class RegistrationKind(Kind):
    filers = frozenset({UserKind.LEGAL_CARD})

    def check_create(self, *, actor, enterprise, data=None):
        subsystem_card(actor, SUBSYSTEM)  # the legal card must hold 海关企业管理
        self._ready(enterprise)

    def may_change(self, actor, application) -> bool:
        # Edited, submitted and deleted with a card that still holds 海关企业管理, not only started with one.
        if not super().may_change(actor, application):
            return False
        try:
            subsystem_card(actor, SUBSYSTEM)
        except DomainError:
            return False
        return True

    def _ready(self, enterprise) -> Registration:
        reg = _registration(enterprise)
        if review_unit(enterprise) is None:
            raise Conflict(
                Code.NO_CUSTOMS_UNIT, _("注册海关没有对应的企管审核单位，请联系主管海关。"), "kind"
            )
        return reg

    def check_submit(self, *, application):
        self._ready(application.enterprise)

    def required_doc_types(self, data, enterprise=None):
        return (REQUIRED_DOCS[self.code],)

    def route(self, application):
        return [[review_unit(application.enterprise)]]

    def announce(self, application):
        notify.application_submitted(application, review_unit(application.enterprise))

    def prelock(self, application):
        list(Registration.objects.select_for_update().filter(enterprise=application.enterprise))

    def check_rows(self, application):
        reg = Registration.objects.filter(enterprise=application.enterprise).first()
        if reg is None:
            return []
        return [
            (str(_("当前企业类别")), str(reg.get_category_display())),
            (str(_("当前经营场所")), reg.business_address),
            (str(_("当前报关业务联系人")), f"{reg.contact_name} {reg.contact_phone}".strip()),
            (str(_("当前报关有效期")), reg.valid_until.isoformat()),
        ]


@register
class RegistrationChange(RegistrationKind):
    code = CHANGE_KIND
    label = gettext_lazy("报关单位注册登记变更")
    number_prefix = "QB"
    form_class = forms.ChangeForm
    doc_types = (DocType.BUSINESS_LICENSE,)
    screen = "web:customs_registration_change"
    submitted_note = gettext_lazy("请等待海关企管审核。")

    def initial_data(self, *, enterprise):
        reg = registration_ensure(enterprise)
        return {f: getattr(reg, f) for f in CHANGED} if reg is not None else {}

    def check_submit(self, *, application):
        reg = self._ready(application.enterprise)
        d = application.data
        if all(str(d.get(f) or "") == str(getattr(reg, f) or "") for f in CHANGED):
            raise Conflict(Code.NOTHING_CHANGED, _("变更申请没有改动任何登记事项。"), "category")

    def apply(self, application, *, actor):
        reg = Registration.objects.select_for_update().get(enterprise=application.enterprise)
        before = {f: getattr(reg, f) for f in CHANGED}
        d = application.data
        for f in CHANGED:
            setattr(reg, f, d.get(f) or getattr(reg, f))
        if reg.category not in Category.values:
            reg.category = before["category"]
        reg.save(update_fields=[*CHANGED, "updated_at"])
        record(
            actor=actor,
            action="customs_registration.changed",
            obj=reg,
            before=before,
            after={f: getattr(reg, f) for f in CHANGED},
            reason=application.number or "",
        )


@register
class RegistrationRenewal(RegistrationKind):
    code = RENEWAL_KIND
    label = gettext_lazy("报关单位注册登记延续")
    number_prefix = "QY"
    form_class = forms.RenewalForm
    doc_types = (DocType.CUSTOMS_REGISTRATION,)
    screen = "web:customs_registration_renewal"
    submitted_note = gettext_lazy("请等待海关企管审核。")

    def _ready(self, enterprise):
        reg = super()._ready(enterprise)
        days = (reg.valid_until - timezone.localdate()).days
        if days > EXPIRY_DAYS:
            raise Conflict(
                Code.RENEWAL_TOO_EARLY,
                _("报关有效期至 %(d)s，届满前 %(n)d 天内方可申请延续。")
                % {"d": reg.valid_until.isoformat(), "n": EXPIRY_DAYS},
                "valid_until",
            )
        return reg

    def check_rows(self, application):
        rows = super().check_rows(application)
        reg = Registration.objects.filter(enterprise=application.enterprise).first()
        if reg is not None:
            new = renewed_until(reg.valid_until, timezone.localdate())
            rows.append((str(_("审核通过后报关有效期至")), new.isoformat()))
        return rows

    def apply(self, application, *, actor):
        reg = Registration.objects.select_for_update().get(enterprise=application.enterprise)
        before = reg.valid_until
        reg.valid_until = renewed_until(before, timezone.localdate())
        reg.reminded = ""  # a new 有效期: its reminders start again
        reg.save(update_fields=["valid_until", "reminded", "updated_at"])
        record(
            actor=actor,
            action="customs_registration.renewed",
            obj=reg,
            before={"valid_until": before},
            after={"valid_until": reg.valid_until},
            reason=application.number or "",
        )
