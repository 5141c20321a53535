from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "eport.enterprises"
    verbose_name = _("企业")

    def ready(self):
        # Imported once the apps are ready (it imports models): registering is what importing it does.
        from . import kinds  # noqa: F401  registers enterprise_entry and enterprise_change with the application engine
