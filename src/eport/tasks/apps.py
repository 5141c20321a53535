from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "eport.tasks"
    verbose_name = _("后台任务")

    def ready(self) -> None:
        # The app must exist before any task is called, so that @shared_task binds to it (and to its broker).
        from eport.tasks import celery  # noqa: F401
