from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "kind", "unit", "enterprise", "is_active", "must_change_password")
    list_filter = ("kind", "is_active")
    search_fields = ("username", "enterprise__name", "enterprise__uscc", "unit__id")
    raw_id_fields = ("unit", "enterprise")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            "E-Port",
            {"fields": ("kind", "unit", "enterprise", "contact_name", "phone", "must_change_password")},
        ),
    )
