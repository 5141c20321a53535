from django.apps import AppConfig


class PkiConfig(AppConfig):
    name = "eport.pki"
    verbose_name = "PKI"
