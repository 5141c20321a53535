"""The operator data forms: used by the operator kinds (declaration, pre-entry, cancellation), the
screens and the API."""

from django import forms
from django.utils.translation import gettext_lazy as _

from eport.applications.forms import KindForm
from eport.enterprises.choices import IdType
from eport.validators import clean_id_document, validate_phone

from .models import Operator, OperatorStatus


class OperatorForm(KindForm):
    """操作员信息: 证件类型 and 证件号 are required even for 暂存 (the manual's pre-entry rule; an operator
    is known by them); 申报 also requires 姓名 and 联系电话."""

    name = forms.CharField(label=_("姓名"), max_length=100)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)
    id_no = forms.CharField(label=_("证件号"), max_length=40)
    phone = forms.CharField(label=_("联系电话"), max_length=40)
    job_title = forms.CharField(label=_("职务"), max_length=100)
    email = forms.EmailField(
        label=_("电子邮箱"), max_length=254, error_messages={"invalid": _("电子邮箱格式不正确。")}
    )

    ALWAYS = ("id_type", "id_no")
    REQUIRED = ("name", "phone")

    def clean_phone(self):
        value = self.cleaned_data.get("phone", "")
        return validate_phone(value) if value else value

    def clean(self):
        super().clean()
        data = self.cleaned_data
        id_type = data.get("id_type")
        if clean_id_document(self, data, "id_type", "id_no") and id_type and data.get("id_no"):
            if self.enterprise is not None:
                other = (
                    Operator.objects.filter(enterprise=self.enterprise, id_type=id_type, id_no=data["id_no"])
                    .exclude(status=OperatorStatus.CANCELLED)
                    .exclude(operator_no=(self.data.get("operator_no") or "").strip().upper() or None)
                    .first()
                )
                if other is not None:
                    self.add_error(
                        "id_no",
                        forms.ValidationError(
                            _("本企业已有这个证件号的操作员（操作员统一编号 %(no)s）。")
                            % {"no": other.operator_no},
                            code="operator_exists",
                        ),
                    )
        return data


class CancellationForm(KindForm):
    """企业操作员信息注销申报: which operator."""

    operator_no = forms.CharField(label=_("操作员统一编号"), max_length=20)
    ALWAYS = ("operator_no",)

    def clean_operator_no(self):
        return self.cleaned_data["operator_no"].strip().upper()

    def json_data(self) -> dict:
        return {"operator_no": self.cleaned_data["operator_no"]}
