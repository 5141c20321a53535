"""加贸权限管理 (API.md "Other subsystems"; SPEC §6.4): the legal card's enterprise grants another enterprise
rights on its 电子手册 / 电子账册 / 无纸化手册; the grantee's cards read theirs with `?received=1`. Every
rule is eport.processing's."""

from typing import Any

from django.http import HttpResponse
from ninja import Router, Status

from eport import exports
from eport.pagination import paginate
from eport.processing import selectors, services

from .auth import AUTH, SignedIn
from .schemas import (
    SIGNED_IN,
    XLSX,
    GrantIn,
    GrantOut,
    GrantPage,
    GrantPatch,
    Page,
    PageSize,
    errors,
    file_answer,
)

router = Router(tags=["processing-trade"], auth=AUTH)


def _query(book_type: str, grantee: str, internal_no: str, received: bool) -> dict[str, Any]:
    return {"book_type": book_type, "grantee": grantee, "internal_no": internal_no, "received": received}


@router.get(
    "/processing-trade/grants",
    response={200: GrantPage, **errors(*SIGNED_IN)},
    summary="加贸授权查询（本企业授出的；received=1 为本企业已获授权）",
)
def grants(
    request: SignedIn,
    book_type: str = "",
    grantee: str = "",
    internal_no: str = "",
    received: bool = False,
    page: Page = 1,
    page_size: PageSize = 20,
) -> GrantPage:
    """Filters: `book_type`, `grantee` (海关编码, or a part of the name), `internal_no` (a part of it)."""
    qs = selectors.grants(request.auth, **_query(book_type, grantee, internal_no, received))
    items, total = paginate(qs, page, page_size)
    return GrantPage(items=[GrantOut.model_validate(g) for g in items], total=total)


@router.get(
    "/processing-trade/grants.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="导出加贸授权（Excel）",
    openapi_extra=file_answer(XLSX, "the grants as .xlsx"),
)
def grants_export(
    request: SignedIn, book_type: str = "", grantee: str = "", internal_no: str = "", received: bool = False
) -> HttpResponse:
    q = _query(book_type, grantee, internal_no, received)
    return exports.xlsx_response(request, "processing_grants", selectors.grants(request.auth, **q), q)


@router.post(
    "/processing-trade/grants",
    response={201: GrantOut, **errors(*SIGNED_IN, 404, 409)},
    summary="新增加贸授权（法人卡）",
)
def grant_add(request: SignedIn, payload: GrantIn) -> Status[GrantOut]:
    g = services.grant_add(request.auth, payload.model_dump(), ip=request.client_ip)
    return Status(201, GrantOut.model_validate(g))


@router.patch(
    "/processing-trade/grants/{grant_id}",
    response={200: GrantOut, **errors(*SIGNED_IN, 404, 409)},
    summary="修改加贸授权（法人卡）",
)
def grant_change(request: SignedIn, grant_id: int, payload: GrantPatch) -> GrantOut:
    g = services.grant_change(request.auth, grant_id, payload.model_dump(), ip=request.client_ip)
    return GrantOut.model_validate(g)


@router.delete(
    "/processing-trade/grants/{grant_id}",
    response={204: None, **errors(*SIGNED_IN, 404)},
    summary="删除加贸授权（法人卡）",
)
def grant_delete(request: SignedIn, grant_id: int) -> Status[None]:
    services.grant_delete(request.auth, grant_id, ip=request.client_ip)
    return Status(204, None)
