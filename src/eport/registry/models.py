from django.db import models
from django.utils.translation import gettext_lazy as _

from eport.enterprises.choices import RegistryStatus


class BusinessRecord(models.Model):
    """One enterprise as the business registry (工商/市场监管) knows it: the local-table adapter's data."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, primary_key=True)
    name = models.CharField(_("企业名称"), max_length=200)
    legal_rep_name = models.CharField(_("企业法人"), max_length=100, blank=True)
    legal_rep_id_type = models.CharField(max_length=40, blank=True)
    legal_rep_id_no = models.CharField(max_length=40, blank=True)
    legal_person_type = models.CharField(max_length=20, blank=True)
    enterprise_type = models.CharField(max_length=2, blank=True)
    registered_capital = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    capital_unit = models.CharField(max_length=10, blank=True)
    address = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    issuing_authority_name = models.CharField(max_length=100, blank=True)
    status = models.CharField(_("企业状态"), max_length=12, choices=RegistryStatus.choices, default=RegistryStatus.NORMAL)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.uscc} {self.name}"
