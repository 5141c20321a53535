from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class Division(models.Model):
    """行政区划 (GB/T 2260): province, prefecture, county."""

    code = models.CharField(max_length=6, primary_key=True)
    name = models.CharField(max_length=64)
    level = models.PositiveSmallIntegerField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class CustomsDistrict(models.Model):
    """关区代码: XX00 is a direct customs (直属海关), the rest its sub-offices."""

    code = models.CharField(max_length=4, primary_key=True)
    name = models.CharField(max_length=64)
    full_name = models.CharField(max_length=128, blank=True)
    # Not a foreign key: the public fragments name parents that are not in the list.
    parent_code = models.CharField(max_length=4, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def direct_code(self) -> str:
        """The direct customs this district belongs to: its first two digits + 00."""
        return self.code[:2] + "00"


class CodeTable(models.Model):
    """A customs code table of three-character codes, named in Chinese and English, with the code the
    table used before (`legacy_code`)."""

    code = models.CharField(max_length=3, primary_key=True)
    name_zh = models.CharField(max_length=64)
    name_en = models.CharField(max_length=128)
    legacy_code = models.CharField(max_length=3, blank=True)

    class Meta:
        abstract = True
        ordering = ["code"]


class Country(CodeTable):
    """国别(地区), post-2018 customs table (ISO-3 based)."""


class Currency(CodeTable):
    """币制."""


class Dept(models.TextChoices):
    AIC = "aic", _("工商(市场监管)")
    TAX = "tax", _("税务")
    QUALITY = "quality", _("技监")
    CUSTOMS = "customs", _("海关")
    FOREX = "forex", _("外汇")
    COMMERCE = "commerce", _("商务")
    RA = "ra", _("操作中心")
    # 报关协会: one per direct customs (assoc:XX00), reviews the customs brokers' registrations (SPEC §6.2).
    ASSOC = "assoc", _("报关协会")


# What a unit's code may be (derived or loaded by `eport load-units`), wherever a code is typed or imported.
UNIT_CODE_RE = r"[0-9A-Za-z]{1,16}"


class Unit(models.Model):
    """A department unit (审核单位) in its department's tree.

    The id is "{dept}:{code}" as in the API. `path` lists the ids from the root down
    ("/aic:440000/aic:440300/"), so "this unit and every unit below it" is one indexed
    prefix match — jurisdiction without recursive queries.
    """

    id = models.CharField(max_length=32, primary_key=True)
    dept = models.CharField(max_length=16, choices=Dept.choices)
    code = models.CharField(max_length=16)
    name = models.CharField(max_length=128)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True)
    auto_review = models.BooleanField(_("自动审核"), default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["dept", "code"]
        constraints = [models.UniqueConstraint(fields=["dept", "code"], name="unit_dept_code_unique")]

    def __str__(self):
        return f"{self.code} {self.name}"

    @staticmethod
    def make_id(dept: str, code: str) -> str:
        return f"{dept}:{code}"

    def clean(self):
        if self.id and self.id != self.make_id(self.dept, self.code):
            raise ValidationError({"id": _("单位标识必须是“部门:代码”，例如 aic:440300。")})
        if self.parent is not None:
            if self.parent.dept != self.dept:
                raise ValidationError({"parent": _("上级单位必须属于同一部门。")})
            if self.pk and f"/{self.pk}/" in self.parent.path:
                raise ValidationError({"parent": _("上级单位不能是本单位或其下级单位。")})

    @transaction.atomic
    def save(self, *args, **kwargs):
        # The path is derived from the parent, never typed: an empty or stale path would widen or
        # narrow every jurisdiction that runs through this unit.
        self.id = self.id or self.make_id(self.dept, self.code)
        old = Unit.objects.filter(pk=self.pk).values_list("path", flat=True).first()
        self.path = (self.parent.path if self.parent is not None else "/") + f"{self.id}/"
        super().save(*args, **kwargs)
        if old and old != self.path:
            below = list(Unit.objects.filter(path__startswith=old).exclude(pk=self.pk))
            for u in below:
                u.path = self.path + u.path[len(old) :]
            Unit.objects.bulk_update(below, ["path"], batch_size=500)

    def covers(self, other: "Unit") -> bool:
        """True when `other` is this unit or below it."""
        return other.path.startswith(self.path)
