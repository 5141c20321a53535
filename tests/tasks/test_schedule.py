"""The daily commands as scheduled tasks (beat): each at its set time in Asia/Shanghai, each calling the same
service function as its command; and `eport worker` refuses to start without a broker."""

import datetime as dt

import pytest
from celery.schedules import crontab
from django.core.management import CommandError, call_command
from django.utils import timezone

from eport.cards.models import Card
from eport.tasks.celery import DAILY, app, beat_schedule
from tests import factories as f

DEFAULT_TIMES = {
    "delegations-expire": (0, 20),
    "agreements-receive": (3, 0),
    "audit-checkpoint": (4, 15),
    "cards-expiring": (7, 15),
    "customs-registration-expiring": (7, 20),
}


def test_the_schedule_runs_each_daily_command_and_the_sweeps(settings):
    app.loader.import_default_modules()  # the apps' tasks.py, as a worker loads them
    schedule = app.conf.beat_schedule
    assert app.conf.timezone == "Asia/Shanghai"
    for key, (hour, minute) in DEFAULT_TIMES.items():
        entry = schedule[key]
        assert entry["task"] == DAILY[key] and entry["task"] in app.tasks
        assert entry["schedule"] == crontab(hour=hour, minute=minute)
    for sweep in ("mail-sweep", "crl-sweep"):
        assert schedule[sweep]["schedule"] == 60.0 and schedule[sweep]["task"] in app.tasks


def test_the_times_come_from_the_settings(settings):
    times = {**settings.EPORT_SCHEDULE, "cards-expiring": "06:05"}
    assert beat_schedule(times)["cards-expiring"]["schedule"] == crontab(hour=6, minute=5)


@pytest.mark.django_db
def test_the_scheduled_reminder_is_the_commands_rule(mailoutbox):
    """The task of `cards-expiring` mails what the command would (one rule: cards.notify.cards_expiring)."""
    app.loader.import_default_modules()
    e = f.enterprise_in_network()
    e.contact_email = "ic@example.com"
    e.save()
    card = f.make_card("operator", e).card
    Card.objects.filter(pk=card.pk).update(valid_to=timezone.localdate() + dt.timedelta(days=3))
    mailoutbox.clear()
    assert app.tasks["eport.cards.expiring"]() == 1
    [m] = mailoutbox
    assert m.to == ["ic@example.com"] and card.card_no in m.body


@pytest.mark.django_db
def test_the_other_daily_tasks_run(mailoutbox):
    app.loader.import_default_modules()
    assert app.tasks["eport.delegations.expire"]() == 0
    assert app.tasks["eport.agreements.receive"]() == 0
    assert app.tasks["eport.customs_registration.expiring"]() == 0
    app.tasks["eport.audit.checkpoint"]()


def test_eport_worker_needs_a_broker(settings):
    settings.EPORT_BROKER_URL = ""
    with pytest.raises(CommandError, match="EPORT_BROKER_URL"):
        call_command("worker")
