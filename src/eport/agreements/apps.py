from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "eport.agreements"
    verbose_name = _("通关无纸化网上签约")

    def ready(self):
        from . import kinds  # noqa: F401  registers paperless_agreement with the application engine
