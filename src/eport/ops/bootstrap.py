"""What `eport serve` and `eport demo` do first on any machine: migrate, load reference data."""

from django.core.management import call_command

from eport.refdata.models import Unit


def bootstrap(stdout=None) -> None:
    call_command("migrate", interactive=False, verbosity=0)
    if not Unit.objects.exists():
        call_command("load_refdata", stdout=stdout)
