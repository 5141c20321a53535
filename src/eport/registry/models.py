import re

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from eport.refdata.models import UNIT_CODE_RE
from eport.validators import normalize_uscc, validate_uscc


class RegistryStatus(models.TextChoices):
    """An enterprise's state in the business registry (正常; 注销 and 吊销 refuse its network entry)."""

    NORMAL = "normal", _("正常")
    CANCELLED = "cancelled", _("注销")
    REVOKED = "revoked", _("吊销")


class BusinessRecord(models.Model):
    """One enterprise as the business registry (工商/市场监管) knows it: the local-table adapter's data."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, primary_key=True)
    name = models.CharField(_("企业名称"), max_length=200)
    legal_rep_name = models.CharField(_("企业法人"), max_length=100, blank=True)
    legal_rep_id_type = models.CharField(max_length=40, blank=True)
    legal_rep_id_no = models.CharField(max_length=40, blank=True)
    legal_person_type = models.CharField(max_length=20, blank=True)
    enterprise_type = models.CharField(max_length=2, blank=True)
    registered_capital = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    capital_unit = models.CharField(max_length=10, blank=True)
    address = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    issuing_authority_name = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        _("企业状态"), max_length=12, choices=RegistryStatus.choices, default=RegistryStatus.NORMAL
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.uscc} {self.name}"


# The lists below come from other government systems and are kept as local tables: imported from CSV
# (`eport import-registry --list …`) and editable in the admin. Each is keyed by the USCC.

_customs_reg_no = RegexValidator(
    r"^[0-9A-Z]{10}\Z", _("海关注册编码应为10位数字或大写字母。"), code="customs_reg_no", flags=re.ASCII
)
_customs_code = RegexValidator(r"^[0-9]{4}\Z", _("主管海关应为4位关区代码。"), code="customs_code")
_forex_bureau = RegexValidator(
    rf"^{UNIT_CODE_RE}\Z",
    _("外汇局代码应为1–16位数字或字母（如 440300）。"),
    code="forex_bureau",
    flags=re.ASCII,
)


class UsccKeyed(models.Model):
    """A row of one of these lists: an enterprise keyed by the USCC, stored as the lookups search it
    (trimmed, upper-case), however typed in the admin or a file; its name, and when the row last changed
    (not a column of the files: eport/registry/importer.py)."""

    uscc = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        primary_key=True,
        validators=[validate_uscc],  # type: ignore[list-item]
    )
    name = models.CharField(_("企业名称"), max_length=200)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.uscc} {self.name}"

    def clean_fields(self, exclude=None):
        self.uscc = normalize_uscc(self.uscc or "")
        super().clean_fields(exclude)

    def save(self, *args, **kwargs):
        self.uscc = normalize_uscc(self.uscc or "")
        super().save(*args, **kwargs)


class CustomsRecord(UsccKeyed):
    """海关企管注册信息: an enterprise registered with customs (企业管理), as the customs system knows it."""

    reg_no = models.CharField(_("海关注册编码"), max_length=10, blank=True, validators=[_customs_reg_no])
    customs_code = models.CharField(_("主管海关"), max_length=4, blank=True, validators=[_customs_code])

    class Meta:
        verbose_name = _("海关企管注册信息")
        verbose_name_plural = _("海关企管注册信息")


class ForexDirectoryEntry(UsccKeyed):
    """外汇企业名录: an enterprise on the forex bureau's directory (贸易外汇收支企业名录)."""

    # The bureau's code is the 6-digit administrative division it serves (440000 广东, 440300 深圳 …).
    forex_bureau = models.CharField(_("外汇局"), max_length=16, validators=[_forex_bureau])

    class Meta:
        verbose_name = _("外汇企业名录")
        verbose_name_plural = _("外汇企业名录")


class ForexCancellation(UsccKeyed):
    """外汇注销名录: an enterprise whose forex directory registration was cancelled."""

    cancelled_on = models.DateField(_("注销日期"), null=True, blank=True)
    reason = models.CharField(_("注销原因"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("外汇注销名录")
        verbose_name_plural = _("外汇注销名录")
