"""Reads of units."""

from django.db.models import QuerySet

from .models import Unit


def units_under(unit) -> QuerySet:
    """The unit and every unit below it: one indexed prefix match on the stored path (None: no units).
    Whose jurisdiction that is, is accounts/permissions.py's `jurisdiction_units(actor)`."""
    if unit is None:
        return Unit.objects.none()
    return Unit.objects.filter(path__startswith=unit.path)
