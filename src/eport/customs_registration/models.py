"""海关企业管理 (SPEC §6.7): what customs keeps of an enterprise's 报关单位注册登记 beyond what the customs
filing (filings.EnterpriseFiling, filing="customs": 海关编码 reg_no, 主管海关, 备案海关) and the enterprise's
master data (name, address, 法定代表人) already hold: the 企业类别, the 报关有效期 and the 报送材料 due.

One row per enterprise with an approved customs filing, made the first time it is read (services.
registration_ensure); changed only by an approved 变更 / 延续 (kinds.py) or the 年报 the enterprise hands in."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    CONSIGNEE = "consignee", _("进出口货物收发货人")
    BROKER = "broker", _("报关企业")


class Registration(models.Model):
    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="customs_registration"
    )
    category = models.CharField(_("企业类别"), max_length=12, choices=Category.choices)
    registered_on = models.DateField(_("注册日期"))
    valid_until = models.DateField(_("报关有效期"))
    business_address = models.CharField(_("经营场所"), max_length=255, blank=True)
    contact_name = models.CharField(_("报关业务联系人"), max_length=100, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    # The last year whose 年度报告 was handed in (None: none yet); the one due is last year's.
    annual_report_year = models.PositiveSmallIntegerField(_("已报送年度报告"), null=True, blank=True)
    # The expiry reminder mailed last, "<threshold>:<valid_until>" (e.g. "90:2027-03-01", "expired:…"):
    # the daily command mails each threshold of each 有效期 once.
    reminded = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["valid_until", "pk"]
        indexes = [models.Index(fields=["valid_until"], name="customs_reg_valid_until")]

    def __str__(self):
        return f"{self.enterprise_id} {self.category} {self.valid_until}"
