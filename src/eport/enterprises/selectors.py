"""Reads about enterprises scoped to the actor."""

from django.utils.translation import gettext as _

from eport.accounts.permissions import can_look_up_registry
from eport.enterprises.codes import Code
from eport.errors import NotFound
from eport.validators import normalize_uscc

from .forms import registry_backfill


def registry_backfill_for(actor, uscc: str) -> dict:
    """工商登记信息反填 for this actor (accounts/permissions.py says whose rows it may look up). A row it may
    not see answers as an unknown USCC does (404), so the look-up is no oracle."""
    uscc = normalize_uscc(uscc)
    data = registry_backfill(uscc) if can_look_up_registry(actor, uscc) else {}
    if not data:
        raise NotFound(Code.REGISTRY_NOT_FOUND, _("工商登记中没有这个统一社会信用代码。"))
    return data
