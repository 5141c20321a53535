"""Rendering helpers for the kinds' forms on the screen: the kind's own data form, decorated in ONE place —
the look of every field (seed 002: 标黄 required, 灰色 read-only or back-filled from the registry, white
optional), code fields as look-ups (prefix auto-complete, the unit's name beside the code)."""

from django import forms
from django.utils.translation import gettext as _

from eport.enterprises.forms import DEFAULT_ISSUING_AUTHORITY, EnterpriseDataForm
from eport.refdata.lookup import name_for

# field -> (refdata list for auto-complete, minimum typed length)
LOOKUPS = {
    "aic_unit": ("aic_units", 2),
    "tax_unit": ("tax_units", 4),
    "quality_unit": ("quality_units", 1),
    "customs_code": ("customs", 2),
    "filing_customs": ("customs", 2),
    "customs": ("customs", 2),  # 报关企业注册's 主管海关
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
# Fields offered with a default the applicant is expected to complete (seed 002: 发证机构名称 默认显示
# “工商行政管理局”，实际录入时需要完善具体的名称): their text is selected on focus, so typing replaces it.
DEFAULTS = {"issuing_authority_name": DEFAULT_ISSUING_AUTHORITY}


def field_class(*, required: bool, readonly: bool = False, backfilled: bool = False) -> str:
    """The one rule for a field's look, as the legend says: grey when it cannot be changed (read-only, or
    back-filled from the business registry), else yellow when required, else white."""
    if backfilled:
        return "ro backfilled"
    if readonly:
        return "ro"
    return "req" if required else ""


def _decorate(
    form: forms.BaseForm,
    name: str,
    *,
    required: bool,
    readonly: bool = False,
    backfilled: bool = False,
    value: object = None,
) -> None:
    field = form.fields[name]
    attrs = field.widget.attrs
    attrs["class"] = field_class(required=required, readonly=readonly, backfilled=backfilled)
    attrs["id"] = f"id_{name}"
    if readonly or backfilled:
        # A <select> has no readonly: disabled, and the server keeps its value whatever is posted.
        attrs["disabled" if isinstance(field.widget, forms.Select) else "readonly"] = True
    elif name in LOOKUPS:
        attrs.update(lookup_attrs(name))
    if name in DEFAULTS and value == DEFAULTS[name] and not (readonly or backfilled):
        attrs["data-select-on-focus"] = True
    if required:
        attrs["aria-required"] = "true"
    field.required = (
        False  # the browser must not block 暂存 of a partial draft (the service names what is missing)
    )


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
    """Names of what a record's codes point to (units, customs districts), by field: shown beside each
    code, on the forms (a reopened draft) and on the read-only screens."""
    return {name: name_for(source, str(data.get(name) or "")) for name, (source, _m) in LOOKUPS.items()}


def decorate_form(form: forms.BaseForm, *, exclude: tuple[str, ...] = ()) -> forms.BaseForm:
    """A plain (not a kind's) form for the screen, with the one look: required yellow, code fields as
    look-ups, dates as date pickers; `exclude`: fields the page handles itself (not rendered)."""
    for name in exclude:
        form.fields.pop(name, None)
    for name, field in form.fields.items():
        if isinstance(field, forms.DateField):
            field.widget.input_type, field.widget.format = "date", "%Y-%m-%d"
        _decorate(form, name, required=field.required, value=form.initial.get(name))
    return form


def entry_form(data: dict, *, uscc_editable: bool = False, locked: dict | None = None) -> EnterpriseDataForm:
    """The 三证合一 form for the screen. The USCC is the enterprise's own and read-only, except for an
    enterprise first approved by organization code, whose change brings its USCC. `locked`: the fields
    back-filled from the business registry and their values (grey, not editable: the entry keeps them)."""
    locked = locked or {}
    form = EnterpriseDataForm(initial={**(data or {}), **locked}, final=True)
    for name in form.fields:
        _decorate(
            form,
            name,
            required=name in form.REQUIRED or name in CONDITIONAL,
            readonly=name in READONLY and not uscc_editable,
            backfilled=name in locked and not (name == "uscc" and uscc_editable),
            value=form.initial.get(name),
        )
    return form


def kind_form(kind, data: dict):
    """A kind's own data form for the screen (operators, reissue, filings): fields required at 申报
    yellow, code fields with prefix auto-complete; the browser never blocks a partial 暂存 (the service
    says what is missing, naming the field)."""
    form = kind.form_class(initial=data or {}, final=True)
    backfilled = getattr(kind.form_class, "BACKFILLED", ())  # the enterprise's own values: grey, not typed
    for name, field in form.fields.items():
        _decorate(
            form, name, required=field.required, backfilled=name in backfilled, value=form.initial.get(name)
        )
    return form
