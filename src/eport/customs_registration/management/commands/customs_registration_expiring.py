"""The daily 报关有效期 reminder (SPEC §6.7): mail the enterprises whose customs registration ends within 90
days, or has ended; each threshold of each 有效期 once, however often it runs.

Run it once a day (cron, a systemd timer): `eport customs-registration-expiring`."""

from django.core.management.base import BaseCommand

from eport.customs_registration.services import remind_expiring


class Command(BaseCommand):
    help = "Mail the enterprises whose customs registration expires within 90 days (once per threshold)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list them, send nothing")

    def handle(self, *args, dry_run, **options):
        found = remind_expiring(send=not dry_run)
        for reg, step, sent in found:
            note = "" if dry_run else ("  (notified)" if sent else "  (no e-mail address: not notified)")
            self.stdout.write(
                f"{reg.enterprise.uscc or reg.enterprise_id} {reg.enterprise.name}: {step} {reg.valid_until}{note}"
            )
        self.stdout.write(f"{len(found)} registration(s) reminded.")
