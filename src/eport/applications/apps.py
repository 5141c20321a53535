from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "eport.applications"
    verbose_name = "申请与审核"
