"""我的导出: the caller's export jobs (a list export longer than EPORT_EXPORT_INLINE_ROWS answers 202 with
one) and their files; another account's job is not found."""

from django.http import FileResponse
from ninja import Router

from eport.exports import jobs
from eport.exports.xlsx import XLSX as XLSX_TYPE
from eport.pagination import paginate

from .auth import AUTH, SignedIn
from .schemas import SIGNED_IN, XLSX, ExportJobOut, ExportJobPage, Page, PageSize, errors, file_answer

router = Router(tags=["exports"], auth=AUTH)


@router.get("/exports", response={200: ExportJobPage, **errors(*SIGNED_IN)}, summary="我的导出")
def export_jobs(request: SignedIn, page: Page = 1, page_size: PageSize = 20) -> ExportJobPage:
    items, total = paginate(jobs.jobs_of(request.auth), page, page_size)
    return ExportJobPage(items=[ExportJobOut.model_validate(j) for j in items], total=total)


@router.get("/exports/{job_id}", response={200: ExportJobOut, **errors(*SIGNED_IN, 404)}, summary="查看导出")
def export_job(request: SignedIn, job_id: int) -> ExportJobOut:
    return ExportJobOut.model_validate(jobs.job_get(request.auth, job_id))


@router.get(
    "/exports/{job_id}/file",
    response={200: None, **errors(*SIGNED_IN, 404, 409)},
    summary="下载导出文件",
    openapi_extra=file_answer(XLSX, "导出文件 (Excel)"),
)
def export_file(request: SignedIn, job_id: int) -> FileResponse:
    f, name = jobs.open_file(request.auth, job_id)
    return FileResponse(f, as_attachment=True, filename=name, content_type=XLSX_TYPE)
