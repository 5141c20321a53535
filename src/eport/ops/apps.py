from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "eport.ops"
    verbose_name = "运行"
