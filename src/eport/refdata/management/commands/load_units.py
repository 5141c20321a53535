from django.core.management.base import BaseCommand, CommandError

from eport.refdata.loaders import REPLACEABLE, UnitsFileError, derive_units, replace_units


class Command(BaseCommand):
    help = (
        "Replace the 外汇局 (forex) or 商务主管机关 (commerce) units with an operator's list: "
        "eport load-units --dept forex|commerce FILE, where FILE is a UTF-8 CSV with the header "
        "code,name,parent_code (parent_code empty for a root, parents may come after children). "
        "Units not in the file become inactive, auto-review switches are kept, all or nothing; "
        "later load-refdata runs keep the list. --derived goes back to the units derived from the "
        "administrative divisions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dept", required=True, choices=[d.value for d in REPLACEABLE])
        parser.add_argument("file", nargs="?", metavar="FILE", help="CSV file: code,name,parent_code")
        parser.add_argument(
            "--derived",
            action="store_true",
            help="instead of a file: go back to the units derived from the divisions",
        )

    def handle(self, *args, dept, file, derived, **options):
        if bool(file) == derived:
            raise CommandError("give either FILE or --derived")
        try:
            result = derive_units(dept) if derived else replace_units(dept, file)
        except UnitsFileError as e:
            raise CommandError(str(e)) from None
        source = "derived from the administrative divisions" if derived else f"loaded from {file}"
        self.stdout.write(
            f"{dept}: {result['units']} units {source} ({result['new']} new), "
            f"{result['deactivated']} other units made inactive"
            + (
                ""
                if derived
                else f"; load-refdata keeps this list (go back: eport load-units --dept {dept} --derived)"
            )
        )
