from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from eport.validators import validate_phone, validate_uscc

from .models import User


class RegistrationForm(forms.Form):
    """企业用户注册 → 无卡用户: 企业基本信息 + 管理员账号信息."""

    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    enterprise_name = forms.CharField(label=_("企业名称"), max_length=200)
    contact_name = forms.CharField(label=_("联系人"), max_length=100)
    phone = forms.CharField(label=_("联系电话"), max_length=40)
    email = forms.EmailField(label=_("电子邮箱"))
    username = forms.RegexField(
        label=_("用户名"),
        max_length=50,
        min_length=4,
        regex=r"^[A-Za-z0-9_.@-]+$",
        error_messages={"invalid": _("用户名只能包含字母、数字和 _ . @ -。")},
    )
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, strip=False)

    def clean_uscc(self):
        try:
            return validate_uscc(self.cleaned_data["uscc"])
        except ValidationError as e:
            raise forms.ValidationError(e.messages[0], code=e.code) from None

    def clean_phone(self):
        try:
            return validate_phone(self.cleaned_data["phone"])
        except ValidationError as e:
            raise forms.ValidationError(e.messages[0], code=e.code) from None

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("用户名已被使用。"), code="username_taken")
        return username

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("password") and data.get("username"):
            try:
                password_validation.validate_password(data["password"], User(username=data["username"]))
            except ValidationError as e:
                self.add_error("password", forms.ValidationError(" ".join(e.messages), code="password_weak"))
        return data


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("原密码"), widget=forms.PasswordInput, strip=False)
    new_password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput, strip=False)

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        if not self.user.check_password(self.cleaned_data["old_password"]):
            raise forms.ValidationError(_("原密码不正确。"), code="wrong_password")
        return self.cleaned_data["old_password"]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        new = data.get("new_password")
        if new:
            if new == data.get("old_password"):
                self.add_error(
                    "new_password",
                    forms.ValidationError(_("新密码不能与原密码相同。"), code="password_reused"),
                )
            else:
                try:
                    password_validation.validate_password(new, self.user)
                except ValidationError as e:
                    self.add_error(
                        "new_password", forms.ValidationError(" ".join(e.messages), code="password_weak")
                    )
        return data
