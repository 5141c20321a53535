from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "eport.cards"
    verbose_name = "IC卡"
