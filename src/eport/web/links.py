"""Where a screen sends the user for an application: every kind is viewed on one screen, and edited
on the screen its kind names (Kind.screen: the 三证合一 form, the operator form, …)."""

from django.urls import reverse

from eport.applications.kinds import get_kind


def view_url(app) -> str:
    return reverse("web:application_view", args=[app.id])


def edit_url(app, user) -> str | None:
    """The edit screen, when the user may edit the application now (DRAFT/RETURNED, a filer of its kind)."""
    kind = get_kind(app.kind)
    if not kind.screen or not app.is_editable or not kind.may_change(user, app):
        return None
    return reverse(kind.screen, args=kind.screen_args(app))
