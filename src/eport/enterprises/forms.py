"""The 三证合一 data form: used by the enterprise_entry kind (and the change kind later), the screens and the API."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from eport.applications.forms import KindForm
from eport.refdata.lookup import ra_unit_for_customs, unit_for
from eport.refdata.models import CustomsDistrict
from eport.registry.adapters import registry
from eport.validators import clean_id_document, normalize_uscc, validate_phone, validate_uscc

from .choices import JOINT_REVIEW_DEPTS, UNIT_FIELDS, CapitalUnit, EnterpriseType, IdType, LegalPersonType

DEFAULT_ISSUING_AUTHORITY = "工商行政管理局"


def _domain(validator, value):
    try:
        return validator(value)
    except ValidationError as e:
        raise forms.ValidationError(e.messages[0], code=e.code) from None


class EnterpriseDataForm(KindForm):
    """Draft saves (`final=False`) check the format of what is filled in; submission also requires
    every field the 法人类型 needs. Required fields are marked in the screens (yellow)."""

    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    name = forms.CharField(label=_("企业名称"), max_length=200)
    legal_rep_name = forms.CharField(label=_("企业法人"), max_length=100)
    legal_rep_id_type = forms.ChoiceField(label=_("法人证件类型"), choices=IdType.choices)
    legal_rep_id_no = forms.CharField(label=_("法人证件号码"), max_length=40)
    legal_person_type = forms.ChoiceField(label=_("法人类型"), choices=LegalPersonType.choices)
    enterprise_type = forms.ChoiceField(label=_("企业类型"), choices=EnterpriseType.choices)
    enterprise_type_other = forms.CharField(label=_("其他企业类型"), max_length=100)
    registered_capital = forms.DecimalField(
        label=_("注册资金"), max_digits=18, decimal_places=2, min_value=Decimal("0")
    )
    capital_unit = forms.ChoiceField(label=_("资金单位"), choices=CapitalUnit.choices)
    address = forms.CharField(label=_("住所"), max_length=255)
    phone = forms.CharField(label=_("联系电话"), max_length=40)
    aic_unit = forms.CharField(label=_("工商审核单位代码"), max_length=16)
    tax_unit = forms.CharField(label=_("税务审核单位代码"), max_length=16)
    quality_unit = forms.CharField(label=_("技监审核单位代码"), max_length=16)
    issuing_authority_name = forms.CharField(label=_("发证机构名称"), max_length=100)
    customs_code = forms.CharField(label=_("主管海关"), max_length=4)

    card_issuer_after = "customs_code"  # the screen shows 发卡机构代码 (derived from 主管海关) after it

    # Always required at submission; the unit codes and the free-text type depend on other fields.
    REQUIRED = (
        "uscc",
        "name",
        "legal_rep_name",
        "legal_rep_id_type",
        "legal_rep_id_no",
        "legal_person_type",
        "enterprise_type",
        "registered_capital",
        "capital_unit",
        "address",
        "phone",
        "issuing_authority_name",
        "customs_code",
    )

    def clean_uscc(self):
        value = normalize_uscc(self.cleaned_data.get("uscc", ""))
        if not value:
            return value
        e = self.enterprise
        if e is not None and e.uscc and value != e.uscc:
            raise forms.ValidationError(
                _("统一社会信用代码必须是本企业注册时的代码，不可修改。"), code="uscc_mismatch"
            )
        value = _domain(validate_uscc, value)
        if e is not None and not e.uscc and e.org_code:
            # First approved by organization code (old system): the USCC's characters 9-17 are that code.
            if value[8:17] != e.org_code:
                raise forms.ValidationError(
                    _(
                        "统一社会信用代码第9-17位（%(got)s）与本企业原组织机构代码（%(org)s）不一致：请到发证机关确认；"
                        "确认无误的，请用原组织机构代码办结在途业务后注销企业，再按新企业入网。"
                    )
                    % {"got": value[8:17], "org": e.org_code},
                    code="uscc_org_code_mismatch",
                )
            if type(e).objects.filter(uscc=value, candidate=False).exclude(pk=e.pk).exists():
                raise forms.ValidationError(_("该统一社会信用代码已被其他企业使用。"), code="uscc_taken")
        return value

    def clean_phone(self):
        value = self.cleaned_data.get("phone", "")
        return _domain(validate_phone, value) if value else value

    def clean_customs_code(self):
        code = self.cleaned_data.get("customs_code", "").strip()
        if not code:
            return code
        if not CustomsDistrict.objects.filter(code=code).exists():
            raise forms.ValidationError(_("没有这个海关代码。"), code="customs_unknown")
        if ra_unit_for_customs(code) is None:
            raise forms.ValidationError(
                _("该主管海关没有对应的数据分中心（发卡机构）。"), code="card_issuer_unknown"
            )
        return code

    def clean(self):
        super().clean()
        data = self.cleaned_data
        clean_id_document(self, data, "legal_rep_id_type", "legal_rep_id_no")
        if data.get("enterprise_type") == EnterpriseType.OTHER:
            if self.final and not data.get("enterprise_type_other"):
                self.add_error(
                    "enterprise_type_other",
                    forms.ValidationError(
                        _("企业类型选择“9 其他企业”时，请填写其他企业类型。"), code="required"
                    ),
                )
        else:
            data["enterprise_type_other"] = ""
        lpt = data.get("legal_person_type")
        needed = JOINT_REVIEW_DEPTS.get(lpt, ("aic", "tax", "quality")) if lpt else ("aic", "tax", "quality")
        for field, dept in UNIT_FIELDS.items():
            code = (data.get(field) or "").strip()
            if lpt and dept not in needed:
                data[field] = ""  # greyed out for this 法人类型: never stored, never routed
                continue
            if not code:
                if self.final:
                    self.add_error(field, forms.ValidationError(_("这是必填项。"), code="required"))
                continue
            if unit_for(dept, code) is None:
                self.add_error(field, forms.ValidationError(_("没有这个审核单位代码。"), code="unit_unknown"))
            data[field] = code
        return data

    def json_data(self) -> dict:
        out = {}
        for name in self.fields:
            value = self.cleaned_data.get(name)
            out[name] = "" if value is None else (str(value) if isinstance(value, Decimal) else value)
        return out


# Never handed out by the back-fill: registering a USCC proves no ownership, so a personal ID
# number must be typed by the applicant, not read from the registry.
_NOT_BACKFILLED = ("status", "legal_rep_id_no")


def registry_backfill(uscc: str) -> dict:
    """调用工商服务接口反填企业信息: the registry's data as entry data (empty when unknown)."""
    entry = registry().lookup(uscc) if uscc else None
    if entry is None:
        return {}
    return {k: v for k, v in entry.as_dict().items() if v and k not in _NOT_BACKFILLED}


def registry_locked(uscc: str) -> dict:
    """The entry's fields back-filled from the registry, with the registry's values: the applicant may not
    change them (seed 002: 灰色底色的字段为返填项; the 工商 record is the source), so the entry keeps these
    whatever is posted, and the screen shows them grey and read-only. The rest stays the applicant's."""
    return registry_backfill(uscc)
