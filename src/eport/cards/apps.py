from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CardsConfig(AppConfig):
    name = "eport.cards"
    verbose_name = _("IC卡")

    def ready(self):
        # Imported once the apps are ready (they import models): registering is what importing them does.
        from . import (
            kinds,  # noqa: F401  legal_card_reissue, with the application engine
            menu,
            receivers,  # noqa: F401  the holder follows its operator; its cancellation refused while a card lives
        )

        menu.connect()  # a change of what a card's menu shows starts a new generation of its cache
