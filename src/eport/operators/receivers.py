"""The operators' part of an enterprise's network entry (enterprises/signals.py), connected by
OperatorsConfig.ready: the 预录入 operators of the entering enterprise are locked with the entry, and
submitted as declarations once it is approved — in the approval's transaction."""

from django.db import transaction
from django.dispatch import receiver

from eport.accounts.models import UserKind
from eport.applications.models import Application, Status
from eport.applications.services import application_submit
from eport.audit.services import record
from eport.enterprises.signals import entered_network, entering_network
from eport.errors import DomainError

from .kinds import DECLARATION
from .models import Operator


@receiver(entering_network, dispatch_uid="operators.pre_entries_lock")
def pre_entries_lock(sender, *, enterprise, **kwargs) -> None:
    list(
        Operator.objects.select_for_update()
        .filter(enterprise=enterprise)
        .order_by("id")
        .values_list("id", flat=True)
    )


@receiver(entered_network, dispatch_uid="operators.pre_entries_submit")
def pre_entries_submit(sender, *, enterprise, **kwargs) -> list:
    """操作员信息预录入 → 申报 when the enterprise enters the network: each complete pre-entry is submitted
    as its card-less filer; one that cannot be (incomplete, duplicate) stays a draft for the legal card."""
    submitted = []
    drafts = (
        Application.objects.filter(
            enterprise=enterprise, kind=DECLARATION, status=Status.DRAFT, applicant__kind=UserKind.CARDLESS
        )
        .select_related("applicant")
        .order_by("id")
    )
    for app in drafts:
        try:
            with transaction.atomic():
                submitted.append(application_submit(actor=app.applicant, application_id=app.id))
        except DomainError as e:
            record(actor=None, action="operator.pre_entry_kept", obj=app, reason=e.code)
    return submitted
