"""The fields of a grant, checked once for the screens and the API (services._clean)."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .models import BookType

_code = RegexValidator(r"^[0-9A-Z]{10}\Z", _("企业编码应为10位海关编码。"), code="customs_code_invalid")
_rights = RegexValidator(
    r"^(?!000)[01]{3}\Z",
    _("权限代码为3位：报关/操作/查询，每位0或1，至少一位为1（如101、111）。"),
    code="rights_invalid",
)


class GrantForm(forms.Form):
    book_type = forms.ChoiceField(label=_("授权类型"), choices=BookType.choices)
    grantee_customs_code = forms.CharField(label=_("企业编码"), max_length=10, validators=[_code])
    category = forms.CharField(label=_("类别"), max_length=50)
    internal_no = forms.CharField(label=_("企业内部编号"), max_length=50)
    rights = forms.CharField(label=_("权限代码"), max_length=3, validators=[_rights])

    def clean_grantee_customs_code(self):
        return self.cleaned_data["grantee_customs_code"].strip().upper()
