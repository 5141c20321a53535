from django.apps import AppConfig


class OperatorsConfig(AppConfig):
    name = "eport.operators"
    verbose_name = "企业操作员"

    def ready(self):
        from . import kinds  # noqa: F401  registers the operator declaration and cancellation kinds
