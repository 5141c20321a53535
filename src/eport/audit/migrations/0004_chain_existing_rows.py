from django.db import migrations
from django.utils import timezone

from eport.audit.chain import HASHED, row_hash

CHUNK = 2000


def chain_existing(apps, schema_editor):
    """Link the rows written before the chain existed, in id order (the order they were written), in
    chunks so that millions of rows need little memory; then the head points at the last one."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChain = apps.get_model("audit", "AuditChain")
    sequence, prev, after = 0, "", 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=after).order_by("id")[:CHUNK])
        for event in batch:
            sequence += 1
            event.sequence, event.prev_hash = sequence, prev
            event.hash = prev = row_hash({f: getattr(event, f) for f in HASHED})
        AuditEvent.objects.bulk_update(batch, ["sequence", "prev_hash", "hash"])
        if len(batch) < CHUNK:
            break
        after = batch[-1].id
    # The first daily checkpoint is due a day from now (`eport audit checkpoint` signs one at once).
    AuditChain.objects.update_or_create(pk=1, defaults={"sequence": sequence, "hash": prev,
                                                        "checkpointed_at": timezone.now()})


class Migration(migrations.Migration):

    dependencies = [("audit", "0003_chain_schema")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
