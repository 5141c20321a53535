from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcessingConfig(AppConfig):
    name = "eport.processing"
    verbose_name = _("加贸权限管理")
