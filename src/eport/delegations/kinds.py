"""报关企业注册 (broker_registration) as a kind of the application engine (SPEC §6.2): an enterprise in the
network registers as a customs broker; the 报关协会 of its direct customs (assoc:XX00) reviews it; on
approval the Broker row exists and consignors can find it (selectors.brokers)."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.accounts.models import UserKind
from eport.applications.kinds import Kind, register
from eport.audit.services import record
from eport.enterprises.services import require_in_network
from eport.errors import Conflict
from eport.refdata.lookup import direct_customs, unit_for
from eport.refdata.models import Dept

from . import forms
from .codes import Code
from .models import Broker


def association_for(customs: str):
    """The 报关协会 unit (assoc:XX00) of the district's direct customs, or None."""
    direct = direct_customs(customs)
    return unit_for(Dept.ASSOC, direct) if direct and direct != "0000" else None


@register
class BrokerRegistration(Kind):
    code = "broker_registration"
    label = gettext_lazy("报关企业注册")
    number_prefix = "BG"
    filers = frozenset({UserKind.CARDLESS, UserKind.LEGAL_CARD})
    form_class = forms.BrokerRegistrationForm
    screen = "web:broker_registration"
    shows_last = True  # after approval its page shows 审核通过 and the broker's record

    def initial_data(self, *, enterprise):
        return {
            "org_code": forms.enterprise_org_code(enterprise),
            "name": enterprise.name,
            "customs": enterprise.customs_code,
            "contact_name": enterprise.contact_name,
            "contact_phone": enterprise.contact_phone,
        }

    def _not_registered(self, enterprise) -> None:
        if Broker.objects.filter(enterprise=enterprise).exists():
            raise Conflict(Code.ALREADY_BROKER, _("本企业已注册为报关企业，不能再次注册。"))

    def check_create(self, *, actor, enterprise, data=None):
        require_in_network(enterprise, _("企业尚未入网，不能注册为报关企业。"))
        self._not_registered(enterprise)

    def check_submit(self, *, application):
        self.check_create(actor=None, enterprise=application.enterprise)
        d = application.data
        if Broker.objects.filter(customs_code=d["broker_code"]).exists():
            raise Conflict(
                Code.BROKER_CODE_TAKEN,
                _("海关编码 %(c)s 已由其他报关企业注册。") % {"c": d["broker_code"]},
                "broker_code",
            )
        if association_for(d["customs"]) is None:
            raise Conflict(
                Code.NO_ASSOCIATION, _("主管海关 %(c)s 没有对应的报关协会。") % {"c": d["customs"]}, "customs"
            )

    def route(self, application):
        return [[association_for(application.data["customs"])]]

    def display_rows(self, data):
        rows = super().display_rows(data)
        direct = direct_customs(data.get("customs") or "")
        unit = association_for(data.get("customs") or "")
        if direct:
            rows.append((str(_("审核报关协会")), f"{unit.name}" if unit else direct))
        return rows

    def apply(self, application, *, actor):
        # Reviewed by the unit the round was routed to; one open registration per enterprise (the
        # engine's rule) and the unique 海关编码 keep two approvals from meeting here.
        step = application.steps.filter(round=application.round).select_related("unit").first()
        self.check_submit(application=application)
        d = application.data
        try:
            with transaction.atomic():  # two approvals of one 海关编码 at once: the unique index decides
                broker = Broker.objects.create(
                    enterprise=application.enterprise,
                    org_code=d["org_code"],
                    customs_code=d["broker_code"],
                    name=application.enterprise.name,
                    direct_customs=direct_customs(d["customs"]),
                    contact_name=d.get("contact_name") or "",
                    contact_phone=d.get("contact_phone") or "",
                    unit=step.unit,
                    application=application,
                    approved_at=timezone.now(),
                )
        except IntegrityError:
            raise Conflict(
                Code.BROKER_CODE_TAKEN,
                _("海关编码 %(c)s 已由其他报关企业注册。") % {"c": d["broker_code"]},
                "broker_code",
            ) from None
        record(
            actor=actor,
            action="broker.registered",
            obj=broker,
            after={"customs_code": broker.customs_code, "unit": broker.unit_id},
            reason=application.number or "",
        )
