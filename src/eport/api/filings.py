"""企业备案: the enterprise's filing states, and its cards with their filings and permissions (the legal
card's IC卡备案 / IC卡权限申请 lists). The filings themselves are applications (/applications)."""

from django.http import HttpResponse
from ninja import Query, Router

from eport import exports
from eport.accounts.permissions import enterprise_for_reading
from eport.filings import selectors
from eport.pagination import paginate

from .auth import AUTH, SignedIn
from .schemas import (
    SIGNED_IN,
    XLSX,
    CardOut,
    EnterpriseCardFilters,
    EnterpriseCardPage,
    Filings,
    Page,
    PageSize,
    errors,
    file_answer,
)

router = Router(tags=["filings"], auth=AUTH)


@router.get(
    "/filings",
    response={200: Filings, **errors(*SIGNED_IN, 404)},
    summary="企业备案状态（商务部、海关、外汇）",
)
def filings(request: SignedIn) -> Filings:
    """What `GET /enterprise` says of the filings, for whoever may read that."""
    return Filings.model_validate(selectors.enterprise_filings(enterprise_for_reading(request.auth)))


@router.get(
    "/filings/cards",
    response={200: EnterpriseCardPage, **errors(*SIGNED_IN)},
    summary="本企业IC卡的备案与权限",
)
def cards(
    request: SignedIn, filters: Query[EnterpriseCardFilters], page: Page = 1, page_size: PageSize = 20
) -> EnterpriseCardPage:
    qs = selectors.enterprise_cards(request.auth, **filters.given())
    items, total = paginate(qs, page, page_size)
    return EnterpriseCardPage(items=[CardOut.model_validate(c) for c in items], total=total)


@router.get(
    "/filings/cards.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="IC卡备案与权限导出（Excel）",
    openapi_extra=file_answer(XLSX, "IC卡备案与权限 (Excel)"),
)
def cards_export(request: SignedIn, filters: Query[EnterpriseCardFilters]) -> HttpResponse:
    q = filters.given()
    return exports.xlsx_response(request, "filings", selectors.enterprise_cards(request.auth, **q), q)
