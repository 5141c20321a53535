"""我的导出: the signed-in user's export jobs (a list too long to export in the request) and their files."""

from django.http import FileResponse
from django.shortcuts import render

from eport.exports import jobs
from eport.exports.xlsx import LISTS, XLSX

from .access import signed_in
from .paging import PAGE_SIZE, page_number, pager
from .refusals import Refusal


@signed_in()
def exports(request):
    page = page_number(request)
    qs = jobs.jobs_of(request.user)
    total = qs.count()
    rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    queued = request.GET.get("queued", "")
    return render(
        request,
        "web/exports.html",
        {
            "rows": [(j, LISTS[j.list_name][1] if j.list_name in LISTS else j.list_name) for j in rows],
            "queued": next((j for j in rows if str(j.pk) == queued), None),
            **pager(total, page, {}),
        },
    )


@signed_in()
def export_file(request, job_id: int):
    with Refusal() as refusal:  # a job not written yet, or failed: its refusal as a page, not a 500
        f, name = jobs.open_file(request.user, job_id)
    if refusal:
        return refusal.page(request)
    response = FileResponse(f, as_attachment=True, filename=name, content_type=XLSX)
    response["Cache-Control"] = "no-store"
    return response
