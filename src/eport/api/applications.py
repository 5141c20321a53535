from django.http import FileResponse, HttpResponse
from ninja import File, Form, Query, Router, Status, UploadedFile

from eport import exports
from eport.applications import reads, selectors, services
from eport.pagination import paginate

from .auth import AUTH, SignedIn
from .schemas import (
    SIGNED_IN,
    TOO_LARGE,
    XLSX,
    ApplicationBrief,
    ApplicationFilters,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    ApplicationPatch,
    AttachmentOut,
    DocTypeCode,
    Page,
    PageSize,
    SubmitIn,
    errors,
    file_answer,
)

router = Router(tags=["applications"], auth=AUTH)
# What an upload may be (applications/services.py attachment_add): checked by its content, not its name.
ATTACHMENT = {
    t: {"schema": {"type": "string", "format": "binary"}}
    for t in ("application/pdf", "image/png", "image/jpeg")
}


def _full(request: SignedIn, app_id: int) -> ApplicationOut:
    return ApplicationOut.model_validate(selectors.application_get(request.auth, app_id))


@router.post(
    "/applications",
    response={201: ApplicationOut, **errors(*SIGNED_IN, 404, 409, TOO_LARGE)},
    summary="新建申请（暂存；submit=true 时同时申报）",
)
def create(request: SignedIn, payload: ApplicationIn) -> Status[ApplicationOut]:
    app = services.application_save(
        actor=request.auth, kind=payload.kind, data=payload.data, submit=payload.submit
    )
    return Status(201, _full(request, app.id))


@router.get(
    "/applications", response={200: ApplicationPage, **errors(*SIGNED_IN)}, summary="业务办理状态查询"
)
def list_(
    request: SignedIn, filters: Query[ApplicationFilters], page: Page = 1, page_size: PageSize = 20
) -> ApplicationPage:
    qs = selectors.applications_list(request.auth, **filters.given())
    items, total = paginate(qs.select_related("enterprise"), page, page_size)
    return ApplicationPage(items=[ApplicationBrief.model_validate(a) for a in items], total=total)


@router.get(
    "/applications.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="业务办理导出（Excel）",
    openapi_extra=file_answer(XLSX, "业务办理 (Excel)"),
)
def export(request: SignedIn, filters: Query[ApplicationFilters]) -> HttpResponse:
    q = filters.given()
    return exports.xlsx_response(request, "applications", selectors.applications_list(request.auth, **q), q)


@router.get(
    "/applications/{app_id}", response={200: ApplicationOut, **errors(*SIGNED_IN, 404)}, summary="查看申请"
)
def get(request: SignedIn, app_id: int) -> ApplicationOut:
    app = selectors.application_get(request.auth, app_id)
    reads.application_viewed(request.auth, app)
    return ApplicationOut.model_validate(app)


@router.patch(
    "/applications/{app_id}",
    response={200: ApplicationOut, **errors(*SIGNED_IN, 404, 409, TOO_LARGE)},
    summary="修改申请（submit=true 时同时申报）",
)
def patch(request: SignedIn, app_id: int, payload: ApplicationPatch) -> ApplicationOut:
    services.application_save(
        actor=request.auth,
        application_id=app_id,
        data=payload.data,
        version=payload.version,
        submit=payload.submit,
    )
    return _full(request, app_id)


@router.delete(
    "/applications/{app_id}", response={204: None, **errors(*SIGNED_IN, 404, 409)}, summary="删除暂存申请"
)
def delete(request: SignedIn, app_id: int) -> Status[None]:
    services.application_delete(actor=request.auth, application_id=app_id)
    return Status(204, None)


@router.post(
    "/applications/{app_id}/submit",
    response={200: ApplicationOut, **errors(*SIGNED_IN, 404, 409, TOO_LARGE)},
    summary="申报",
)
def submit(request: SignedIn, app_id: int, payload: SubmitIn | None = None) -> ApplicationOut:
    services.application_submit(
        actor=request.auth, application_id=app_id, version=payload.version if payload else None
    )
    return _full(request, app_id)


@router.post(
    "/applications/{app_id}/attachments",
    response={201: AttachmentOut, **errors(*SIGNED_IN, 404, 409, TOO_LARGE)},
    summary="上传随附单据",
)
def upload(
    request: SignedIn, app_id: int, doc_type: Form[DocTypeCode], file: File[UploadedFile]
) -> Status[AttachmentOut]:
    att = services.attachment_add(actor=request.auth, application_id=app_id, doc_type=doc_type, upload=file)
    return Status(201, AttachmentOut.model_validate(att))


@router.delete(
    "/applications/{app_id}/attachments/{att_id}",
    response={204: None, **errors(*SIGNED_IN, 404, 409)},
    summary="删除随附单据",
)
def delete_attachment(request: SignedIn, app_id: int, att_id: int) -> Status[None]:
    services.attachment_delete(actor=request.auth, application_id=app_id, attachment_id=att_id)
    return Status(204, None)


@router.get(
    "/applications/{app_id}/attachments/{att_id}",
    response={200: None, **errors(*SIGNED_IN, 404)},
    summary="下载随附单据",
    openapi_extra=file_answer(ATTACHMENT, "the file as uploaded"),
)
def download(request: SignedIn, app_id: int, att_id: int) -> FileResponse:
    att = selectors.attachment_get(request.auth, app_id, att_id)
    reads.attachment_downloaded(request.auth, att)
    return FileResponse(
        att.file.open("rb"), content_type=att.content_type, as_attachment=False, filename=att.original_name
    )
