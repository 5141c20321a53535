"""The data of a 变更 / 延续 application, checked once for the screens and the API (the kinds' clean)."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from eport.applications.forms import KindForm

from .models import Category

_phone = RegexValidator(
    r"^[0-9+\-() ]{5,40}\Z", _("联系电话只能包含数字、空格和 + - ( )。"), code="phone_invalid"
)


class ChangeForm(KindForm):
    """变更: the registration's own details (the name, 住所 and 法定代表人 follow the 三证合一 change)."""

    REQUIRED = ("category", "business_address", "contact_name", "contact_phone")

    category = forms.ChoiceField(label=_("企业类别"), choices=[("", "")] + list(Category.choices))
    business_address = forms.CharField(label=_("经营场所"), max_length=255)
    contact_name = forms.CharField(label=_("报关业务联系人"), max_length=100)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=40, validators=[_phone])
    reason = forms.CharField(label=_("变更说明"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class RenewalForm(KindForm):
    """延续: the new 有效期 is the rule's (selectors.renewed_until); the enterprise says why, if it will."""

    reason = forms.CharField(label=_("延续说明"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
