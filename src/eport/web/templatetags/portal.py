from django import template

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
