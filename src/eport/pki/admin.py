from django.contrib import admin

from eport.audit.admin import ReadOnlyAdmin

from .models import Certificate


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("serial", "subject_key", "status", "reason", "not_after", "revoked_at")
    list_filter = ("status", "reason")
    search_fields = ("serial", "subject_key")
    exclude = ("der",)
