"""Trust (SPEC §8) for the rows that exist already.

- An enterprise not in the network is a candidate: its account keeps working on it, as before.
- Every existing account counts as having confirmed its e-mail (made before confirmation existed).
- A card-less account of an enterprise in the network is verified only when it filed the 三证合一 entry
  that was approved (工商 checked the licence). Any other one — e.g. bound to the enterprise later by its
  public USCC — stays unverified until the legal card approves it.
"""

from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):
    Enterprise = apps.get_model("enterprises", "Enterprise")
    User = apps.get_model("accounts", "User")
    Application = apps.get_model("applications", "Application")
    Enterprise.objects.exclude(network_status="in_network").update(candidate=True)
    User.objects.filter(email_confirmed_at__isnull=True).update(email_confirmed_at=F("date_joined"))
    entrants = (Application.objects.filter(kind="enterprise_entry", status="APPROVED",
                                           enterprise__network_status="in_network")
                .values_list("applicant_id", "enterprise_id", "decided_at"))
    for user_id, enterprise_id, decided_at in entrants:
        User.objects.filter(pk=user_id, kind="cardless", enterprise_id=enterprise_id, verified_at__isnull=True).update(
            verified_at=decided_at, verified_by="entry")


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0004_enterprise_candidate"),
        ("accounts", "0004_user_trust"),
        ("applications", "0004_application_closed"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
