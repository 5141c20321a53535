"""报关企业 (customs brokers): the enterprises a consignor may delegate its declarations to (SPEC §6.2).
A row is written only by an approved broker_registration (kinds.py): what is here is what may be found."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Broker(models.Model):
    """An approved 报关企业: once per enterprise, its 海关编码 belongs to it alone."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="broker"
    )
    org_code = models.CharField(_("组织机构代码"), max_length=9, db_index=True)
    customs_code = models.CharField(_("海关编码"), max_length=10, unique=True)
    name = models.CharField(_("企业名称"), max_length=200)
    direct_customs = models.CharField(_("直属海关"), max_length=4)
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    # The association unit that approved it (assoc:XX00), kept even if the unit list changes later.
    unit = models.ForeignKey("refdata.Unit", on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("注册时间"))

    class Meta:
        ordering = ["customs_code"]

    def __str__(self):
        return f"{self.customs_code} {self.name}"
