import json

from django.conf import settings
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
        cards = json.loads((settings.DATA_DIR / "demo_cards.json").read_text())
        self.stdout.write(
            "Demo cards (run the card agent with the file and its card file password, then "
            "卡介质登录 with the initial PIN):"
        )
        for c in cards:
            password_file = c["file"].removesuffix(".p12") + ".password"
            self.stdout.write(
                f"  {c['card_no']}  {c['kind']}  {c['holder']}  initial PIN {c['initial_pin']}  "
                f"card file password {c['card_file_password']}  "
                f"eport-card-agent --card {c['file']} --password-file {password_file}"
            )
