"""Export jobs: a list export longer than EPORT_EXPORT_INLINE_ROWS is written by a worker, not in the
request. The job keeps what to run again (the list, its filters, its owner: the same scoped selector the
list used, so the file holds exactly what the owner may see), the worker streams the workbook into a
temporary file and saves it in `default_storage` (local files or S3), and its owner downloads it from
我的导出 (screen) or `GET /api/v1/exports/{id}/file`. Requested and downloaded are audited, as is the export
itself (`export`, with its rows, once written)."""

import logging
import os
import tempfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.audit.services import record
from eport.cards import selectors as card_selectors
from eport.dbrouter import primary
from eport.errors import Code, Conflict, NotFound
from eport.exports.models import ExportJob, ExportState
from eport.exports.xlsx import audit_export, file_name, keep_carriage_returns_file, write_workbook
from eport.operators import selectors as operator_selectors
from eport.tasks import after_commit, enqueue

log = logging.getLogger("eport.exports")

# The lists whose export a worker can run again from (owner, filters): the same selector the list uses.
BUILDERS: dict[str, Callable[..., Any]] = {
    "cards": card_selectors.cards_query,
    "operators": operator_selectors.operators_query,
}


def request_export(owner, list_name: str, filters: dict, count: int) -> ExportJob:
    """The job of one export, queued after its commit (audited: `export.requested`)."""
    from eport.exports.tasks import build_task

    with transaction.atomic():
        job = ExportJob.objects.create(
            owner=owner, list_name=list_name, filters={k: v for k, v in filters.items() if v}, rows=count
        )
        record(
            actor=owner,
            action="export.requested",
            obj=job,
            after={"list": list_name, "filters": job.filters, "rows": count},
        )
        after_commit(build_task, job.pk)
    return job


def job_json(job: ExportJob) -> dict:
    return {
        "id": job.pk,
        "list": job.list_name,
        "state": job.state,
        "rows": job.rows,
        "file_name": job.file_name,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "file": f"/api/v1/exports/{job.pk}/file" if job.state == ExportState.DONE else None,
    }


def queued_response(request, job: ExportJob) -> HttpResponse:
    if getattr(request, "auth", None) is not None:
        return JsonResponse(job_json(job), status=202)
    return redirect(f"{reverse('web:exports')}?queued={job.pk}")


# A job still running this long after it was requested was lost with its worker: the sweep queues it again.
RUNNING_LEASE = timedelta(hours=1)
# A job still pending this long after it was requested lost its enqueue (the broker was down at its commit).
PENDING_GRACE = timedelta(minutes=1)


def sweep(*, now=None) -> int:
    """The jobs a worker will never build otherwise (beat runs it every minute): running past RUNNING_LEASE
    back to pending, then each pending past PENDING_GRACE queued again.
    The build claims a job once, so a job queued twice is built once. Returns how many were queued."""
    from eport.exports.tasks import build_task

    now = now or timezone.now()
    ExportJob.objects.filter(state=ExportState.RUNNING, created_at__lt=now - RUNNING_LEASE).update(
        state=ExportState.PENDING
    )
    ids = list(
        ExportJob.objects.filter(state=ExportState.PENDING, created_at__lt=now - PENDING_GRACE)
        .order_by("created_at")
        .values_list("pk", flat=True)[:100]
    )
    for pk in ids:
        enqueue(build_task, pk)
    return len(ids)


def build(job_id: int) -> ExportJob | None:
    """The worker's part: claim the job (pending → running, one conditional UPDATE), write the workbook
    streamed to a temporary file, save it to storage, mark it done (or failed, with the error)."""
    if not ExportJob.objects.filter(pk=job_id, state=ExportState.PENDING).update(state=ExportState.RUNNING):
        return None
    with primary():  # the row just claimed, whatever request runs this (a list's, with no broker)
        job = ExportJob.objects.select_related("owner").get(pk=job_id)
    try:
        qs = BUILDERS[job.list_name](job.owner, **job.filters)
        with tempfile.TemporaryDirectory(prefix="eport-export-") as tmp:
            raw, patched = os.path.join(tmp, "raw.xlsx"), os.path.join(tmp, "out.xlsx")
            with open(raw, "wb") as out:
                rows = write_workbook(out, job.list_name, qs)
            keep_carriage_returns_file(raw, patched)
            name = file_name(job.list_name, job.created_at)
            with open(patched, "rb") as f:
                stored = default_storage.save(f"exports/{job.owner_id}/{job.pk}-{name}", File(f, name=name))
    except Exception as exc:  # noqa: BLE001 - the job says it failed; its owner asks again
        ExportJob.objects.filter(pk=job_id).update(
            state=ExportState.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        log.exception("export job %s failed", job_id)
        return ExportJob.objects.get(pk=job_id)
    ExportJob.objects.filter(pk=job_id).update(
        state=ExportState.DONE, rows=rows, file_name=name, storage_name=stored, finished_at=timezone.now()
    )
    audit_export(job.owner, job.list_name, job.filters, rows, job=job.pk)
    job.refresh_from_db()
    return job


def jobs_of(owner):
    return ExportJob.objects.filter(owner=owner).order_by("-created_at", "-id")


def job_get(owner, job_id: int) -> ExportJob:
    """One of the owner's jobs; another's is not found (404), never shown."""
    job = jobs_of(owner).filter(pk=job_id).first()
    if job is None:
        raise NotFound(Code.EXPORT_NOT_FOUND, _("没有这个导出。"))
    return job


def open_file(owner, job_id: int):
    """(file, name) of a finished job, audited `export.downloaded`."""
    job = job_get(owner, job_id)
    if job.state != ExportState.DONE or not job.storage_name:
        raise Conflict(Code.EXPORT_NOT_READY, _("导出文件尚未生成。"))
    try:
        f = default_storage.open(job.storage_name, "rb")
    except FileNotFoundError:  # removed from storage (an operator's clean-up): as good as never written
        raise NotFound(Code.EXPORT_NOT_FOUND, _("导出文件已不存在，请重新导出。")) from None
    record(actor=owner, action="export.downloaded", obj=job, after={"list": job.list_name, "rows": job.rows})
    return f, job.file_name
