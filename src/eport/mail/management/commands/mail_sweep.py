"""`eport mail-sweep`: the outbox sweep once (beat runs it every minute with a worker; without a broker run
it from cron to retry the mail a mail server outage held back)."""

from django.core.management.base import BaseCommand

from eport.mail.tasks import sweep


class Command(BaseCommand):
    help = "Send the pending notifications that are due, take back stale claims, prune old sent rows."

    def handle(self, *args, **options):
        done = sweep()
        self.stdout.write(
            f"{done['enqueued']} notification(s) handed on, {done['reclaimed']} stale claim(s) taken back, "
            f"{done['pruned']} old row(s) pruned."
        )
