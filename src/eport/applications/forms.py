"""The base of every kind's data form: the same form serves 暂存 (`final=False`: a partial draft, only
formats checked) and 申报 (`final=True`: what the kind needs is required too)."""

import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _


class KindForm(forms.Form):
    ALWAYS: tuple = ()  # required even in a draft (e.g. what identifies an operator)
    REQUIRED: tuple = ()  # required at submission

    def __init__(self, *args, final: bool = False, enterprise=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.final = final
        self.enterprise = enterprise
        for name, field in self.fields.items():
            field.required = name in self.ALWAYS or (final and name in self.REQUIRED)

    def json_data(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


class DateField(forms.DateField):
    """YYYY-MM-DD from a form or JSON: another JSON type is a typing error (not a crash), and a day that
    does not exist (2027-02-30) is told as such."""

    default_error_messages = {
        "invalid": _("日期格式应为 YYYY-MM-DD。"),
        "no_such_day": _("没有这一天，请检查日期。"),
    }

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%Y-%m-%d"], **kwargs)

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, (str, datetime.date)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            try:
                datetime.date.fromisoformat(value.strip())
            except ValueError:
                raise forms.ValidationError(self.error_messages["no_such_day"], code="invalid") from None
        return super().to_python(value)
