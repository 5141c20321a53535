"""What the filings leave behind (企业备案): the enterprise's commerce, customs and forex filings, and
each card's customs and forex filing. Rows are written only by an approved application (kinds.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Filing(models.TextChoices):
    COMMERCE = "commerce", _("商务部备案")
    CUSTOMS = "customs", _("海关备案")
    FOREX = "forex", _("外汇备案")


# What an authority holds of the enterprise besides its own filing data (the name on its documents, the
# legal representative, the address); an approved 三证合一 change of one of these makes the filing follow
# (changes.py, 备案变更).
FILED_AS_FIELDS = {
    "name": _("企业名称"),
    "legal_rep_name": _("企业法人"),
    "address": _("住所"),
}


def filed_as(enterprise) -> dict:
    """The enterprise as a filing made now holds it."""
    return {k: getattr(enterprise, k) or "" for k in FILED_AS_FIELDS}


class Filed(models.Model):
    """What every filing row keeps: which filing, the application that filed it, and when."""

    filing = models.CharField(_("备案类型"), max_length=10, choices=Filing.choices)
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField(_("备案时间"), auto_now_add=True)

    class Meta:
        abstract = True


class EnterpriseFiling(Filed):
    """企业备案: once per enterprise and filing; afterwards the page shows 备案通过 and cannot file again."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="filings")
    # The authority it is filed with: 商务主管机关, 备案海关, 外汇局.
    unit = models.ForeignKey(
        "refdata.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("备案机关")
    )
    data = models.JSONField(default=dict)
    # The enterprise as this authority holds it (changes.FILED_AS_FIELDS): an approved 三证合一 change makes
    # it differ, and the filing follows through a 备案变更 (changes.py), reviewed like the filing itself.
    filed_as = models.JSONField(default=dict)
    changed_at = models.DateTimeField(_("变更时间"), null=True, blank=True)

    class Meta:
        ordering = ["enterprise", "filing"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "filing"], name="one_filing_per_enterprise")
        ]

    def __str__(self):
        return f"{self.enterprise} {self.get_filing_display()}"


class CardFiling(Filed):
    """IC卡海关备案 / IC卡外汇备案: the card may be granted the subsystems of that filing."""

    card = models.ForeignKey("cards.Card", on_delete=models.CASCADE, related_name="filings")

    class Meta:
        ordering = ["card", "filing"]
        constraints = [
            models.UniqueConstraint(fields=["card", "filing"], name="one_filing_per_card"),
            models.CheckConstraint(
                condition=models.Q(filing__in=["customs", "forex"]), name="card_filing_kind"
            ),
        ]

    def __str__(self):
        return f"{self.card} {self.get_filing_display()}"
