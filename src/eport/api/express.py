"""快件通关 (API.md "Other subsystems"; SPEC §6.6): 数据上载 of express declarations under one 总运单号 (an
import with its 舱单), 回执查询 by 总运单号, 修改类别 before release; customs of the 进出口岸's 关区 放行 or
退单. Every rule is eport.express's."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from ninja import Field, File, Form, Router, Status, UploadedFile

from eport import exports
from eport.express import document, files, selectors, services
from eport.express.models import Declaration, Upload
from eport.pagination import paginate
from eport.pdfdoc import pdf_response

from .auth import AUTH, SignedIn
from .schemas import SIGNED_IN, XLSX, In, Out, Page, PageSize, errors, file_answer

router = Router(tags=["express"], auth=AUTH)

PDF = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
CSV = {"text/csv": {"schema": {"type": "string", "format": "binary"}}}
Cell = str | int | float


class DeclarationRowIn(In):
    """One declaration (a 分运单): codes as the manual has them — 币制 3 digits (502 美元), 进出口岸 4 digits,
    运输方式 1 digit (5 航空运输); `date` YYYY-MM-DD."""

    sub_waybill: Cell = ""
    party: Cell = ""  # 收件人 (import) / 发件人 (export)
    goods: Cell = ""
    quantity: Cell = ""
    value: Cell = ""
    currency: Cell = ""
    port: Cell = ""
    transport_mode: Cell = ""
    flight_no: Cell = ""
    date: Cell = ""


class ManifestRowIn(In):
    """One waybill of the 舱单: 分运单号, 件数, 重量(千克), 航班号."""

    sub_waybill: Cell = ""
    pieces: Cell = ""
    weight: Cell = ""
    flight_no: Cell = ""


class UploadIn(In):
    """数据上载: `direction` I|E, `category` (A, B, C, KJ1, KJ2, KJ3), the 总运单号 `waybill`, the
    declarations; an import carries its `manifest`, an export none. A bad row refuses all (400
    rows_invalid; `details` name each row, 1 = the first of the list, and its column)."""

    direction: str = Field(max_length=1)
    category: str = Field(max_length=3)
    waybill: str = Field(max_length=32)
    declarations: list[DeclarationRowIn] = Field(max_length=files.MAX_ROWS)
    manifest: list[ManifestRowIn] | None = Field(default=None, max_length=files.MAX_ROWS)


class CategoryIn(In):
    category: str = Field(max_length=3)


class ReleaseIn(In):
    version: int  # the version of the declaration the officer reviewed (409 stale when it changed)


class ReturnIn(In):
    version: int
    reason: str = Field(max_length=500)


class DeclarationOut(Out):
    id: int
    enterprise_name: str = Field(alias="enterprise.name")
    direction: str
    category: str
    category_name: str
    waybill: str
    sub_waybill: str
    party: str
    goods: str
    quantity: int
    value: Decimal
    currency: str
    port: str
    transport_mode: str
    flight_no: str
    date: date
    state: str  # received (入库成功) | returned (退单) | released (放行)
    reason: str
    version: int
    received_at: datetime
    decided_at: datetime | None


class DeclarationPage(Out):
    items: list[DeclarationOut]
    total: int


class UploadOut(Out):
    id: int
    direction: str
    category: str
    waybill: str
    manifest_lines: int
    declarations: list[DeclarationOut]


class ReceiptOut(Out):
    id: int
    declaration_id: int
    sub_waybill: str = Field(alias="declaration.sub_waybill")
    direction: str = Field(alias="declaration.direction")
    kind: str  # received (入库成功) | returned (退单) | released (放行)
    message: str
    at: datetime


class ReceiptPage(Out):
    items: list[ReceiptOut]
    total: int


def _upload_out(u: Upload) -> UploadOut:
    rows = list(u.declarations.select_related("enterprise").order_by("pk"))
    return UploadOut(
        id=u.pk,
        direction=u.direction,
        category=u.category,
        waybill=u.waybill,
        manifest_lines=u.manifest.count(),
        declarations=[DeclarationOut.model_validate(d) for d in rows],
    )


def _numbered(rows: list[Any]) -> list[tuple[int, dict[str, str]]]:
    """The rows numbered from 1, every value text as a file's cell is (a number such as 20261201 too)."""
    return [(n, {k: files.cell(v, k) for k, v in r.model_dump().items()}) for n, r in enumerate(rows, 1)]


def _filters(direction: str, category: str, waybill: str, state: str, released: str) -> dict[str, str]:
    return {
        "direction": direction,
        "category": category,
        "waybill": waybill,
        "state": state,
        "released": released,
    }


@router.get(
    "/express/declarations",
    response={200: DeclarationPage, **errors(*SIGNED_IN)},
    summary="快件报关单查询（本企业的；海关：本关区的）",
)
def declarations(
    request: SignedIn,
    direction: str = "",
    category: str = "",
    waybill: str = "",
    state: str = "",
    released: str = "",
    page: Page = 1,
    page_size: PageSize = 20,
) -> DeclarationPage:
    """Filters: `direction` I|E, `category`, `waybill` (总运单号), `state`, `released` kj2|other (放行的
    KJ2报关单 / 其他报关单). Customs reviewers read their 关区's; `state=received` is their queue."""
    qs = selectors.declarations(request.auth, **_filters(direction, category, waybill, state, released))
    items, total = paginate(qs, page, page_size)
    return DeclarationPage(items=[DeclarationOut.model_validate(d) for d in items], total=total)


@router.get(
    "/express/declarations.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="导出快件报关单（Excel）",
    openapi_extra=file_answer(XLSX, "the declarations as .xlsx"),
)
def declarations_export(
    request: SignedIn,
    direction: str = "",
    category: str = "",
    waybill: str = "",
    state: str = "",
    released: str = "",
) -> HttpResponse:
    q = _filters(direction, category, waybill, state, released)
    return exports.xlsx_response(
        request, "express_declarations", selectors.declarations(request.auth, **q), q
    )


@router.post(
    "/express/declarations",
    response={201: UploadOut, **errors(*SIGNED_IN, 409)},
    summary="数据上载（JSON：报关数据，进口随附舱单）",
)
def upload(request: SignedIn, payload: UploadIn) -> Status[UploadOut]:
    head = {"direction": payload.direction, "category": payload.category, "waybill": payload.waybill}
    manifest = _numbered(payload.manifest) if payload.manifest is not None else None
    u = services.upload(request.auth, head, _numbered(payload.declarations), manifest, ip=request.client_ip)
    return Status(201, _upload_out(u))


@router.post(
    "/express/declarations/upload",
    response={201: UploadOut, **errors(*SIGNED_IN, 409)},
    summary="数据上载（文件：.xlsx 或 .csv；进口的舱单为另一文件或工作簿中名为“舱单”的工作表）",
)
def upload_file(
    request: SignedIn,
    direction: Form[str],
    category: Form[str],
    waybill: Form[str],
    file: File[UploadedFile],
    manifest: File[UploadedFile | None] = None,
) -> Status[UploadOut]:
    rows, lines = files.read(
        file.name or "",
        file.read(),
        (manifest.name or "") if manifest else "",
        manifest.read() if manifest else None,
    )
    head = {"direction": direction, "category": category, "waybill": waybill}
    u = services.upload(request.auth, head, rows, lines, file_name=file.name or "", ip=request.client_ip)
    return Status(201, _upload_out(u))


@router.get(
    "/express/templates/{direction}.xlsx",
    response={200: None, **errors(*SIGNED_IN, 404)},
    summary="上载模板（Excel；进口含舱单工作表）",
    openapi_extra=file_answer(XLSX, "the upload template"),
)
def template_xlsx(request: SignedIn, direction: str) -> HttpResponse:
    d = _direction(request, direction)
    response = HttpResponse(files.template_xlsx(d), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="express-{d}.xlsx"'
    return response


@router.get(
    "/express/templates/{direction}.csv",
    response={200: None, **errors(*SIGNED_IN, 404)},
    summary="上载模板（CSV；manifest=1 为进口舱单模板）",
    openapi_extra=file_answer(CSV, "the upload template"),
)
def template_csv(request: SignedIn, direction: str, manifest: bool = False) -> HttpResponse:
    d = _direction(request, direction)
    response = HttpResponse(files.template_csv(d, manifest=manifest), content_type="text/csv; charset=utf-8")
    name = f"express-{d}{'-manifest' if manifest else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _direction(request: SignedIn, direction: str) -> str:
    selectors.templates_for(request.auth)
    return selectors.direction_of(direction)


@router.get(
    "/express/declarations/{declaration_id}",
    response={200: DeclarationOut, **errors(*SIGNED_IN, 404)},
    summary="一份快件报关单",
)
def declaration_get(request: SignedIn, declaration_id: int) -> Declaration:
    return selectors.declaration_for(request.auth, declaration_id)


@router.patch(
    "/express/declarations/{declaration_id}",
    response={200: DeclarationOut, **errors(*SIGNED_IN, 404, 409)},
    summary="修改类别（放行前）",
)
def change_category(request: SignedIn, declaration_id: int, payload: CategoryIn) -> Declaration:
    return services.change_category(request.auth, declaration_id, payload.category, ip=request.client_ip)


@router.post(
    "/express/declarations/{declaration_id}/release",
    response={200: DeclarationOut, **errors(*SIGNED_IN, 404, 409)},
    summary="放行（本关区海关）",
)
def release(request: SignedIn, declaration_id: int, payload: ReleaseIn) -> Declaration:
    return services.release(request.auth, declaration_id, payload.version, ip=request.client_ip)


@router.post(
    "/express/declarations/{declaration_id}/return",
    response={200: DeclarationOut, **errors(*SIGNED_IN, 404, 409)},
    summary="退单（本关区海关，须填原因）",
)
def return_(request: SignedIn, declaration_id: int, payload: ReturnIn) -> Declaration:
    return services.return_(
        request.auth, declaration_id, payload.version, payload.reason, ip=request.client_ip
    )


@router.get(
    "/express/declarations/{declaration_id}/pdf",
    response={200: None, **errors(*SIGNED_IN, 404, 409)},
    summary="打印放行的报关单（PDF）",
    openapi_extra=file_answer(PDF, "the released declaration as PDF"),
)
def declaration_pdf(request: SignedIn, declaration_id: int) -> HttpResponse:
    d = selectors.released_for_print(request.auth, declaration_id)
    return pdf_response(document.pdf(d), f"express-{d.waybill}-{d.sub_waybill}.pdf")


@router.get(
    "/express/receipts",
    response={200: ReceiptPage, **errors(*SIGNED_IN)},
    summary="回执查询（按总运单号，最新在前）",
)
def receipts(
    request: SignedIn, waybill: str = "", direction: str = "", page: Page = 1, page_size: PageSize = 20
) -> ReceiptPage:
    qs = selectors.receipts(request.auth, waybill=waybill, direction=direction)
    items, total = paginate(qs, page, page_size)
    return ReceiptPage(items=[ReceiptOut.model_validate(r) for r in items], total=total)


@router.get(
    "/express/receipts.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="导出回执（Excel）",
    openapi_extra=file_answer(XLSX, "the receipts as .xlsx"),
)
def receipts_export(request: SignedIn, waybill: str = "", direction: str = "") -> HttpResponse:
    q = {"waybill": waybill, "direction": direction}
    return exports.xlsx_response(request, "express_receipts", selectors.receipts(request.auth, **q), q)
