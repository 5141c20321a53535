from django.apps import AppConfig


class RefdataConfig(AppConfig):
    name = "eport.refdata"
    verbose_name = "参数代码"
