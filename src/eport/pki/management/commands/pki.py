from django.core.management.base import BaseCommand

from eport.pki.ca import ca_init, issuing_ca, pki_dir


class Command(BaseCommand):
    help = "The system CA: `eport pki init` creates the root and issuing CA when missing; `eport pki show` prints them."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["init", "show"])

    def handle(self, *args, action, **options):
        if action == "init":
            created = ca_init()
            self.stdout.write(
                ("created the system CA in " if created else "the system CA already exists in ")
                + str(pki_dir())
            )
        ca = issuing_ca()
        for label, cert in (("root", ca.root), ("issuing", ca.certificate)):
            self.stdout.write(
                f"{label}: {cert.subject.rfc4514_string()}  serial {cert.serial_number:x}  "
                f"valid to {cert.not_valid_after_utc:%Y-%m-%d}"
            )
