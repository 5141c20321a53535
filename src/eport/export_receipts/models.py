"""出口收汇 (SPEC §6.5, seed 000 出口收汇子系统): an enterprise's operator card asks its 外汇局 (the bureau its
forex filing is with) for 出口收汇核销单; the bureau issues them (perhaps fewer); the card files each form
for the port (关区) that may use it (口岸备案); the customs of that port records the export declaration
the form was used on; the enterprise hands the form in (交单) and the bureau writes it off (核销). A form
may be reported lost (挂失) in any state before 核销."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestState(models.TextChoices):
    REQUESTED = "requested", _("已申请")
    ISSUED = "issued", _("已发单")


class FormState(models.TextChoices):
    ISSUED = "issued", _("已发单")
    FILED = "filed", _("已备案")
    DECLARED = "declared", _("已报关")
    HANDED_IN = "handed_in", _("已交单")
    WRITTEN_OFF = "written_off", _("已核销")
    LOST = "lost", _("挂失")


# 挂失 is possible from these (SPEC: from any state before 已核销).
LOSABLE = (FormState.ISSUED, FormState.FILED, FormState.DECLARED, FormState.HANDED_IN)


class Sequence(models.Model):
    """A gap-free counter (核销单号 per year, 申请号 per year): its row is locked while a number is taken, in
    the same transaction as the row that uses it, so a rolled-back issue gives its numbers back."""

    name = models.CharField(max_length=32, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.name}={self.last}"


class FormRequest(models.Model):
    """核销单申请: 申请份数 from the enterprise to its 外汇局; 已发单 once the bureau issued forms for it."""

    request_no = models.CharField(_("申请号"), max_length=12, unique=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="export_receipt_requests"
    )
    bureau = models.ForeignKey(
        "refdata.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("外汇局")
    )
    count = models.PositiveIntegerField(_("申请份数"))
    issued_count = models.PositiveIntegerField(_("发单份数"), default=0)
    state = models.CharField(_("状态"), max_length=12, choices=RequestState.choices, default="requested")
    card = models.ForeignKey("cards.Card", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    issued_at = models.DateTimeField(_("发单时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.request_no


class ReceiptForm(models.Model):
    """One 出口收汇核销单, 9 digits: the year's two digits and a serial of seven (no gaps, no repeats)."""

    form_no = models.CharField(_("核销单号"), max_length=9, unique=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="export_receipt_forms"
    )
    bureau = models.ForeignKey(
        "refdata.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("外汇局")
    )
    request = models.ForeignKey(FormRequest, on_delete=models.PROTECT, related_name="forms")
    state = models.CharField(_("状态"), max_length=12, choices=FormState.choices, default="issued")
    port = models.CharField(_("使用口岸"), max_length=4, blank=True)
    decl_no = models.CharField(_("出口报关单号"), max_length=18, blank=True)
    lost_from = models.CharField(max_length=12, choices=FormState.choices, blank=True)
    issued_at = models.DateTimeField(_("发单时间"), auto_now_add=True)
    filed_at = models.DateTimeField(_("备案时间"), null=True, blank=True)
    declared_at = models.DateTimeField(_("报关时间"), null=True, blank=True)
    handed_in_at = models.DateTimeField(_("交单时间"), null=True, blank=True)
    written_off_at = models.DateTimeField(_("核销时间"), null=True, blank=True)
    lost_at = models.DateTimeField(_("挂失时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["form_no"]
        indexes = [models.Index(fields=["enterprise", "state", "form_no"], name="erf_ent_state_no")]
        constraints = [
            # One form per export declaration: two customs officers recording one number at once end in one.
            models.UniqueConstraint(
                fields=["decl_no"], condition=~models.Q(decl_no=""), name="erf_one_form_per_declaration"
            )
        ]

    def __str__(self):
        return self.form_no
