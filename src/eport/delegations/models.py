"""报关企业 (customs brokers): the enterprises a consignor may delegate its declarations to (SPEC §6.2).
A row is written only by an approved broker_registration (kinds.py): what is here is what may be found."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Broker(models.Model):
    """An approved 报关企业: once per enterprise, its 海关编码 belongs to it alone."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="broker"
    )
    org_code = models.CharField(_("组织机构代码"), max_length=9, db_index=True)
    customs_code = models.CharField(_("海关编码"), max_length=10, unique=True)
    name = models.CharField(_("企业名称"), max_length=200)
    direct_customs = models.CharField(_("直属海关"), max_length=4)
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    # The association unit that approved it (assoc:XX00), kept even if the unit list changes later.
    unit = models.ForeignKey("refdata.Unit", on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("注册时间"))

    class Meta:
        ordering = ["customs_code"]

    def __str__(self):
        return f"{self.customs_code} {self.name}"


class DelegationState(models.TextChoices):
    SENT = "SENT", _("已发送")
    ACCEPTED = "ACCEPTED", _("已接受")
    REJECTED = "REJECTED", _("已拒绝")
    EXPIRED = "EXPIRED", _("已到期")
    REVOKED = "REVOKED", _("已撤销")


class Direction(models.TextChoices):
    IMPORT = "I", _("进口")
    EXPORT = "E", _("出口")


class DelegationMode(models.TextChoices):
    SINGLE = "single", _("逐票")
    LONG_TERM = "long_term", _("长期")


# Live: sent or accepted and not past valid_to (已到期 is the date, written when it is next read or by the
# daily command; a delegation past its date is never live, whatever its stored state).
OPEN_STATES = (DelegationState.SENT, DelegationState.ACCEPTED)


class Delegation(models.Model):
    """委托: a consignor (经营单位) delegates its declarations in one 关区 and direction to a broker."""

    consignor = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="delegations_given"
    )
    broker = models.ForeignKey(Broker, on_delete=models.PROTECT, related_name="delegations")
    customs = models.CharField(_("关区"), max_length=4)  # the direct customs, XX00
    direction = models.CharField(_("进出口"), max_length=1, choices=Direction.choices)
    mode = models.CharField(_("委托方式"), max_length=10, choices=DelegationMode.choices)
    valid_from = models.DateField(_("有效期自"))
    valid_to = models.DateField(_("有效期至"))
    goods = models.CharField(_("主要货物"), max_length=200)
    remarks = models.CharField(_("备注"), max_length=500, blank=True)
    terms_version = models.CharField(_("通用条款版本"), max_length=20)
    state = models.CharField(_("状态"), max_length=10, choices=DelegationState.choices)
    card = models.ForeignKey(
        "cards.Card", on_delete=models.PROTECT, related_name="+"
    )  # the consignor's signing card
    pdf = models.BinaryField()  # the signed 代理报关委托书 (PAdES)
    signed_at = models.DateTimeField(_("委托时间"))
    decided_at = models.DateTimeField(_("接受/拒绝时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "cards.Card", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("拒绝/撤销原因"), max_length=500, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.CharField(_("撤销方"), max_length=10, blank=True)  # consignor | broker

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["consignor", "broker", "customs"],
                condition=models.Q(state__in=["SENT", "ACCEPTED"]),
                name="one_open_delegation_per_broker_customs",
            )
        ]

    def __str__(self):
        return f"{self.consignor_id}→{self.broker_id} {self.customs} {self.state}"

    @property
    def effective_state(self) -> str:
        """The state as of today: an open delegation past its 有效期至 is 已到期 before the daily command
        writes it (services.expire_due)."""
        if self.state in OPEN_STATES and self.valid_to < timezone.localdate():
            return DelegationState.EXPIRED
        return self.state

    @property
    def display_state(self) -> str:
        return str(DelegationState(self.effective_state).label)
