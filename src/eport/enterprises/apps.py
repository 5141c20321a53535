from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "eport.enterprises"
    verbose_name = "企业"

    def ready(self):
        from . import kinds  # noqa: F401  registers enterprise_entry and enterprise_change with the application engine
