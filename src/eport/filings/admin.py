from django.contrib import admin

from eport.audit.admin import ReadOnlyAdmin

from .models import CardFiling, EnterpriseFiling


# Written only by approved applications (the filing kinds): read-only here.
@admin.register(EnterpriseFiling)
class EnterpriseFilingAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "filing", "unit", "filed_at")
    list_filter = ("filing",)
    search_fields = ("enterprise__uscc", "enterprise__name", "unit__code")


@admin.register(CardFiling)
class CardFilingAdmin(ReadOnlyAdmin):
    list_display = ("card", "filing", "filed_at")
    list_filter = ("filing",)
    search_fields = ("card__card_no", "card__holder_name", "card__enterprise__uscc")
