"""Where a screen sends the user for an application: every kind is viewed on one screen, and edited
on the screen of its kind (the 三证合一 form, the operator form, …)."""

from django.urls import reverse

from eport.applications.kinds import get_kind
from eport.applications.models import EDITABLE_STATUSES

# kind -> (url name of its edit screen, whether that screen takes the application id)
EDIT_SCREENS = {
    "enterprise_entry": ("web:entry_edit", True),
    "enterprise_change": ("web:enterprise_change", False),
    "operator_declaration": ("web:operator_edit", True),
    "legal_card_reissue": ("web:reissue", False),
}


def view_url(app) -> str:
    return reverse("web:application_view", args=[app.id])


def edit_url(app, user) -> str | None:
    """The edit screen, when the user may edit the application now (DRAFT/RETURNED, a filer of its kind)."""
    screen = EDIT_SCREENS.get(app.kind)
    if screen is None or app.status not in EDITABLE_STATUSES or not get_kind(app.kind).may_change(user, app):
        return None
    name, takes_id = screen
    return reverse(name, args=[app.id]) if takes_id else reverse(name)
