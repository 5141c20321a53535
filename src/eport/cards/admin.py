from django.contrib import admin

from eport.audit.admin import ReadOnly, ReadOnlyAdmin

from .models import Card, CardPermission, Subsystem


class PermissionInline(ReadOnly, admin.TabularInline):
    """Subsystem permissions, shown with the card. Read-only: they change only through the card_permission
    application (its checks, its review, its audit row), never by an edit here."""

    model = CardPermission
    extra = 0
    fields = ("subsystem", "valid_from", "valid_to", "granted_at")
    readonly_fields = fields


@admin.register(Card)
class CardAdmin(ReadOnlyAdmin):
    """Read-only: card states change only through cards/actions.py (RA screens, API)."""

    list_display = (
        "card_no",
        "kind",
        "enterprise",
        "holder_name",
        "state",
        "pin_locked",
        "valid_to",
        "issuer",
    )
    list_filter = ("kind", "state", "pin_locked")
    search_fields = ("card_no", "holder_name", "holder_id_no", "enterprise__uscc", "enterprise__name")
    exclude = ("pin_hash",)
    inlines = [PermissionInline]


@admin.register(Subsystem)
class SubsystemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "card_kinds", "sort")
