from django.core.management.base import BaseCommand

from eport.ops.bootstrap import bootstrap
from eport.ops.demo import create_demo


class Command(BaseCommand):
    help = "Add demo enterprises, staff and registry rows (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        bootstrap(self.stdout)
        self.stdout.write("Demo accounts:")
        for a in create_demo():
            self.stdout.write(f"  {a['username']:<12} {a['password']:<12} {a['role']}  {a['note']}")
