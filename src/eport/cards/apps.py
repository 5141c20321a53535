from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "eport.cards"
    verbose_name = "IC卡"

    def ready(self):
        from . import kinds  # noqa: F401  registers legal_card_reissue with the application engine
