from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from eport.registry.importer import DEMO_CSV, ImportError_, import_csv


class Command(BaseCommand):
    help = "Import business registry rows (USCC, name, status, …) from a CSV file into the local registry table."

    def add_arguments(self, parser):
        parser.add_argument("csv", nargs="?", help=f"CSV file (default: the demo rows {DEMO_CSV.name})")

    def handle(self, *args, csv=None, **options):
        try:
            n = import_csv(Path(csv) if csv else DEMO_CSV)
        except (ImportError_, FileNotFoundError) as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"registry rows imported: {n}")
