from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "eport.declarations"
    verbose_name = _("报关单电子随附单据")
