"""报关单电子随附单据 (API.md "Paperless clearance", SPEC §6.3): the declarer's cards open a dossier by its
18-digit number, upload one PDF per type, 申报; customs of the 关区 asks for a type again (重传指令) and the
declarer uploads it again. The rules are in eport/declarations/services.py, the scope in its selectors."""

from django.http import FileResponse, HttpResponse
from ninja import File, Form, Query, Router, Status, UploadedFile

from eport import exports
from eport.declarations import selectors, services
from eport.pagination import paginate

from .auth import AUTH, SignedIn
from .schemas import (
    SIGNED_IN,
    TOO_LARGE,
    XLSX,
    DeclDocTypeCode,
    DeclNo,
    DossierDetail,
    DossierFilters,
    DossierIn,
    DossierOut,
    DossierPage,
    Page,
    PageSize,
    ReuploadFilters,
    ReuploadIn,
    ReuploadOut,
    ReuploadPage,
    ReuploadRow,
    errors,
    file_answer,
)

router = Router(tags=["declarations"], auth=AUTH)

PDF = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}


def _detail(request: SignedIn, decl_no: str) -> DossierDetail:
    return DossierDetail.model_validate(selectors.dossier_get(request.auth, decl_no))


@router.post(
    "/declarations",
    response={200: DossierDetail, 201: DossierDetail, **errors(*SIGNED_IN, 409)},
    summary="录入报关单（电子随附单据）",
)
def open_dossier(request: SignedIn, payload: DossierIn) -> Status[DossierDetail]:
    """201 a new dossier; 200 the declarant's own one already opened with the same data."""
    dossier, created = services.dossier_open(
        actor=request.auth,
        decl_no=payload.decl_no,
        consignor=payload.consignor,
        customs=payload.customs,
        direction=payload.direction,
    )
    return Status(201 if created else 200, _detail(request, dossier.decl_no))


@router.get("/declarations", response={200: DossierPage, **errors(*SIGNED_IN)}, summary="报关单随附单据查询")
def dossiers(
    request: SignedIn, filters: Query[DossierFilters], page: Page = 1, page_size: PageSize = 20
) -> DossierPage:
    """The declarer's cards: their enterprise's dossiers; customs: the declared ones of its 关区."""
    qs = selectors.dossier_filter(selectors.visible_dossiers(request.auth), **filters.given())
    items, total = paginate(qs, page, page_size)
    return DossierPage(items=[DossierOut.model_validate(d) for d in items], total=total)


@router.get(
    "/declarations.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="报关单随附单据导出（Excel）",
    openapi_extra=file_answer(XLSX, "报关单电子随附单据 (Excel)"),
)
def dossiers_export(request: SignedIn, filters: Query[DossierFilters]) -> HttpResponse:
    q = filters.given()
    qs = selectors.dossier_filter(selectors.visible_dossiers(request.auth), **q)
    return exports.xlsx_response(request, "declarations", qs, q)


@router.get(
    "/declarations/reupload-requests",
    response={200: ReuploadPage, **errors(*SIGNED_IN)},
    summary="重新上传 / 重传指令查询",
)
def reuploads(
    request: SignedIn, filters: Query[ReuploadFilters], page: Page = 1, page_size: PageSize = 20
) -> ReuploadPage:
    items, total = paginate(selectors.reupload_list(request.auth, **filters.given()), page, page_size)
    return ReuploadPage(items=[ReuploadRow.model_validate(r) for r in items], total=total)


@router.get(
    "/declarations/reupload-requests.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="重传指令导出（Excel）",
    openapi_extra=file_answer(XLSX, "重传指令 (Excel)"),
)
def reuploads_export(request: SignedIn, filters: Query[ReuploadFilters]) -> HttpResponse:
    q = filters.given()
    return exports.xlsx_response(request, "reuploads", selectors.reupload_list(request.auth, **q), q)


@router.get(
    "/declarations/{decl_no}",
    response={200: DossierDetail, **errors(*SIGNED_IN, 404)},
    summary="查看报关单随附单据",
)
def dossier(request: SignedIn, decl_no: DeclNo) -> DossierDetail:
    return _detail(request, decl_no)


@router.post(
    "/declarations/{decl_no}/documents",
    response={201: DossierDetail, **errors(*SIGNED_IN, 404, 409, TOO_LARGE)},
    summary="上传随附单据（PDF，每类一个）",
)
def upload(
    request: SignedIn, decl_no: DeclNo, doc_type: Form[DeclDocTypeCode], file: File[UploadedFile]
) -> Status[DossierDetail]:
    """PDF by content, not encrypted or broken, ≤ 20 MB, ≤ 200 KB a page (the page named when over); a
    second file of a type replaces the first before 申报, after it only under a 重传指令 (重新上传)."""
    services.document_upload(actor=request.auth, decl_no=decl_no, doc_type=doc_type, upload=file)
    return Status(201, _detail(request, decl_no))


@router.get(
    "/declarations/{decl_no}/documents/{doc_type}",
    response={200: None, **errors(*SIGNED_IN, 404)},
    summary="下载随附单据",
    openapi_extra=file_answer(PDF, "the PDF as uploaded"),
)
def download(request: SignedIn, decl_no: DeclNo, doc_type: DeclDocTypeCode) -> FileResponse:
    doc = selectors.document_get(request.auth, decl_no, doc_type)
    return FileResponse(
        doc.file.open("rb"), content_type="application/pdf", as_attachment=False, filename=doc.original_name
    )


@router.post(
    "/declarations/{decl_no}/declare",
    response={200: DossierDetail, **errors(*SIGNED_IN, 404, 409)},
    summary="申报（随附单据）",
)
def declare(request: SignedIn, decl_no: DeclNo) -> DossierDetail:
    services.declare(actor=request.auth, decl_no=decl_no)
    return _detail(request, decl_no)


@router.post(
    "/declarations/{decl_no}/reupload-requests",
    response={201: ReuploadOut, **errors(*SIGNED_IN, 404, 409)},
    summary="海关发布重传指令",
)
def reupload_request(request: SignedIn, decl_no: DeclNo, payload: ReuploadIn) -> Status[ReuploadOut]:
    req = services.reupload_request(
        actor=request.auth, decl_no=decl_no, doc_type=payload.doc_type, reason=payload.reason
    )
    return Status(201, ReuploadOut.model_validate(req))


@router.get(
    "/declarations/{decl_no}/reupload-requests",
    response={200: list[ReuploadOut], **errors(*SIGNED_IN, 404)},
    summary="这份报关单的重传指令",
)
def dossier_reuploads(request: SignedIn, decl_no: DeclNo) -> list[ReuploadOut]:
    d = selectors.dossier_get(request.auth, decl_no)
    return [ReuploadOut.model_validate(r) for r in selectors.reupload_requests(d)]
