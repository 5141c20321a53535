"""加贸权限管理 (SPEC §6.4, seed 000 电子手册授权流程): an enterprise's legal card grants another
enterprise (named by its 10-digit 海关编码) rights on one of its manuals or books — 电子手册, 电子账册 or
无纸化手册 — effective at once. The grantee's cards read what they were granted."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BookType(models.TextChoices):
    MANUAL = "manual", _("电子手册")
    ACCOUNT_BOOK = "account_book", _("电子账册")
    PAPERLESS_MANUAL = "paperless_manual", _("无纸化手册")


# 权限代码 [P]: three 0/1 flags in this order; at least one is 1 (101 = 代理报关权 + 查询, 111 = all).
RIGHT_FLAGS = (_("代理报关权"), _("操作权"), _("查询权"))


def rights_labels(code: str) -> list[str]:
    return [str(label) for flag, label in zip(code or "", RIGHT_FLAGS, strict=False) if flag == "1"]


class Grant(models.Model):
    """One grant: `grantor` lets `grantee` use its manual/book `internal_no` with `rights`."""

    grantor = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="processing_grants_given"
    )
    book_type = models.CharField(_("授权类型"), max_length=20, choices=BookType.choices)
    grantee = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="processing_grants_received"
    )
    grantee_customs_code = models.CharField(_("企业编码"), max_length=10)
    grantee_name = models.CharField(_("名称"), max_length=200)
    category = models.CharField(_("类别"), max_length=50)
    internal_no = models.CharField(_("企业内部编号"), max_length=50)
    rights = models.CharField(_("权限代码"), max_length=3)
    created_at = models.DateTimeField(_("授权时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["book_type", "grantee_customs_code", "internal_no", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["grantor", "book_type", "grantee", "internal_no"], name="one_grant_per_book_grantee"
            )
        ]

    def __str__(self):
        return (
            f"{self.grantor_id}→{self.grantee_customs_code} {self.book_type} {self.internal_no} {self.rights}"
        )

    @property
    def rights_names(self) -> list[str]:
        return rights_labels(self.rights)

    @property
    def rights_display(self) -> str:
        return "、".join(self.rights_names)

    @property
    def book_type_name(self) -> str:
        return str(self.get_book_type_display())
