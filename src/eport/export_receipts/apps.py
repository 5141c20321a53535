from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportReceiptsConfig(AppConfig):
    name = "eport.export_receipts"
    verbose_name = _("出口收汇")
