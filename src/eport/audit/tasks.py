from celery import shared_task

from eport.audit import checkpoints


@shared_task(name="eport.audit.checkpoint")
def checkpoint_task() -> int | None:
    """`eport audit checkpoint` on the schedule: sign the chain head, write the missing file pairs."""
    cp = checkpoints.checkpoint()
    checkpoints.write_files(checkpoints.AuditCheckpoint.objects.order_by("id"))
    return cp.sequence if cp else None
