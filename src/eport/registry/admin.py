from django.contrib import admin

from .models import BusinessRecord, CustomsRecord, ForexCancellation, ForexDirectoryEntry


@admin.register(BusinessRecord)
class BusinessRecordAdmin(admin.ModelAdmin):
    list_display = ("uscc", "name", "legal_rep_name", "status")
    list_filter = ("status",)
    search_fields = ("uscc", "name")


@admin.register(CustomsRecord)
class CustomsRecordAdmin(admin.ModelAdmin):
    list_display = ("uscc", "name", "reg_no", "customs_code", "updated_at")
    search_fields = ("uscc", "name", "reg_no", "customs_code")
    readonly_fields = ("updated_at",)


@admin.register(ForexDirectoryEntry)
class ForexDirectoryEntryAdmin(admin.ModelAdmin):
    list_display = ("uscc", "name", "forex_bureau", "updated_at")
    list_filter = ("forex_bureau",)
    search_fields = ("uscc", "name")
    readonly_fields = ("updated_at",)


@admin.register(ForexCancellation)
class ForexCancellationAdmin(admin.ModelAdmin):
    list_display = ("uscc", "name", "cancelled_on", "reason", "updated_at")
    list_filter = ("cancelled_on",)
    search_fields = ("uscc", "name")
    date_hierarchy = "cancelled_on"
    readonly_fields = ("updated_at",)
