from django.contrib import admin

from .models import Country, Currency, CustomsDistrict, Division, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "dept", "parent", "auto_review", "active")
    list_filter = ("dept", "auto_review", "active")
    search_fields = ("id", "code", "name")
    raw_id_fields = ("parent",)
    # The switch belongs to the unit's own reviewers (services.unit_set_auto_review); the path is derived.
    readonly_fields = ("auto_review", "path")


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(CustomsDistrict)
class CustomsDistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "full_name", "parent_code")
    search_fields = ("code", "name", "full_name")


admin.site.register(
    Country, search_fields=("code", "name_zh", "name_en"), list_display=("code", "name_zh", "name_en")
)
admin.site.register(Currency, list_display=("code", "name_zh", "name_en"))
