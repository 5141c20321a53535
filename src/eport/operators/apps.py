from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperatorsConfig(AppConfig):
    name = "eport.operators"
    verbose_name = _("企业操作员")

    def ready(self):
        # Imported once the apps are ready (they import models): registering is what importing them does.
        from . import (
            kinds,  # noqa: F401  the operator declaration and cancellation kinds, with the engine
            receivers,  # noqa: F401  the pre-entries submitted when the enterprise enters the network
        )
