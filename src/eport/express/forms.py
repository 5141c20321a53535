"""The fields of 快件通关, checked once for the screens and the API (services)."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .lists import CATEGORIES, TRANSPORT_MODES
from .models import Direction

_waybill = RegexValidator(
    r"^[0-9A-Za-z-]{4,32}\Z", _("运单号为4至32位字母、数字或“-”。"), code="waybill_invalid"
)
_flight = RegexValidator(r"^[0-9A-Za-z]{2,16}\Z", _("航班号为2至16位字母或数字。"), code="flight_invalid")
_port = RegexValidator(r"^[0-9]{4}\Z", _("进出口岸应为4位关区代码。"), code="port_invalid")
_currency = RegexValidator(r"^[0-9]{3}\Z", _("币制应为3位数字代码（如502美元）。"), code="currency_invalid")
# What XML 1.0 cannot hold (C0 controls other than tab and line ends, the surrogates, U+FFFE and U+FFFF):
# such a character would not survive an Excel export, so it is refused where it comes in.
_printable = RegexValidator(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]",
    _("含有不能保存的字符（控制字符或非字符），请删除后重新上载。"),
    code="character_invalid",
    inverse_match=True,
)


class UploadForm(forms.Form):
    """The head of an upload: 进出口, 类别 and 总运单号 (the file is read apart)."""

    direction = forms.ChoiceField(label=_("进出口"), choices=Direction.choices)
    category = forms.ChoiceField(label=_("类别"), choices=CATEGORIES)
    waybill = forms.CharField(label=_("总运单号"), validators=[_waybill])

    def clean_waybill(self):
        return self.cleaned_data["waybill"].strip().upper()


class DeclarationRowForm(forms.Form):
    sub_waybill = forms.CharField(label=_("分运单号"), max_length=32, validators=[_waybill])
    party = forms.CharField(label=_("收/发件人"), max_length=100, validators=[_printable])
    goods = forms.CharField(label=_("货物名称"), max_length=200, validators=[_printable])
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=999999999)
    value = forms.DecimalField(label=_("价值"), min_value=0, max_digits=14, decimal_places=2)
    currency = forms.CharField(label=_("币制"), max_length=3, validators=[_currency])
    port = forms.CharField(label=_("进出口岸"), max_length=4, validators=[_port])
    transport_mode = forms.ChoiceField(
        label=_("运输方式"),
        choices=TRANSPORT_MODES,
        # Django's message repeats the value: a cell of any length would come back in every refusal.
        error_messages={"invalid_choice": _("不是运输方式代码表中的代码。")},
    )
    flight_no = forms.CharField(label=_("航班号"), max_length=16, validators=[_flight])
    date = forms.DateField(label=_("日期"), input_formats=["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"])

    def clean_sub_waybill(self):
        return self.cleaned_data["sub_waybill"].strip().upper()

    def clean_flight_no(self):
        return self.cleaned_data["flight_no"].strip().upper()


class ManifestRowForm(forms.Form):
    sub_waybill = forms.CharField(label=_("分运单号"), max_length=32, validators=[_waybill])
    pieces = forms.IntegerField(label=_("件数"), min_value=1, max_value=999999)
    weight = forms.DecimalField(label=_("重量(千克)"), min_value=0, max_digits=12, decimal_places=3)
    flight_no = forms.CharField(label=_("航班号"), max_length=16, validators=[_flight])

    def clean_sub_waybill(self):
        return self.cleaned_data["sub_waybill"].strip().upper()

    def clean_flight_no(self):
        return self.cleaned_data["flight_no"].strip().upper()


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=CATEGORIES)


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退单原因"), max_length=500, validators=[_printable])
