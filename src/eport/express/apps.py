from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpressConfig(AppConfig):
    name = "eport.express"
    verbose_name = _("快件通关")
