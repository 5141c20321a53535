"""企业备案: the enterprise's filing states, and its cards with their filings and permissions (the legal
card's IC卡备案 / IC卡权限申请 lists). The filings themselves are applications (/applications)."""

from django.http import HttpResponse
from django.urls import reverse
from ninja import Query, Router

from eport import exports
from eport.accounts.permissions import enterprise_for_reading
from eport.filings import progress, selectors
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
    ProgressOut,
    ProgressTaskOut,
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


@router.get(
    "/enterprise/progress",
    response={200: ProgressOut, **errors(*SIGNED_IN, 404)},
    summary="办理进度：已完成什么、下一步做什么",
)
def enterprise_progress(request: SignedIn) -> ProgressOut:
    """The enterprise's tasks in order (账号认证 → 三证合一入网 → 法人卡 → 商务部/海关/外汇备案 → IC卡备案 → 权限),
    each `done`, `in_progress`, `action` or `not_yet`, with the screen where its next action happens."""
    tasks = progress.enterprise_progress(request.auth)
    nxt = progress.next_task(tasks)
    return ProgressOut(
        tasks=[
            ProgressTaskOut(
                code=t.code,
                label=t.label,
                state=t.state,
                state_label=t.state_label,
                detail=t.detail,
                screen=reverse(t.screen) if t.screen else None,
                application_id=t.application.pk if t.application is not None else None,
            )
            for t in tasks
        ],
        next=nxt.code if nxt is not None else None,
    )
