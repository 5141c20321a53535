from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "eport.web"
    verbose_name = "Screens"
