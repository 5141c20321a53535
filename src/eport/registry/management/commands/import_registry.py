from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from eport.registry.importer import LISTS, ImportError_, import_named


class Command(BaseCommand):
    help = (
        "Import a local list from a CSV file, all rows or none: the business registry (default), the "
        "customs enterprise registry, the forex enterprise directory or the forex cancellation list."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "csv",
            nargs="?",
            help="CSV file (default: the list's demo rows, "
            + ", ".join(s.demo_csv.name for s in LISTS.values())
            + ")",
        )
        parser.add_argument(
            "--list",
            dest="list_name",
            choices=list(LISTS),
            default="business",
            help="which list (default: business)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="the file is a full edition: delete the rows whose uscc is not in it "
            "(customs and forex lists only)",
        )

    def handle(self, *args, csv=None, list_name="business", replace=False, **options):
        spec = LISTS[list_name]
        if replace and not csv and spec.replaceable:
            # A full edition must be named: the demo rows must never stand in for the real list.
            raise CommandError("--replace needs the CSV file of the full edition")
        try:
            result = import_named(list_name, Path(csv) if csv else None, replace=replace)
        except (ImportError_, FileNotFoundError) as e:
            raise CommandError(str(e)) from None
        message = f"{spec.label} rows imported: {result.imported}"
        if replace:
            message += f", rows removed: {result.removed}"
        self.stdout.write(message)
