from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import CapitalUnit, LegalPersonType, NetworkStatus


class Enterprise(models.Model):
    """企业 (三证合一信息): the tenant every enterprise user, application and card belongs to.

    The row exists from the enterprise's registration on; its master data is filled in, and it
    enters the network (已入网), when its 三证合一 entry is approved.
    """

    # Empty (NULL) only for an enterprise first approved by its organization code in the old system,
    # until its 三证合一 change gives it one (whose characters 9-17 must then be that code).
    # Unique among established enterprises only (see `candidate`).
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, null=True, blank=True, db_index=True)
    org_code = models.CharField(
        _("组织机构代码"),
        max_length=9,
        blank=True,
        db_index=True,
        help_text=_("老系统按组织机构代码入网的企业"),
    )
    name = models.CharField(_("企业名称"), max_length=200)
    enterprise_no = models.CharField(_("企业统一编号"), max_length=20, unique=True, null=True, blank=True)
    network_status = models.CharField(
        _("入网状态"),
        max_length=20,
        choices=NetworkStatus.choices,
        default=NetworkStatus.NOT_IN_NETWORK,
        db_index=True,
    )
    legal_rep_name = models.CharField(_("企业法人"), max_length=100, blank=True)
    legal_rep_id_type = models.CharField(_("证件类型"), max_length=40, blank=True)
    legal_rep_id_no = models.CharField(_("证件号码"), max_length=40, blank=True)
    legal_person_type = models.CharField(
        _("法人类型"), max_length=20, choices=LegalPersonType.choices, blank=True
    )
    enterprise_type = models.CharField(_("企业类型"), max_length=2, blank=True)
    enterprise_type_other = models.CharField(_("其他企业类型"), max_length=100, blank=True)
    registered_capital = models.DecimalField(
        _("注册资金"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    capital_unit = models.CharField(_("资金单位"), max_length=10, choices=CapitalUnit.choices, blank=True)
    address = models.CharField(_("住所"), max_length=255, blank=True)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    aic_unit = models.ForeignKey(
        "refdata.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tax_unit = models.ForeignKey(
        "refdata.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quality_unit = models.ForeignKey(
        "refdata.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issuing_authority_name = models.CharField(_("发证机构名称"), max_length=100, blank=True)
    customs_code = models.CharField(_("主管海关"), max_length=4, blank=True)
    card_issuer = models.ForeignKey(
        "refdata.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发卡机构"),
    )
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True)
    contact_phone = models.CharField(_("联系人电话"), max_length=40, blank=True)
    contact_email = models.EmailField(_("联系人邮箱"), blank=True)
    # A row made by an unverified registration for a USCC nobody has established: its account works on it
    # alone (SPEC §8), so a stranger naming the same USCC neither blocks nor sees the real enterprise. It
    # becomes the established row when its entry is approved or its account is proven by the licence;
    # the other candidates of that USCC are then closed (enterprises/trust.py).
    candidate = models.BooleanField(_("待认证"), default=False)
    registered_at = models.DateTimeField(auto_now_add=True)
    entered_at = models.DateTimeField(_("入网时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=models.Q(candidate=False),
                name="one_established_enterprise_per_uscc",
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def code(self) -> str:
        """The enterprise's identifier: its USCC, or the organization code it entered the network by."""
        return self.uscc or self.org_code

    @property
    def in_network(self) -> bool:
        return self.network_status == NetworkStatus.IN_NETWORK


class EnterpriseHistory(models.Model):
    """The master record as it was before an approved application changed it."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="history")
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.SET_NULL
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField()
    after = models.JSONField()

    class Meta:
        ordering = ["-changed_at", "-id"]
