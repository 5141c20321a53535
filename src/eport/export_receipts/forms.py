"""The screens' fields (labels and lengths); the checks themselves are the services' (clean_count,
clean_port, clean_form_no, clean_decl_no), so the API and the screens refuse alike."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CountForm(forms.Form):
    count = forms.CharField(label=_("申请份数"), max_length=4)


class IssueForm(forms.Form):
    count = forms.CharField(label=_("发单份数"), max_length=4)


def port_attrs() -> dict:
    """使用口岸 as a look-up by code or a part of the name; Enter opens the list (portal.js)."""
    return {
        "data-lookup": "ports",
        "data-lookup-url": "/api/v1/export-receipts/ports?q=",
        "data-min": 1,
        "data-enter-opens": True,
        "data-none-hint": _("没有符合的口岸"),
        "autocomplete": "off",
        "placeholder": _("口岸代码或名称，回车选择"),
    }


class PortForm(forms.Form):
    port = forms.CharField(label=_("使用口岸"), max_length=20)


class BatchQueryForm(forms.Form):
    start_no = forms.CharField(label=_("请输入核销单起始号"), max_length=9)
    count = forms.CharField(label=_("请输入核销单份数"), max_length=4)


class BatchPortForm(forms.Form):
    port = forms.CharField(label=_("请选择备案口岸"), max_length=20)


class DeclarationForm(forms.Form):
    decl_no = forms.CharField(label=_("出口报关单号"), max_length=18)
