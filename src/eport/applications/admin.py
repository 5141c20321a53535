from django.contrib import admin

from eport.audit.admin import ReadOnlyAdmin

from .models import Application, Attachment, ReviewStep


class StepInline(admin.TabularInline):
    model = ReviewStep
    extra = 0
    can_delete = False
    readonly_fields = ("round", "stage", "unit", "status", "reviewer", "opinion", "decided_at")


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    readonly_fields = ("doc_type", "original_name", "content_type", "size", "sha256", "uploaded_at")
    exclude = ("file",)


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    """Read-only: every state change goes through the engine's services (screens and API)."""

    list_display = ("number", "kind", "enterprise", "status", "submitted_at", "decided_at")
    list_filter = ("kind", "status")
    search_fields = ("number", "enterprise__name", "enterprise__uscc")
    inlines = [StepInline, AttachmentInline]
