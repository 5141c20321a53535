"""The daily expiry of delegations: every sent or accepted 代理报关委托 past its 有效期至 becomes 已到期 and
both parties are told. Run it once a day (cron, a systemd timer): `eport delegations_expire`. A delegation
past its date is never live before then either (selectors.live_delegation reads the dates)."""

from django.core.management.base import BaseCommand

from eport.delegations.services import expire_due


class Command(BaseCommand):
    help = "Mark the delegations past their validity 已到期 (EXPIRED) and notify both parties."

    def handle(self, *args, **options):
        done = expire_due()
        for d in done:
            self.stdout.write(
                f"{d.pk}  {d.consignor.name} -> {d.broker.customs_code}  {d.customs}  {d.valid_to}"
            )
        self.stdout.write(f"{len(done)} delegation(s) expired.")
