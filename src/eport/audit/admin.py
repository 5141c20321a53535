from django.contrib import admin

from .models import AuditCheckpoint, AuditEvent


class ReadOnly:
    """For records that change only through services (or never): the admin may look, not touch. A mixin,
    for a page (ReadOnlyAdmin) and for an inline alike (an inline is asked with the parent row: `obj`)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor_label")


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("id", "sequence", "hash", "at")
