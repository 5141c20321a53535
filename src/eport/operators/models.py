from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from eport.enterprises.choices import IdType


class OperatorStatus(models.TextChoices):
    DRAFT = "DRAFT", pgettext_lazy("status", "暂存")
    SUBMITTED = "SUBMITTED", pgettext_lazy("status", "申报")
    APPROVED = "APPROVED", pgettext_lazy("status", "审核通过")
    CANCELLED = "CANCELLED", _("已注销")


class Operator(models.Model):
    """企业操作员: a person of an enterprise who may hold an operator card once approved.

    The declaration and cancellation workflows (操作员信息申报/注销申报) ride on the application engine;
    the card-making service takes an approved operator.
    """

    operator_no = models.CharField(_("操作员统一编号"), max_length=20, unique=True, null=True, blank=True)
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT, related_name="operators")
    name = models.CharField(_("姓名"), max_length=100)
    id_type = models.CharField(_("证件类型"), max_length=40, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_no = models.CharField(_("证件号"), max_length=40)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    job_title = models.CharField(_("职务"), max_length=100, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    status = models.CharField(_("信息状态"), max_length=12, choices=OperatorStatus.choices,
                              default=OperatorStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["enterprise", "status"], name="operator_enterprise_status")]

    def __str__(self):
        return f"{self.operator_no} {self.name}"

    @transaction.atomic
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if not self.operator_no:
            # 操作员统一编号: generated at first save from the row id — unique, never typed.
            self.operator_no = f"CZ{self.pk:010d}"
            type(self).objects.filter(pk=self.pk).update(operator_no=self.operator_no)
