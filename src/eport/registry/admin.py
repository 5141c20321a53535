from django.contrib import admin

from .models import BusinessRecord


@admin.register(BusinessRecord)
class BusinessRecordAdmin(admin.ModelAdmin):
    list_display = ("uscc", "name", "legal_rep_name", "status")
    list_filter = ("status",)
    search_fields = ("uscc", "name")
