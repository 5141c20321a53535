from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "eport.audit"
    verbose_name = "审计"
