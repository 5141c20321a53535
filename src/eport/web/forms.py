"""Rendering helpers for the 三证合一 form: the kind's own data form, decorated for the screen
(required fields yellow, read-only grey, code fields with prefix auto-complete)."""

from django.utils.translation import gettext as _

from eport.enterprises.choices import UNIT_FIELDS
from eport.enterprises.forms import EnterpriseDataForm
from eport.refdata.lookup import unit_for
from eport.refdata.models import CustomsDistrict

# field -> (refdata list for auto-complete, minimum typed length)
LOOKUPS = {
    "aic_unit": ("aic_units", 2),
    "tax_unit": ("tax_units", 4),
    "quality_unit": ("quality_units", 1),
    "customs_code": ("customs", 2),
    "filing_customs": ("customs", 2),
    "forex_bureau": ("forex_bureaus", 2),
    "authority": ("commerce_authorities", 1),
}
READONLY = {"uscc"}
CONDITIONAL = {
    "aic_unit",
    "tax_unit",
    "quality_unit",
    "enterprise_type_other",
}  # required depending on other fields


def lookup_attrs(name: str) -> dict:
    """The auto-complete attributes of a code field: its list, the minimum typed length, and the hint
    shown while fewer characters are typed, in words."""
    source, minimum = LOOKUPS[name]
    return {
        "data-lookup": source,
        "data-min": minimum,
        "data-min-hint": _("至少输入%(n)d位代码") % {"n": minimum},
        "autocomplete": "off",
    }


def code_names(data: dict) -> dict:
    """Names of the units and the customs district a record's codes point to (read-only screens)."""
    names = {f: getattr(unit_for(dept, data.get(f, "")), "name", "") for f, dept in UNIT_FIELDS.items()}
    district = CustomsDistrict.objects.filter(code=data.get("customs_code", "")).first()
    names["customs_code"] = district.name if district else ""
    return names


def entry_form(data: dict, *, uscc_editable: bool = False) -> EnterpriseDataForm:
    """The 三证合一 form for the screen. The USCC is the enterprise's own and read-only, except for an
    enterprise first approved by organization code, whose change brings its USCC."""
    form = EnterpriseDataForm(initial=data or {}, final=True)
    for name, field in form.fields.items():
        attrs = field.widget.attrs
        classes = []
        if name in form.REQUIRED or name in CONDITIONAL:
            classes.append("req")
        if name in READONLY and not uscc_editable:
            attrs["readonly"] = "readonly"
            classes.append("ro")
        if name in LOOKUPS:
            attrs.update(lookup_attrs(name))
        attrs["class"] = " ".join(classes)
        attrs["id"] = f"id_{name}"
        field.required = False  # the browser must not block 暂存 of a partial draft
    return form


def kind_form(kind, data: dict):
    """A kind's own data form for the screen (operators, reissue, filings): fields required at 申报
    yellow, code fields with prefix auto-complete; the browser never blocks a partial 暂存 (the service
    says what is missing, naming the field)."""
    form = kind.form_class(initial=data or {}, final=True)
    for name, field in form.fields.items():
        field.widget.attrs.update({"class": "req" if field.required else "", "id": f"id_{name}"})
        if name in LOOKUPS:
            field.widget.attrs.update(lookup_attrs(name))
        field.required = False
    return form
