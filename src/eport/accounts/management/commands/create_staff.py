from django.core.management.base import BaseCommand, CommandError

from eport.accounts.services import staff_create
from eport.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create a department account: --role reviewer|ra|admin --username U --password P [--unit dept:code]."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=["reviewer", "ra", "admin"])
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--unit", default=None, help="unit id, e.g. aic:440300, tax:14403000000, ra:5300")
        parser.add_argument(
            "--no-initial", action="store_true", help="do not force a password change at first sign-in"
        )

    def handle(self, *args, role, username, password, unit, no_initial, **options):
        try:
            user = staff_create(
                actor=None,
                role=role,
                username=username,
                password=password,
                unit_id=unit,
                must_change_password=not no_initial,
            )
        except DomainError as e:
            raise CommandError(str(e.message)) from None
        self.stdout.write(f"created {role} {user.username}" + (f" at {unit}" if unit else ""))
