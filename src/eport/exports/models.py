"""An export too long for the request: written by a worker into storage, downloaded by its owner."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportState(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ExportJob(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs")
    list_name = models.CharField(_("列表"), max_length=40)
    filters = models.JSONField(_("查询条件"), default=dict)
    state = models.CharField(
        _("状态"), max_length=8, choices=ExportState.choices, default=ExportState.PENDING
    )
    rows = models.PositiveIntegerField(_("记录数"), default=0)
    file_name = models.CharField(_("文件名"), max_length=120, blank=True, default="")
    storage_name = models.CharField(max_length=255, blank=True, default="")  # its name in default_storage
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        indexes = [models.Index(fields=["owner", "-created_at"], name="export_job_owner_recent")]

    def __str__(self) -> str:
        return f"{self.list_name} #{self.pk}"
