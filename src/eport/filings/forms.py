"""The filing data forms (API.md field names), used by the filing kinds, the screens and the API.

Like every kind's form: `final=False` (暂存) accepts a partial draft, `final=True` (申报) requires what
the filing needs. Which cards belong to the enterprise is the kind's check (a card of another
enterprise is "not found", not a typing error).
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eport.applications.forms import DateField, KindForm
from eport.cards.models import Subsystem
from eport.cards.subsystems import rights_of
from eport.refdata.lookup import unit_for
from eport.refdata.models import CustomsDistrict, Dept

MAX_CARDS = 200


class FilingForm(KindForm):
    def _unit_code(self, name: str, dept: str, message) -> str:
        code = (self.cleaned_data.get(name) or "").strip()
        if code and unit_for(dept, code) is None:
            raise forms.ValidationError(message, code="unit_unknown")
        return code

    def _customs_code(self, name: str) -> str:
        code = (self.cleaned_data.get(name) or "").strip()
        if code and not (CustomsDistrict.objects.filter(code=code).exists() and unit_for(Dept.CUSTOMS, code)):
            raise forms.ValidationError(_("没有这个海关代码，请从提示中选择。"), code="customs_unknown")
        return code


class CommerceFilingForm(FilingForm):
    """企业商务部备案申请: the 商务主管机关 it is filed with; the enterprise data is the 三证合一 record."""

    authority = forms.CharField(label=_("主管机关代码"), max_length=16)
    REQUIRED = ("authority",)

    def clean_authority(self):
        return self._unit_code("authority", Dept.COMMERCE, _("没有这个商务主管机关代码，请从提示中选择。"))


class CustomsFilingForm(FilingForm):
    """企业海关备案: 主管海关 and 备案海关 (the customs unit that reviews it)."""

    customs_code = forms.CharField(label=_("主管海关"), max_length=4)
    filing_customs = forms.CharField(label=_("备案海关"), max_length=4)
    REQUIRED = ("customs_code", "filing_customs")

    def clean_customs_code(self):
        return self._customs_code("customs_code")

    def clean_filing_customs(self):
        return self._customs_code("filing_customs")


class ForexFilingForm(FilingForm):
    """企业外汇备案: the 主管外汇局."""

    forex_bureau = forms.CharField(label=_("主管外汇局"), max_length=16)
    REQUIRED = ("forex_bureau",)

    def clean_forex_bureau(self):
        return self._unit_code("forex_bureau", Dept.FOREX, _("没有这个外汇局代码，请从提示中选择。"))


class CodeListField(forms.Field):
    """A list of codes from JSON (a list) or a form (repeated field, or one comma-separated value):
    trimmed, upper-cased, duplicates dropped, order kept."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("请提供一个列表。"), "too_many": _("一次最多%(n)d项。")}

    def __init__(self, *, max_items: int = MAX_CARDS, upper: bool = True, **kwargs):
        self.max_items, self.upper = max_items, upper
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in (None, ""):
            return []
        if isinstance(value, str):
            value = value.replace("，", ",").split(",")
        if not isinstance(value, (list, tuple)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        too_many = forms.ValidationError(
            self.error_messages["too_many"] % {"n": self.max_items}, code="too_many"
        )
        if len(value) > 2 * self.max_items:  # refused before any work on a huge list
            raise too_many
        out: dict[str, None] = {}  # insertion-ordered: duplicates dropped in linear time
        for v in value:
            if not isinstance(v, (str, int)) or isinstance(v, bool):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            v = str(v).strip()
            if v:
                out[v.upper() if self.upper else v] = None
        if len(out) > self.max_items:
            raise too_many
        return list(out)

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class CardFilingForm(FilingForm):
    """IC卡海关备案 / IC卡外汇备案: the cards to file (全选 on the screen)."""

    card_nos = CodeListField(label=_("IC卡号"), error_messages={"required": _("请至少选择一张IC卡。")})
    REQUIRED = ("card_nos",)

    def json_data(self) -> dict:
        return {"card_nos": self.cleaned_data.get("card_nos") or []}


class RightsField(forms.Field):
    """The rights within subsystems (cards/subsystems.SUBSYSTEM_RIGHTS): JSON `{"paperless_documents":
    ["entry", "declare"]}`, or a form's repeated `subsystem:right` values (one checkbox per right). Cleaned to
    `{code: [rights in their defined order]}`, subsystems without a right left out."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("子系统内权限格式不正确。"),
        "unknown": _("没有这项子系统内权限：%(r)s"),
    }

    def to_python(self, value):
        if value in (None, "", [], {}):
            return {}
        pairs: list[tuple[str, str]] = []
        if isinstance(value, dict):
            for code, rights in value.items():
                if not isinstance(rights, list) or len(rights) > 10:
                    raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
                pairs += [(str(code), r) for r in rights]
        elif isinstance(value, (list, tuple)) and len(value) <= 50:
            for v in value:
                if not isinstance(v, str) or ":" not in v:
                    raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
                code, right = v.split(":", 1)
                pairs.append((code.strip(), right.strip()))
        else:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        chosen: dict[str, set[str]] = {}
        for code, right in pairs:
            if not isinstance(right, str) or right not in rights_of(code):
                raise forms.ValidationError(
                    self.error_messages["unknown"] % {"r": f"{code}:{right}"}, code="rights_unknown"
                )
            chosen.setdefault(code, set()).add(right)
        return {code: [r for r in rights_of(code) if r in got] for code, got in chosen.items()}


class CardPermissionForm(FilingForm):
    """IC卡权限申请: the card, the subsystems it may use (exactly these after approval), an optional period."""

    card_no = forms.CharField(label=_("IC卡号"), max_length=20)
    subsystems = CodeListField(
        label=_("子系统权限"),
        max_items=50,
        upper=False,
        error_messages={"required": _("请至少选择一个子系统。")},
    )
    rights = RightsField(label=_("子系统内权限"), required=False)
    valid_from = DateField(label=_("权限有效期自"))
    valid_to = DateField(label=_("权限有效期至"))
    ALWAYS = ("card_no",)  # what the application is about, from the first 暂存 on
    REQUIRED = ("subsystems",)

    def clean_card_no(self):
        return (self.cleaned_data.get("card_no") or "").strip().upper()

    def clean_subsystems(self):
        codes = self.cleaned_data.get("subsystems") or []
        known = set(Subsystem.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise forms.ValidationError(
                _("没有这个子系统：%(c)s") % {"c": "、".join(unknown)}, code="subsystem_unknown"
            )
        return codes

    def clean(self):
        super().clean()
        data = self.cleaned_data
        # A right lives within its subsystem's permission: the rights of a subsystem not chosen go with it.
        chosen = set(data.get("subsystems") or [])
        data["rights"] = {c: r for c, r in (data.get("rights") or {}).items() if c in chosen}
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and start > end:
            self.add_error(
                "valid_to", forms.ValidationError(_("权限有效期至不能早于有效期自。"), code="period_invalid")
            )
        elif end and end < timezone.localdate():
            # A permission over before it is granted would be approved and never show in the menu.
            self.add_error(
                "valid_to", forms.ValidationError(_("权限有效期至不能早于今天。"), code="period_over")
            )
        return data

    def json_data(self) -> dict:
        d = self.cleaned_data
        return {
            "card_no": d.get("card_no") or "",
            "subsystems": d.get("subsystems") or [],
            "rights": d.get("rights") or {},
            "valid_from": d["valid_from"].isoformat() if d.get("valid_from") else "",
            "valid_to": d["valid_to"].isoformat() if d.get("valid_to") else "",
        }
