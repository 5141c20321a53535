from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "eport.api"
    verbose_name = "API"
