from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from eport.enterprises.choices import IdType


class OperatorStatus(models.TextChoices):
    """信息状态: the first declaration's state until approved (DRAFT, SUBMITTED, RETURNED), then APPROVED
    (a later change or cancellation in flight leaves it approved), CANCELLED once a cancellation is approved."""

    DRAFT = "DRAFT", pgettext_lazy("status", "暂存")
    SUBMITTED = "SUBMITTED", pgettext_lazy("status", "申报")
    RETURNED = "RETURNED", pgettext_lazy("status", "退回")
    APPROVED = "APPROVED", pgettext_lazy("status", "审核通过")
    CANCELLED = "CANCELLED", _("已注销")


class Operator(models.Model):
    """企业操作员: a person of an enterprise who may hold an operator card once approved.

    The declaration and cancellation workflows (操作员信息申报/注销申报) ride on the application engine;
    the card-making service takes an approved operator.
    """

    operator_no = models.CharField(_("操作员统一编号"), max_length=20, unique=True, null=True, blank=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="operators"
    )
    name = models.CharField(_("姓名"), max_length=100)
    id_type = models.CharField(
        _("证件类型"), max_length=40, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_no = models.CharField(_("证件号"), max_length=40)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    job_title = models.CharField(_("职务"), max_length=100, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    status = models.CharField(
        _("信息状态"), max_length=12, choices=OperatorStatus.choices, default=OperatorStatus.DRAFT
    )
    # False for operators taken over from the old RA system: they cannot be cancelled here (SPEC §3).
    registered_here = models.BooleanField(_("本系统注册"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["enterprise", "status"], name="operator_enterprise_status"),
            models.Index(fields=["enterprise", "id_no"], name="operator_enterprise_id_no"),
        ]
        constraints = [
            # One live record per person and enterprise (a cancelled one may be declared again).
            models.UniqueConstraint(
                fields=["enterprise", "id_type", "id_no"],
                name="one_operator_per_person",
                condition=~models.Q(status="CANCELLED"),
            ),
        ]

    def __str__(self):
        return f"{self.operator_no} {self.name}"

    @property
    def saved_no(self) -> str:
        """操作员统一编号, typed: null only inside the first save (below), which gives every row one."""
        assert self.operator_no is not None, "a saved operator has its number (Operator.save)"
        return self.operator_no

    @transaction.atomic
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if not self.operator_no:
            # 操作员统一编号: generated at first save from the row id — unique, never typed.
            self.operator_no = f"CZ{self.pk:010d}"
            type(self).objects.filter(pk=self.pk).update(operator_no=self.operator_no)
