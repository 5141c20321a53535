"""The 报关企业注册 form (API field names): one form for the screen, the API and the engine; the 委托 form."""

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eport.applications.forms import DateField, KindForm
from eport.refdata.models import CustomsDistrict
from eport.validators import org_code_check_char, validate_phone

from .models import DelegationMode, Direction

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


class DelegationForm(forms.Form):
    """发起委托申请 (API.md field names): what the consignor fills in before its card signs the 委托书."""

    broker = forms.CharField(label=_("报关企业海关编码"), max_length=10)
    customs = forms.CharField(label=_("关区"), max_length=4)
    direction = forms.ChoiceField(label=_("进出口"), choices=Direction.choices)
    mode = forms.ChoiceField(label=_("委托方式"), choices=DelegationMode.choices)
    valid_from = DateField(label=_("有效期自"))
    valid_to = DateField(label=_("有效期至"))
    goods = forms.CharField(label=_("主要货物"), max_length=200)
    remarks = forms.CharField(label=_("备注"), max_length=500, required=False)
    accept_terms = forms.BooleanField(label=_("同意委托报关协议通用条款"), required=False)

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today  # the day the dates are checked against (the day it was prepared, when signed)
        for field in self.fields.values():  # the summary at the top names the field
            field.error_messages["required"] = _("请填写%(f)s。") % {"f": field.label}

    def clean_broker(self):
        code = (self.cleaned_data.get("broker") or "").strip()
        if not CUSTOMS_CODE_RE.fullmatch(code):
            raise forms.ValidationError(_("海关编码应为10位数字。"), code="customs_code_invalid")
        return code

    def clean_customs(self):
        code = (self.cleaned_data.get("customs") or "").strip()
        if not (re.fullmatch(r"\d{4}", code) and CustomsDistrict.objects.filter(code=code).exists()):
            raise forms.ValidationError(_("没有这个关区代码，请从提示中选择。"), code="customs_unknown")
        return code[:2] + "00"  # a delegation is per 关区: the direct customs

    def clean(self):
        data = super().clean() or {}
        start, end, mode = data.get("valid_from"), data.get("valid_to"), data.get("mode")
        today = self.today or timezone.localdate()
        if start and start < today:
            self.add_error("valid_from", forms.ValidationError(_("有效期不能早于今天。"), code="date_past"))
        longest = MAX_DAYS[DelegationMode(mode or DelegationMode.LONG_TERM)]
        if start and end:
            if end < start:
                self.add_error(
                    "valid_to", forms.ValidationError(_("有效期至不能早于有效期自。"), code="date_order")
                )
            elif end > start + dt.timedelta(days=longest):
                self.add_error(
                    "valid_to",
                    forms.ValidationError(
                        _("%(m)s委托的有效期最长 %(d)d 天。")
                        % {"m": DelegationMode(mode or DelegationMode.LONG_TERM).label, "d": longest},
                        code="date_too_far",
                    ),
                )
        return data


# [P] the longest period per mode: a single-declaration delegation for a few months, a long-term one a year.
MAX_DAYS = {DelegationMode.SINGLE: 90, DelegationMode.LONG_TERM: 366}
