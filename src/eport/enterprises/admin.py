from django.contrib import admin

from .models import Enterprise, EnterpriseHistory


class HistoryInline(admin.TabularInline):
    model = EnterpriseHistory
    extra = 0
    can_delete = False
    readonly_fields = ("changed_at", "application", "before", "after")


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("uscc", "name", "enterprise_no", "network_status", "customs_code", "entered_at")
    list_filter = ("network_status",)
    search_fields = ("uscc", "name", "enterprise_no")
    # The master record changes only through approved applications.
    readonly_fields = [f.name for f in Enterprise._meta.fields]
    inlines = [HistoryInline]

    def has_add_permission(self, request):
        return False
