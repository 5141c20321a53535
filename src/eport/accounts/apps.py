from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "eport.accounts"
    verbose_name = "用户"
