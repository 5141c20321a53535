from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DelegationsConfig(AppConfig):
    name = "eport.delegations"
    verbose_name = _("代理报关委托")

    def ready(self):
        from . import (
            kinds,  # noqa: F401  registers broker_registration with the application engine
            receivers,
        )

        receivers.connect()
