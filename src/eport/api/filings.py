"""企业备案: the enterprise's filing states, and its cards with their filings and permissions (the legal
card's IC卡备案 / IC卡权限申请 lists). The filings themselves are applications (/applications)."""

from ninja import Router

from eport import exports
from eport.accounts.permissions import enterprise_for_reading
from eport.filings import selectors
from eport.pagination import paginate

from . import serializers
from .auth import AUTH
from .schemas import PAGE, PAGE_SIZE, SIGNED_IN, XLSX, EnterpriseCardPage, Filings, errors, file_answer

router = Router(tags=["filings"], auth=AUTH)


@router.get(
    "/filings",
    response={200: Filings, **errors(*SIGNED_IN, 404)},
    summary="企业备案状态（商务部、海关、外汇）",
)
def filings(request):
    """What `GET /enterprise` says of the filings, for whoever may read that."""
    return serializers.enterprise(enterprise_for_reading(request.auth))["filings"]


@router.get(
    "/filings/cards",
    response={200: EnterpriseCardPage, **errors(*SIGNED_IN)},
    summary="本企业IC卡的备案与权限",
)
def cards(request, card_no: str = "", holder_name: str = "", page: PAGE = 1, page_size: PAGE_SIZE = 20):
    qs = selectors.enterprise_cards(request.auth, card_no=card_no, holder_name=holder_name)
    items, total = paginate(qs, page, page_size)
    return {"items": [serializers.card(c) for c in items], "total": total}


@router.get(
    "/filings/cards.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="IC卡备案与权限导出（Excel）",
    openapi_extra=file_answer(XLSX, "IC卡备案与权限 (Excel)"),
)
def cards_export(request, card_no: str = "", holder_name: str = ""):
    q = {"card_no": card_no, "holder_name": holder_name}
    return exports.xlsx_response(request, "filings", selectors.enterprise_cards(request.auth, **q), q)
