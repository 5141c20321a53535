"""The delegations' part of what other apps do (their signals; connected in DelegationsConfig.ready)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from eport.agreements.signals import agreement_terminated
from eport.audit.services import record

from . import notify
from .models import OPEN_STATES, Delegation, DelegationState


def agreement_ended(sender, *, agreement, actor, **kwargs) -> None:
    """解约: the enterprise may no longer declare paperless in that 关区, so its delegations there end (已撤销,
    by the consignor, the reason said), each broker told, in the 解约's transaction."""
    rows = Delegation.objects.select_for_update(of=("self",)).select_related(
        "consignor", "broker__enterprise"
    )
    for d in rows.filter(
        consignor_id=agreement.enterprise_id, customs=agreement.customs, state__in=OPEN_STATES
    ):
        d.state, d.revoked_at, d.revoked_by = DelegationState.REVOKED, timezone.now(), "consignor"
        d.reason = _("委托方已解除关区 %(c)s 的通关无纸化三方协议。") % {"c": agreement.customs}
        d.save(update_fields=["state", "revoked_at", "revoked_by", "reason"])
        record(actor=actor, action="delegation.revoked", obj=d, after={"by": "agreement_terminated"})
        notify.delegation_changed(d, to="broker")


def connect() -> None:
    agreement_terminated.connect(agreement_ended, dispatch_uid="delegations.agreement_ended")
