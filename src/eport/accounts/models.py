import hashlib

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from eport.refdata.models import Dept


class UserKind(models.TextChoices):
    CARDLESS = "cardless", _("无卡用户")
    REVIEWER = "reviewer", _("审核部门")
    RA = "ra", _("操作中心")
    ADMIN = "admin", _("系统管理员")
    LEGAL_CARD = "legal_card", _("法人卡")
    OPERATOR_CARD = "operator_card", _("操作员卡")


class Verification(models.TextChoices):
    """How a card-less account was proven to act for its enterprise (SPEC §8)."""

    LEGAL_CARD = "legal_card", _("法人卡确认")
    LICENCE = "licence", _("电子营业执照")
    ENTRY = "entry", _("三证合一入网审核通过")


class User(AbstractUser):
    """A password account: a card-less enterprise user, or staff bound to one department unit."""

    kind = models.CharField(_("用户类型"), max_length=16, choices=UserKind.choices, default=UserKind.CARDLESS)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("企业"),
    )
    unit = models.ForeignKey(
        "refdata.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("所属单位"),
    )
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    must_change_password = models.BooleanField(_("须修改初始密码"), default=False)
    # Trust (SPEC §8): registering proves nothing, so a card-less account is unverified until proven for its
    # enterprise (accounts/trust.py says what it may do meanwhile; enterprises/trust.py proves it).
    email_confirmed_at = models.DateTimeField(_("邮箱确认时间"), null=True, blank=True)
    email_confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(_("身份认证时间"), null=True, blank=True)
    verified_by = models.CharField(_("身份认证方式"), max_length=16, choices=Verification.choices, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_reason = models.CharField(_("关闭原因"), max_length=200, blank=True)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def clean(self):
        """The admin's user form obeys the same binding rules as `eport create-staff`."""
        from .permissions import ENTERPRISE_USERS, STAFF  # not at the top: permissions imports this module

        if self.kind in STAFF:
            if self.unit_id is None:
                raise ValidationError({"unit": _("审核部门和操作中心账号必须属于一个单位。")})
            if (self.kind == UserKind.RA) != (self.unit is not None and self.unit.dept == Dept.RA):
                raise ValidationError(
                    {"unit": _("操作中心账号须属于操作中心单位，审核账号须属于审核部门单位。")}
                )
        if self.kind in ENTERPRISE_USERS and self.unit_id is not None:
            raise ValidationError({"unit": _("企业用户不属于审核单位。")})


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored, so a database copy grants nothing."""

    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
