"""The base of every kind's data form: the same form serves 暂存 (`final=False`: a partial draft, only
formats checked) and 申报 (`final=True`: what the kind needs is required too)."""

from django import forms


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
