"""The daily expiry reminder: list the cards whose validity ends within N days and tell their enterprises.

Run it once a day (cron, a systemd timer, a Kubernetes CronJob): `eport cards_expiring` (default 30 days).
"""

from django.core.management.base import BaseCommand

from eport.cards.notify import cards_expiring


class Command(BaseCommand):
    help = "List cards expiring within --days (default 30) and notify their enterprises by e-mail."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--dry-run", action="store_true", help="list them, send nothing")

    def handle(self, *args, days, dry_run, **options):
        found = cards_expiring(days=days, send=not dry_run)
        for enterprise, cards, sent in found:
            note = "" if dry_run else ("  (notified)" if sent else "  (no e-mail address: not notified)")
            self.stdout.write(f"{enterprise.code} {enterprise.name}: {len(cards)}{note}")
            for c in cards:
                self.stdout.write(f"  {c.card_no}  {c.kind:8}  {c.holder_name}  {c.valid_to}")
        total = sum(len(c) for _e, c, _s in found)
        self.stdout.write(f"{total} card(s) of {len(found)} enterprise(s) expire within {days} days.")
