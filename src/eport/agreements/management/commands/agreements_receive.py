"""The data centre's receipt of the signed agreements still SENT (签约已发往海关): each signed PDF validated
against the system root, then RECEIVED (海关入库成功). `agreement_sign` does this for its own agreements
right after committing them; this command records what a crash between the two left, and says which do not
validate (they stay SENT, the failure audited). Run it from cron or by hand: `eport agreements_receive`."""

from django.core.management.base import BaseCommand

from eport.agreements.models import Agreement, AgreementState
from eport.agreements.services import agreements_receive


class Command(BaseCommand):
    help = "Record (入库) the signed three-party agreements still SENT whose signature validates."

    def handle(self, *args, **options):
        done = agreements_receive()
        left = Agreement.objects.filter(state=AgreementState.SENT).count()
        self.stdout.write(f"{done} agreement(s) received; {left} still SENT (signature not validated).")
