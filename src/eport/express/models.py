"""快件通关 (SPEC §6.6, seed 000 电子口岸快件通关系统的操作说明): an express operator's card uploads the
declarations of one 总运单号 (an import with the flight's 舱单), the customs of each declaration's 进出口岸
releases or returns it, and every step leaves a receipt (回执) the operator reads by 总运单号."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .lists import CATEGORIES, KJ2, category_name, transport_mode_name


class Direction(models.TextChoices):
    IMPORT = "I", _("进口")
    EXPORT = "E", _("出口")


class State(models.TextChoices):
    # A state, not the button of the same name: its own context, so English says "Returned", not "Return".
    RECEIVED = "received", pgettext_lazy("express state", "入库成功")
    RETURNED = "returned", pgettext_lazy("express state", "退单")
    RELEASED = "released", pgettext_lazy("express state", "放行")


class Upload(models.Model):
    """One 数据上载: a file of declarations under one 总运单号 (and, for an import, its manifest)."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(_("进出口"), max_length=1, choices=Direction.choices)
    category = models.CharField(_("类别"), max_length=3, choices=CATEGORIES)
    waybill = models.CharField(_("总运单号"), max_length=32, db_index=True)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("上载时间"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"{self.direction} {self.waybill} ({self.category})"


class ManifestLine(models.Model):
    """舱单: one waybill of the flight carrying an import upload, with its pieces and weight."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="manifest")
    sub_waybill = models.CharField(_("分运单号"), max_length=32)
    pieces = models.PositiveIntegerField(_("件数"))
    weight = models.DecimalField(_("重量(千克)"), max_digits=12, decimal_places=3)
    flight_no = models.CharField(_("航班号"), max_length=16)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.sub_waybill} {self.pieces}/{self.weight}"


class Declaration(models.Model):
    """One express declaration (a 分运单 of the 总运单)."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="declarations")
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(_("进出口"), max_length=1, choices=Direction.choices)
    category = models.CharField(_("类别"), max_length=3, choices=CATEGORIES)
    waybill = models.CharField(_("总运单号"), max_length=32, db_index=True)
    sub_waybill = models.CharField(_("分运单号"), max_length=32)
    party = models.CharField(_("收/发件人"), max_length=100)
    goods = models.CharField(_("货物名称"), max_length=200)
    quantity = models.PositiveIntegerField(_("数量"))
    value = models.DecimalField(_("价值"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("币制"), max_length=3)
    port = models.CharField(_("进出口岸"), max_length=4, db_index=True)
    transport_mode = models.CharField(_("运输方式"), max_length=1)
    flight_no = models.CharField(_("航班号"), max_length=16)
    date = models.DateField(_("日期"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.RECEIVED)
    reason = models.CharField(_("退单原因"), max_length=500, blank=True)
    # Bumped by every change of the declaration's data (修改类别): a customs decision names the version it
    # looked at, so a release racing a 修改类别 is refused rather than releasing what nobody reviewed.
    version = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(_("入库时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            # One live declaration per 分运单 of a 总运单 and direction; a returned one may be uploaded again.
            models.UniqueConstraint(
                fields=["enterprise", "direction", "waybill", "sub_waybill"],
                condition=~Q(state="returned"),
                name="express_one_live_declaration",
            )
        ]

    def __str__(self):
        return f"{self.waybill}/{self.sub_waybill}"

    @property
    def category_name(self) -> str:
        return category_name(self.category)

    @property
    def transport_mode_name(self) -> str:
        return transport_mode_name(self.transport_mode)

    @property
    def is_kj2(self) -> bool:
        return self.category == KJ2


class Receipt(models.Model):
    """回执: what the system or customs answered for a declaration (入库成功, 退单 with its reason, 放行)."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="receipts")
    kind = models.CharField(_("回执类型"), max_length=10, choices=State.choices)
    message = models.CharField(_("回执内容"), max_length=500)
    at = models.DateTimeField(_("回执时间"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.declaration_id} {self.kind}"
