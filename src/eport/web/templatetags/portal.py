from django import template

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
