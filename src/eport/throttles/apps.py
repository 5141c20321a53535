from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ThrottlesConfig(AppConfig):
    name = "eport.throttles"
    verbose_name = _("限流")
