from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomsRegistrationConfig(AppConfig):
    name = "eport.customs_registration"
    verbose_name = _("海关企业管理")

    def ready(self):
        from . import (
            kinds,  # noqa: F401  registers the 变更 and 延续 kinds with the application engine
            selectors,
        )

        selectors.connect_reminders()  # the reminders are a part of a card's cached menu
