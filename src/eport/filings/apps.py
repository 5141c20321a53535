from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingsConfig(AppConfig):
    name = "eport.filings"
    verbose_name = _("企业备案")

    def ready(self):
        # Imported once the apps are ready (it imports models): registering is what importing it does.
        from eport.cards import menu

        from . import changes, kinds  # noqa: F401  register the filing kinds with the application engine
        from .models import CardFiling

        menu.on_change(CardFiling, menu.of_card)  # a card's filings are on its menu
