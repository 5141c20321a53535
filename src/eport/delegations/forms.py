"""The 报关企业注册 form (API field names): one form for the screen, the API and the engine."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from eport.applications.forms import KindForm
from eport.refdata.models import CustomsDistrict
from eport.validators import org_code_check_char, validate_phone

ORG_CODE_RE = re.compile(r"[0-9A-Z]{8}[0-9X]")
CUSTOMS_CODE_RE = re.compile(r"\d{10}")


def enterprise_org_code(enterprise) -> str:
    """The enterprise's 组织机构代码: characters 9-17 of its USCC, or the code it entered the network by."""
    if enterprise is None:
        return ""
    return enterprise.uscc[8:17] if enterprise.uscc else (enterprise.org_code or "")


class BrokerRegistrationForm(KindForm):
    org_code = forms.CharField(label=_("组织机构代码"), max_length=9)
    broker_code = forms.CharField(label=_("海关编码"), max_length=10)
    name = forms.CharField(label=_("企业名称"), max_length=200)
    customs = forms.CharField(label=_("主管海关"), max_length=4)
    contact_name = forms.CharField(label=_("联系人"), max_length=100)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=40)
    BACKFILLED = ("name",)  # the screens show it read-only; json_data takes the enterprise's anyway
    REQUIRED = ("org_code", "broker_code", "customs", "contact_name", "contact_phone")

    def clean_org_code(self):
        code = (self.cleaned_data.get("org_code") or "").strip().upper().replace("-", "")
        if not code:
            return code
        if not ORG_CODE_RE.fullmatch(code) or org_code_check_char(code[:8]) != code[8]:
            raise forms.ValidationError(_("组织机构代码应为9位，且校验位正确。"), code="org_code_invalid")
        # A broker registers itself: the code must be its own (the registration proves no other).
        own = enterprise_org_code(self.enterprise)
        if self.enterprise is not None and code != own:
            raise forms.ValidationError(_("组织机构代码与本企业不一致。"), code="org_code_not_own")
        return code

    def clean_broker_code(self):
        code = (self.cleaned_data.get("broker_code") or "").strip()
        if code and not CUSTOMS_CODE_RE.fullmatch(code):
            raise forms.ValidationError(_("海关编码应为10位数字。"), code="customs_code_invalid")
        return code

    def clean_customs(self):
        code = (self.cleaned_data.get("customs") or "").strip()
        if code and not (re.fullmatch(r"\d{4}", code) and CustomsDistrict.objects.filter(code=code).exists()):
            raise forms.ValidationError(_("没有这个海关代码，请从提示中选择。"), code="customs_unknown")
        return code

    def clean_contact_phone(self):
        phone = (self.cleaned_data.get("contact_phone") or "").strip()
        return validate_phone(phone) if phone else phone

    def json_data(self) -> dict:
        data = super().json_data()
        # 企业名称 is the enterprise's, back-filled: never what was typed.
        if self.enterprise is not None:
            data["name"] = self.enterprise.name
        return data
