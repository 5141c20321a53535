from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "eport.registry"
    verbose_name = "登记机关名录"
