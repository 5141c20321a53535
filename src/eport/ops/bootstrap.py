"""What `eport serve` and `eport demo` do first on any machine: migrate, load reference data, create
the system CA when missing."""

from django.core.management import call_command

from eport.cards.subsystems import subsystems_seed
from eport.pki.ca import ca_init
from eport.refdata.models import Unit


def bootstrap(stdout=None) -> None:
    call_command("migrate", interactive=False, verbosity=0)
    if not Unit.objects.exists():
        call_command("load_refdata", stdout=stdout)
    subsystems_seed()
    if ca_init() and stdout is not None:
        stdout.write("created the system CA (root + issuing) under the data dir's pki/")
