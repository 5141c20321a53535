"""Rendering helpers for the 三证合一 form: the kind's own data form, decorated for the screen
(required fields yellow, read-only grey, code fields with prefix auto-complete)."""

from eport.enterprises.forms import EnterpriseDataForm

# field -> (refdata list for auto-complete, minimum typed length)
LOOKUPS = {"aic_unit": ("aic_units", 2), "tax_unit": ("tax_units", 4), "quality_unit": ("quality_units", 1),
           "customs_code": ("customs", 2)}
READONLY = {"uscc"}
CONDITIONAL = {"aic_unit", "tax_unit", "quality_unit", "enterprise_type_other"}  # required depending on other fields


def entry_form(data: dict) -> EnterpriseDataForm:
    form = EnterpriseDataForm(initial=data or {}, final=True)
    for name, field in form.fields.items():
        attrs = field.widget.attrs
        classes = []
        if name in form.REQUIRED or name in CONDITIONAL:
            classes.append("req")
        if name in READONLY:
            attrs["readonly"] = "readonly"
            classes.append("ro")
        if name in LOOKUPS:
            attrs["data-lookup"], attrs["data-min"] = LOOKUPS[name]
            attrs["autocomplete"] = "off"
        attrs["class"] = " ".join(classes)
        attrs["id"] = f"id_{name}"
        field.required = False  # the browser must not block 暂存 of a partial draft
    return form
