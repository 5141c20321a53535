"""企业操作员: the list (query) and one operator with its declarations, changes and cancellations.

Declaring, changing and cancelling are applications (`/applications` with kind operator_declaration or
operator_cancellation): one engine, one set of rules.
"""

from ninja import Router

from eport import exports
from eport.operators import reads, selectors
from eport.operators.models import OperatorStatus
from eport.pagination import paginate

from . import serializers
from .auth import AUTH
from .schemas import (
    OPERATOR_NO_PATTERN,
    PAGE,
    PAGE_SIZE,
    SIGNED_IN,
    XLSX,
    OperatorDetail,
    OperatorPage,
    errors,
    file_answer,
    one_of,
    text,
)

router = Router(tags=["operators"], auth=AUTH)
STATUS = one_of(OperatorStatus, blank=True)  # "" is no filter


def _query(request, operator_no, status, name, id_no, phone, job_title):
    return selectors.operators_query(
        request.auth,
        operator_no=operator_no,
        status=status,
        name=name,
        id_no=id_no,
        phone=phone,
        job_title=job_title,
    )


@router.get("/operators", response={200: OperatorPage, **errors(*SIGNED_IN)}, summary="企业操作员查询")
def operators(
    request,
    operator_no: str = "",
    status: STATUS = "",
    name: str = "",
    id_no: str = "",
    phone: str = "",
    job_title: str = "",
    page: PAGE = 1,
    page_size: PAGE_SIZE = 20,
):
    """`name` and `job_title` match fuzzily; the others exactly."""
    items, total = paginate(
        _query(request, operator_no, status, name, id_no, phone, job_title), page, page_size
    )
    open_apps = selectors.open_applications_of(items)
    return {"items": [serializers.operator(o, open_apps[o.operator_no]) for o in items], "total": total}


@router.get(
    "/operators.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="企业操作员导出（Excel）",
    openapi_extra=file_answer(XLSX, "企业操作员 (Excel)"),
)
def operators_export(
    request,
    operator_no: str = "",
    status: STATUS = "",
    name: str = "",
    id_no: str = "",
    phone: str = "",
    job_title: str = "",
):
    q = {
        "operator_no": operator_no,
        "status": status,
        "name": name,
        "id_no": id_no,
        "phone": phone,
        "job_title": job_title,
    }
    return exports.xlsx_response(request, "operators", selectors.operators_query(request.auth, **q), q)


@router.get(
    "/operators/{operator_no}",
    response={200: OperatorDetail, **errors(*SIGNED_IN, 404)},
    summary="查看企业操作员",
)
def operator(request, operator_no: text(pattern=OPERATOR_NO_PATTERN)):
    op = selectors.operator_get(request.auth, operator_no)
    reads.operator_viewed(request.auth, op)
    out = serializers.operator(op, selectors.open_applications_of([op])[op.operator_no])
    out["applications"] = [
        serializers.application_brief(a)
        for a in selectors.operator_applications(op).select_related("enterprise")
    ]
    return out
