import uuid
from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    # Contexts: the same Chinese words are also button labels ("Save draft", "Declare", "Return").
    DRAFT = "DRAFT", pgettext_lazy("status", "暂存")
    SUBMITTED = "SUBMITTED", pgettext_lazy("status", "申报")
    APPROVED = "APPROVED", pgettext_lazy("status", "审核通过")
    RETURNED = "RETURNED", pgettext_lazy("status", "退回")
    # Ended without a decision: its account was closed when another account was proven for the enterprise.
    CLOSED = "CLOSED", pgettext_lazy("status", "已关闭")


# Named groups of states, used by every rule below (and nowhere redefined).
OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED)  # not final: one per subject and kind
EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)
DELETABLE_STATUSES = (Status.DRAFT,)


class StepStatus(models.TextChoices):
    PENDING = "PENDING", _("待审核")
    APPROVED = "APPROVED", pgettext_lazy("status", "审核通过")
    AUTO_APPROVED = "AUTO_APPROVED", _("自动审核通过")
    RETURNED = "RETURNED", pgettext_lazy("status", "退回")
    WAITING = "WAITING", _("等待前序审核")
    CLOSED = "CLOSED", pgettext_lazy("status", "已关闭")


DONE_STEP_STATUSES = (StepStatus.APPROVED, StepStatus.AUTO_APPROVED)


class Application(models.Model):
    """申请: one request of a kind that needs approval, with the same life for every kind (SPEC §3)."""

    number = models.CharField(_("申请编号"), max_length=32, unique=True, null=True, blank=True)
    kind = models.CharField(_("业务类型"), max_length=32, db_index=True)
    # What "one open application per subject and kind" counts on, e.g. "enterprise:42".
    subject_key = models.CharField(max_length=64)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("信息状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    data = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=1)
    round = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("提交日期"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_key"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="one_open_application_per_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "-created_at"], name="app_enterprise_created"),
            models.Index(fields=["enterprise", "status", "submitted_at"], name="app_enterprise_status"),
            models.Index(fields=["subject_key", "kind"], name="app_subject"),  # an operator's applications
        ]

    def __str__(self):
        return self.number or f"#{self.pk}"

    # The state groups above as the templates ask them (a template never compares status strings).
    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_deletable(self) -> bool:
        return self.status in DELETABLE_STATUSES

    @property
    def in_review(self) -> bool:
        return self.status == Status.SUBMITTED

    @cached_property
    def return_step(self) -> "ReviewStep | None":
        """The step that returned it, while it is returned: its unit and opinion are the reason the page
        shows at the top, beside the red state (not only in the steps' table at the bottom)."""
        if self.status != Status.RETURNED:
            return None
        returned = self.steps.filter(status=StepStatus.RETURNED).select_related("unit")
        return returned.order_by("-round", "-decided_at", "-id").first()


class ReviewStep(models.Model):
    """审核环节: one department unit's decision on one round of an application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    round = models.PositiveIntegerField()
    stage = models.PositiveSmallIntegerField()
    unit = models.ForeignKey("refdata.Unit", on_delete=models.PROTECT, related_name="steps")
    status = models.CharField(max_length=16, choices=StepStatus.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opinion = models.TextField(_("审核意见"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "stage", "id"]
        indexes = [models.Index(fields=["status", "unit", "created_at"], name="step_queue")]

    @property
    def is_pending(self) -> bool:
        return self.status == StepStatus.PENDING

    @property
    def opinion_text(self) -> str:
        """The opinion in the reader's language when the system wrote it (stored in the source language, a
        message of the catalogue); a reviewer's own words as written."""
        if self.status == StepStatus.AUTO_APPROVED and self.opinion:
            return gettext(self.opinion)
        return self.opinion


class DocType(models.TextChoices):
    BUSINESS_LICENSE = "business_license", _("企业营业执照")
    CUSTOMS_REGISTRATION = "customs_registration", _("中华人民共和国海关报关单位登记证")
    FOREIGN_TRADE_FILING = "foreign_trade_filing", _("对外贸易经营者备案")
    LEGAL_REP_ID = "legal_rep_id", _("法人身份证件")
    OPERATOR_ID = "operator_id", _("操作员身份证件")


def _attachment_path(instance, filename):
    # Never the user's file name on disk: the application id and a random name.
    return f"attachments/{instance.application_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """随附单据."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    doc_type = models.CharField(_("单据类型"), max_length=32, choices=DocType.choices)
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    @property
    def stored_name(self) -> str:
        """The file's name in storage, typed: set when its file is saved (attachment_add), a NOT NULL column."""
        assert self.file.name is not None, "an attachment's file is saved with it"
        return self.file.name
