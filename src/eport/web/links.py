"""Where a screen sends the user for an application: every kind is viewed on one screen, and edited
on the screen of its kind (the 三证合一 form, the operator form, …)."""

from django.urls import reverse

from eport.applications.kinds import get_kind
from eport.applications.models import EDITABLE_STATUSES

# kind -> (url name of its edit screen, its argument: True = the application id, a data field's name
# (the card a permission application is about), None = no argument)
EDIT_SCREENS = {
    "enterprise_entry": ("web:entry_edit", True),
    "enterprise_change": ("web:enterprise_change", None),
    "operator_declaration": ("web:operator_edit", True),
    "legal_card_reissue": ("web:reissue", None),
    "commerce_filing": ("web:commerce_filing", None),
    "customs_filing": ("web:customs_filing", None),
    "forex_filing": ("web:forex_filing", None),
    "card_customs_filing": ("web:card_customs_filing", None),
    "card_forex_filing": ("web:card_forex_filing", None),
    "card_permission": ("web:card_permission", "card_no"),
}


def view_url(app) -> str:
    return reverse("web:application_view", args=[app.id])


def edit_url(app, user) -> str | None:
    """The edit screen, when the user may edit the application now (DRAFT/RETURNED, a filer of its kind)."""
    screen = EDIT_SCREENS.get(app.kind)
    if screen is None or app.status not in EDITABLE_STATUSES or not get_kind(app.kind).may_change(user, app):
        return None
    name, arg = screen
    if arg is None:
        return reverse(name)
    return reverse(name, args=[app.id if arg is True else app.data[arg]])
