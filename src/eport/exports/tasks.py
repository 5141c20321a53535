from celery import shared_task

from eport.exports import jobs


@shared_task(name="eport.exports.build")
def build_task(job_id: int) -> int | None:
    """Write one export job's workbook to storage: its rows."""
    job = jobs.build(job_id)
    return job.rows if job else None


@shared_task(name="eport.exports.sweep")
def sweep_task() -> int:
    """Jobs whose enqueue was lost or whose worker died: queued again (jobs.sweep)."""
    return jobs.sweep()
