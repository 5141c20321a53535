"""Reads of the paperless agreements that other apps ask (delegations, declarations)."""

from .models import Agreement, AgreementState


def approved_customs(enterprise) -> set[str]:
    """The 关区 (XX00) where the enterprise's agreement is approved: paperless declaration allowed."""
    return set(
        Agreement.objects.filter(enterprise=enterprise, state=AgreementState.APPROVED).values_list(
            "customs", flat=True
        )
    )


def has_approved(enterprise, customs: str) -> bool:
    """Whether paperless declaration is allowed for the enterprise in the 关区 of `customs` (any district
    of a direct customs counts as its direct customs)."""
    direct = (customs or "")[:2] + "00"
    return Agreement.objects.filter(
        enterprise=enterprise, customs=direct, state=AgreementState.APPROVED
    ).exists()
