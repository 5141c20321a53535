"""企业操作员: the list (query) and one operator with its declarations, changes and cancellations.

Declaring, changing and cancelling are applications (`/applications` with kind operator_declaration or
operator_cancellation): one engine, one set of rules.
"""

from django.http import HttpResponse
from ninja import Query, Router

from eport import exports
from eport.operators import reads, selectors
from eport.pagination import paginate

from .auth import AUTH, SignedIn
from .schemas import (
    SIGNED_IN,
    XLSX,
    ExportJobOut,
    OperatorDetail,
    OperatorFilters,
    OperatorNo,
    OperatorOut,
    OperatorPage,
    Page,
    PageSize,
    errors,
    file_answer,
)

router = Router(tags=["operators"], auth=AUTH)


@router.get("/operators", response={200: OperatorPage, **errors(*SIGNED_IN)}, summary="企业操作员查询")
def operators(
    request: SignedIn, filters: Query[OperatorFilters], page: Page = 1, page_size: PageSize = 20
) -> OperatorPage:
    """`name` and `job_title` match fuzzily; the others exactly."""
    items, total = paginate(selectors.operators_query(request.auth, **filters.given()), page, page_size)
    # The page's open applications in one query, handed to each row's schema
    context = {"open_applications": selectors.open_applications_of(items)}
    return OperatorPage(items=[OperatorOut.model_validate(o, context=context) for o in items], total=total)


@router.get(
    "/operators.xlsx",
    response={200: None, 202: ExportJobOut, **errors(*SIGNED_IN)},
    summary="企业操作员导出（Excel）",
    openapi_extra=file_answer(XLSX, "企业操作员 (Excel)"),
)
def operators_export(request: SignedIn, filters: Query[OperatorFilters]) -> HttpResponse:
    q = filters.given()
    return exports.xlsx_response(request, "operators", selectors.operators_query(request.auth, **q), q)


@router.get(
    "/operators/{operator_no}",
    response={200: OperatorDetail, **errors(*SIGNED_IN, 404)},
    summary="查看企业操作员",
)
def operator(request: SignedIn, operator_no: OperatorNo) -> OperatorDetail:
    op = selectors.operator_get(request.auth, operator_no)
    reads.operator_viewed(request.auth, op)
    return OperatorDetail.model_validate(op)
