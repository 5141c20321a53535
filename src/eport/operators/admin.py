from django.contrib import admin

from eport.audit.admin import ReadOnlyAdmin

from .models import Operator


@admin.register(Operator)
class OperatorAdmin(ReadOnlyAdmin):
    list_display = ("operator_no", "name", "enterprise", "status")
    list_filter = ("status",)
    search_fields = ("operator_no", "name", "id_no", "enterprise__uscc")
