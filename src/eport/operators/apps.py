from django.apps import AppConfig


class OperatorsConfig(AppConfig):
    name = "eport.operators"
    verbose_name = "企业操作员"
