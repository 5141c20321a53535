"""三方协议 (SPEC §6.1): the paperless-clearance agreement between an enterprise, the customs of one
关区 (a direct customs, XX00) and the E-Port data centre. One row per signing: a returned or terminated
agreement stays as history and the enterprise signs again (a new row); one live row per (enterprise,
关区), enforced by a partial unique index so two 签约 at once end in one agreement and one refusal."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AgreementState(models.TextChoices):
    SENT = "SENT", _("签约已发往海关")
    RECEIVED = "RECEIVED", _("海关入库成功")
    APPROVED = "APPROVED", _("签约海关审批")
    RETURNED = "RETURNED", _("海关退回")
    TERMINATED = "TERMINATED", _("已解约")


LIVE_STATES = (AgreementState.SENT, AgreementState.RECEIVED, AgreementState.APPROVED)


class Agreement(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="paperless_agreements"
    )
    customs = models.CharField(_("关区"), max_length=4)  # the direct customs, XX00
    state = models.CharField(_("状态"), max_length=12, choices=AgreementState.choices)
    # The engine's paperless_agreement application that customs reviews (one per row).
    application = models.OneToOneField(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="agreement"
    )
    card = models.ForeignKey(
        "cards.Card", on_delete=models.PROTECT, related_name="+"
    )  # the signing legal card
    pdf = models.BinaryField()  # the signed PDF (PAdES), as the card signed it
    signed_at = models.DateTimeField(_("签约时间"))
    received_at = models.DateTimeField(_("入库时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    opinion = models.TextField(_("审批意见"), blank=True)
    terminated_at = models.DateTimeField(_("解约时间"), null=True, blank=True)

    class Meta:
        ordering = ["customs", "-signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "customs"],
                condition=Q(state__in=["SENT", "RECEIVED", "APPROVED"]),
                name="one_live_agreement_per_customs",
            )
        ]

    def __str__(self):
        return f"{self.enterprise_id} {self.customs} {self.state}"
