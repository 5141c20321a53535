"""Reads of units scoped to the actor."""

from django.db.models import QuerySet

from eport.accounts.permissions import is_staff

from .models import Unit


def jurisdiction_units(actor) -> QuerySet:
    """The staff member's own unit and every unit below it (nothing for anyone else)."""
    if not is_staff(actor) or actor.unit_id is None:
        return Unit.objects.none()
    return Unit.objects.filter(path__startswith=actor.unit.path)
