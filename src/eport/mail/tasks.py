"""The outbox's tasks: send one row (with backoff on failure), and the sweep beat runs every minute."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from eport import mail
from eport.tasks import enqueue, has_broker

log = logging.getLogger("eport.notify")


@shared_task(name="eport.mail.deliver")
def deliver_task(outbox_id: int) -> None:
    if mail.deliver(outbox_id) is False and has_broker():
        from eport.mail.models import Outbox, OutboxState

        row = Outbox.objects.filter(pk=outbox_id, state=OutboxState.PENDING).first()
        if (
            row is not None
        ):  # tried again at its next_attempt_at (the sweep would too, a minute later at worst)
            wait = max(0.0, (row.next_attempt_at - timezone.now()).total_seconds())
            enqueue(deliver_task, outbox_id, countdown=wait)


def sweep(*, now=None) -> dict[str, int]:
    """Hand every pending row that is due to the task again (its enqueue was lost: broker down at the
    commit, worker stopped, a retry dropped); take back claims older than the lease (a worker died while
    sending); prune sent rows older than EPORT_MAIL_KEEP_DAYS. Safe to run anywhere, any number of times:
    each row is claimed before it is sent."""
    from eport.mail.models import Outbox, OutboxState

    now = now or timezone.now()
    stale = Outbox.objects.filter(
        state=OutboxState.SENDING, claimed_at__lt=now - timedelta(seconds=settings.MAIL_LEASE_SECONDS)
    ).update(state=OutboxState.PENDING, next_attempt_at=now)
    if stale:
        log.warning("%d notification claim(s) older than the lease taken back", stale)
    pruned, _n = Outbox.objects.filter(
        state=OutboxState.SENT, sent_at__lt=now - timedelta(days=settings.MAIL_KEEP_DAYS)
    ).delete()
    due = list(
        Outbox.objects.filter(state=OutboxState.PENDING, next_attempt_at__lte=now)
        .order_by("id")
        .values_list("id", flat=True)[:5000]
    )
    for pk in due:
        enqueue(deliver_task, pk)
    return {"enqueued": len(due), "reclaimed": stale, "pruned": pruned}


@shared_task(name="eport.mail.sweep")
def sweep_task() -> dict[str, int]:
    return sweep()
