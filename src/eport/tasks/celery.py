"""The project's Celery app, configured from Django's settings (the `CELERY_*` names in eport/settings.py,
themselves from `EPORT_BROKER_URL` and friends), with the schedule beat sends (`eport worker --beat`)."""

import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eport.settings")

app = Celery("eport")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each daily command's task (the same service function as the command) at its time of day, by name.
DAILY = {
    "delegations-expire": "eport.delegations.expire",
    "agreements-receive": "eport.agreements.receive",
    "audit-checkpoint": "eport.audit.checkpoint",
    "cards-expiring": "eport.cards.expiring",
    "customs-registration-expiring": "eport.customs_registration.expiring",
}


def beat_schedule(times: dict[str, str]) -> dict[str, dict]:
    schedule: dict[str, dict] = {
        # Mail whose enqueue was lost (broker down at commit, worker stopped), stale claims, old rows.
        "mail-sweep": {"task": "eport.mail.sweep", "schedule": 60.0},
        # A complete CRL older than the latest revocation (its enqueue lost) is issued again.
        "crl-sweep": {"task": "eport.pki.crl_sweep", "schedule": 60.0},
        # Export jobs whose enqueue was lost or whose worker died (exports/jobs.py sweep).
        "exports-sweep": {"task": "eport.exports.sweep", "schedule": 60.0},
    }
    for key, task in DAILY.items():
        hour, _sep, minute = times[key].partition(":")
        schedule[key] = {"task": task, "schedule": crontab(hour=int(hour), minute=int(minute or 0))}
    return schedule


app.conf.beat_schedule = beat_schedule(settings.EPORT_SCHEDULE)
