"""报关单电子随附单据 (SPEC §6.3): a declaration's dossier of documents, one PDF per type, declared to the
customs of its 关区, which may ask for a type again (重传指令). The rules are in services.py."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DossierState(models.TextChoices):
    UPLOADED = "UPLOADED", _("已上传")
    DECLARED = "DECLARED", _("已申报")
    REUPLOAD_REQUIRED = "REUPLOAD_REQUIRED", _("海关要求重传")
    REUPLOADED = "REUPLOADED", _("已重传")


# What customs sees: a dossier once declared (before 申报 it is the declarer's draft).
DECLARED_STATES = (DossierState.DECLARED, DossierState.REUPLOAD_REQUIRED, DossierState.REUPLOADED)


class Direction(models.TextChoices):
    IMPORT = "I", _("进口")
    EXPORT = "E", _("出口")


class DocType(models.TextChoices):
    INVOICE = "invoice", _("发票")
    PACKING_LIST = "packing_list", _("装箱单")
    BILL_OF_LADING = "bill_of_lading", _("提/运单")
    CONTRACT = "contract", _("合同")
    DELEGATION = "delegation", _("代理报关委托")
    TAX_GUARANTEE = "tax_guarantee", _("减免税货物税款担保证明")
    TAX_DEFERRAL_GUARANTEE = "tax_deferral_guarantee", _("减免税货物税款延期担保证明")
    OTHER = "other", _("其他")


# Seed 000: "代理报关委托、减免税货物税款担保证明、减免税货物税款延期担保证明数据不允许重传".
NO_REUPLOAD = frozenset({DocType.DELEGATION, DocType.TAX_GUARANTEE, DocType.TAX_DEFERRAL_GUARANTEE})


class Dossier(models.Model):
    """One declaration (报关单, by its 18-digit number) and its documents. The declarant (申报单位) is the
    consignor itself or a broker declaring under a live delegation (kept in `delegation`)."""

    decl_no = models.CharField(_("报关单号"), max_length=18, unique=True)
    consignor = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="+", verbose_name=_("经营单位")
    )
    declarant = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="+", verbose_name=_("申报单位")
    )
    delegation = models.ForeignKey(
        "delegations.Delegation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customs = models.CharField(_("关区"), max_length=4)  # the customs district of declaration
    direct_customs = models.CharField(_("直属海关"), max_length=4, db_index=True)  # first two digits + 00
    direction = models.CharField(_("进出口"), max_length=1, choices=Direction.choices)
    state = models.CharField(
        _("状态"), max_length=20, choices=DossierState.choices, default=DossierState.UPLOADED
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    declared_at = models.DateTimeField(_("申报时间"), null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["declarant", "-created_at"], name="dossier_declarant_recent")]

    def __str__(self):
        return self.decl_no


def _document_path(instance, filename):
    # The attachments' storage (Django's storage API), never the user's file name: the dossier and a random name.
    return f"declarations/{instance.dossier_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    """随附单据: one PDF per type per dossier; uploading again replaces it (services.document_upload)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    doc_type = models.CharField(_("单据类型"), max_length=32, choices=DocType.choices)
    file = models.FileField(upload_to=_document_path, max_length=200)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    pages = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    # "upload", or "delegation": filled in from the delegation's signed PDF, never uploaded by hand.
    source = models.CharField(max_length=12, default="upload")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        ordering = ["dossier", "doc_type"]
        constraints = [models.UniqueConstraint(fields=["dossier", "doc_type"], name="one_document_per_type")]

    @property
    def stored_name(self) -> str:
        assert self.file.name is not None, "a document's file is saved with it"
        return self.file.name


class ReuploadRequest(models.Model):
    """重传指令: customs asks the declarer for one type again, with its reason; satisfied by the next upload
    of that type."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="reupload_requests")
    doc_type = models.CharField(_("单据类型"), max_length=32, choices=DocType.choices)
    reason = models.CharField(_("重传原因"), max_length=500)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("指令时间"))
    satisfied_at = models.DateTimeField(_("重传时间"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "doc_type"],
                condition=Q(satisfied_at__isnull=True),
                name="one_open_reupload_per_type",
            )
        ]

    @property
    def is_open(self) -> bool:
        return self.satisfied_at is None
