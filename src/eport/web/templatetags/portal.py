from django import template
from django.utils.html import format_html

from eport.web.links import edit_url, view_url

register = template.Library()


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key, "")


@register.filter
def shown(bound_field):
    """What a read-only screen shows for a field: the choice's label, or the value itself."""
    value = bound_field.value()
    choices = getattr(bound_field.field, "choices", None)
    if choices:
        return dict((str(k), v) for k, v in choices).get(str(value), value or "")
    return value if value not in (None, "") else ""


@register.simple_tag(takes_context=True)
def app_url(context, app, which="view"):
    """The view (or, when editable by the signed-in user, the edit) screen of an application."""
    return view_url(app) if which == "view" else (edit_url(app, context["request"].user) or "")


@register.simple_tag
def field_control(bound_field, errors=None, names=None):
    """A form field's control tied to what is said about it (as _input.html does for the account pages):
    aria-invalid and aria-describedby naming its error (error_<name>) and, for a code look-up, the name of
    the unit it stands for (name_<name>, server-rendered so a reopened draft shows it without script,
    announced politely when the look-up changes it)."""
    name = bound_field.name
    error = (errors or {}).get(name)
    lookup = "data-lookup" in bound_field.field.widget.attrs
    described = [f"error_{name}"] if error else []
    if lookup:
        described.append(f"name_{name}")
    attrs = {"aria-invalid": "true"} if error else {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    html = bound_field.as_widget(attrs=attrs)
    if lookup:
        html += format_html(
            '<span class="lookup-note" id="name_{}" aria-live="polite">{}</span>',
            name,
            (names or {}).get(name, ""),
        )
    return html
