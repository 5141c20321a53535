from django.core.management.base import BaseCommand

from eport.refdata.loaders import load_all


class Command(BaseCommand):
    help = (
        "Load the reference code lists and derive department units (idempotent; a forex or commerce list "
        "loaded with load-units is kept, see refdata/data/SOURCES.md)."
    )

    def handle(self, *args, **options):
        counts = load_all()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
