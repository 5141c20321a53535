"""出口收汇 (API.md "Other subsystems"; SPEC §6.5): the enterprise's card requests 核销单, files them for a
port (one by one or in a batch), revokes a filing, hands a form in or reports it lost; the 外汇局 issues
forms for a request, marks a form lost and writes it off; the customs of the filed port records the export
declaration. Every rule is eport.export_receipts'."""

from datetime import datetime

from django.http import HttpResponse
from ninja import Router, Status
from pydantic import Field

from eport import exports
from eport.export_receipts import selectors, services
from eport.export_receipts.models import FormRequest, ReceiptForm
from eport.pagination import paginate

from .auth import AUTH, SignedIn
from .schemas import SIGNED_IN, XLSX, In, Out, Page, PageSize, errors, file_answer

router = Router(tags=["export-receipts"], auth=AUTH)
BASE = "/export-receipts"


class CountIn(In):
    """申请份数 / 发单份数: an integer from 1 to 9999."""

    count: int


class PortIn(In):
    """使用口岸: a 4-digit customs district code (GET /export-receipts/ports finds it by name)."""

    port: str = Field(max_length=20)


class BatchIn(In):
    """批量备案: the forms not yet filed from 起始号 on, at most 份数 of them, all for one port."""

    start_no: str = Field(max_length=20)
    count: int
    port: str = Field(max_length=20)


class DeclarationIn(In):
    """The 18-digit export declaration number (its first four digits are the filed port, the 9th is 0)."""

    decl_no: str = Field(max_length=30)


class RequestOut(Out):
    request_no: str
    enterprise_name: str
    bureau: str
    bureau_name: str
    count: int
    issued_count: int
    state: str
    state_name: str
    created_at: datetime
    issued_at: datetime | None

    @staticmethod
    def of(r: FormRequest) -> "RequestOut":
        return RequestOut(
            request_no=r.request_no,
            enterprise_name=selectors.holder_name(r.enterprise),
            bureau=r.bureau_id,
            bureau_name=r.bureau.name,
            count=r.count,
            issued_count=r.issued_count,
            state=r.state,
            state_name=str(r.get_state_display()),
            created_at=r.created_at,
            issued_at=r.issued_at,
        )


class RequestPage(Out):
    items: list[RequestOut]
    total: int


class FormOut(Out):
    form_no: str
    request_no: str
    enterprise_name: str
    bureau: str
    state: str
    state_name: str
    port: str
    port_name: str
    decl_no: str
    issued_at: datetime
    filed_at: datetime | None
    declared_at: datetime | None
    handed_in_at: datetime | None
    written_off_at: datetime | None
    lost_at: datetime | None

    @staticmethod
    def of(f: ReceiptForm) -> "FormOut":
        return FormOut(
            form_no=f.form_no,
            request_no=f.request.request_no,
            enterprise_name=selectors.holder_name(f.enterprise),
            bureau=f.bureau_id,
            state=f.state,
            state_name=str(f.get_state_display()),
            port=f.port,
            port_name=selectors.port_name(f.port),
            decl_no=f.decl_no,
            issued_at=f.issued_at,
            filed_at=f.filed_at,
            declared_at=f.declared_at,
            handed_in_at=f.handed_in_at,
            written_off_at=f.written_off_at,
            lost_at=f.lost_at,
        )


class FormPage(Out):
    items: list[FormOut]
    total: int


class FormList(Out):
    items: list[FormOut]


class PortOut(Out):
    code: str
    name: str


def _form_query(
    form_no: str, state: str, port: str, request_no: str, enterprise: str, decl_no: str
) -> dict[str, str]:
    return {
        "form_no": form_no,
        "state": state,
        "port": port,
        "request_no": request_no,
        "enterprise": enterprise,
        "decl_no": decl_no,
    }


# --- requests (literal paths before /{form_no}) -----------------------------------------------------------


@router.post(
    f"{BASE}/requests",
    response={201: RequestOut, **errors(*SIGNED_IN, 409)},
    summary="核销单申请（操作员卡）",
)
def request_forms(request: SignedIn, payload: CountIn) -> Status[RequestOut]:
    r = services.request_forms(request.auth, payload.count, ip=request.client_ip)
    return Status(201, RequestOut.of(r))


@router.get(f"{BASE}/requests", response={200: RequestPage, **errors(*SIGNED_IN)}, summary="核销单申请查询")
def requests(
    request: SignedIn,
    request_no: str = "",
    state: str = "",
    enterprise: str = "",
    page: Page = 1,
    page_size: PageSize = 20,
) -> RequestPage:
    """The enterprise's own requests, or a 外汇局's enterprises' (filters: 申请号 prefix, state, 企业)."""
    qs = selectors.filter_requests(
        selectors.visible_requests(request.auth), request_no=request_no, state=state, enterprise=enterprise
    )
    items, total = paginate(qs, page, page_size)
    return RequestPage(items=[RequestOut.of(r) for r in items], total=total)


@router.get(
    f"{BASE}/requests.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="导出核销单申请（Excel）",
    openapi_extra=file_answer(XLSX, "the requests as .xlsx"),
)
def requests_export(
    request: SignedIn, request_no: str = "", state: str = "", enterprise: str = ""
) -> HttpResponse:
    q = {"request_no": request_no, "state": state, "enterprise": enterprise}
    qs = selectors.filter_requests(selectors.visible_requests(request.auth), **q)
    return exports.xlsx_response(request, "export_receipt_requests", qs, q)


@router.post(
    f"{BASE}/requests/{{request_no}}/issue",
    response={201: FormList, **errors(*SIGNED_IN, 404, 409)},
    summary="发单（外汇局）",
)
def issue(request: SignedIn, request_no: str, payload: CountIn) -> Status[FormList]:
    forms = services.issue(request.auth, request_no, payload.count, ip=request.client_ip)
    return Status(201, FormList(items=[FormOut.of(f) for f in forms]))


@router.get(
    f"{BASE}/ports", response={200: list[PortOut], **errors(*SIGNED_IN)}, summary="使用口岸（代码或名称）"
)
def ports(request: SignedIn, q: str = "") -> list[PortOut]:
    """The customs districts whose code starts with `q` or whose name contains it (at most 20)."""
    return [PortOut(**p) for p in selectors.ports(q)]


@router.post(
    f"{BASE}/batch-port-filing",
    response={200: FormList, **errors(*SIGNED_IN, 404, 409)},
    summary="批量备案",
)
def batch_port_filing(request: SignedIn, payload: BatchIn) -> FormList:
    rows = services.batch_port_filing(
        request.auth, payload.start_no, payload.count, payload.port, ip=request.client_ip
    )
    return FormList(items=[FormOut.of(f) for f in rows])


# --- forms ---------------------------------------------------------------------------------------------


@router.get(BASE, response={200: FormPage, **errors(*SIGNED_IN)}, summary="核销单综合查询")
def forms(
    request: SignedIn,
    form_no: str = "",
    state: str = "",
    port: str = "",
    request_no: str = "",
    enterprise: str = "",
    decl_no: str = "",
    page: Page = 1,
    page_size: PageSize = 20,
) -> FormPage:
    """Filters: 核销单号 (prefix), state, 使用口岸, 申请号, 企业 (a part of the name), 报关单号 (prefix)."""
    q = _form_query(form_no, state, port, request_no, enterprise, decl_no)
    qs = selectors.filter_forms(selectors.visible_forms(request.auth), **q)
    items, total = paginate(qs, page, page_size)
    return FormPage(items=[FormOut.of(f) for f in items], total=total)


@router.get(
    f"{BASE}.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="导出核销单（Excel）",
    openapi_extra=file_answer(XLSX, "the forms as .xlsx"),
)
def forms_export(
    request: SignedIn,
    form_no: str = "",
    state: str = "",
    port: str = "",
    request_no: str = "",
    enterprise: str = "",
    decl_no: str = "",
) -> HttpResponse:
    q = _form_query(form_no, state, port, request_no, enterprise, decl_no)
    qs = selectors.filter_forms(selectors.visible_forms(request.auth), **q)
    return exports.xlsx_response(request, "export_receipts", qs, q)


@router.get(f"{BASE}/{{form_no}}", response={200: FormOut, **errors(*SIGNED_IN, 404)}, summary="核销单")
def form(request: SignedIn, form_no: str) -> FormOut:
    return FormOut.of(selectors.form_get(request.auth, form_no))


@router.post(
    f"{BASE}/{{form_no}}/port-filing",
    response={200: FormOut, **errors(*SIGNED_IN, 404, 409)},
    summary="口岸备案",
)
def port_filing(request: SignedIn, form_no: str, payload: PortIn) -> FormOut:
    return FormOut.of(services.port_filing(request.auth, form_no, payload.port, ip=request.client_ip))


@router.post(
    f"{BASE}/{{form_no}}/revoke-filing",
    response={200: FormOut, **errors(*SIGNED_IN, 404, 409)},
    summary="撤销备案（未用于出口报关）",
)
def revoke_filing(request: SignedIn, form_no: str) -> FormOut:
    return FormOut.of(services.revoke_filing(request.auth, form_no, ip=request.client_ip))


@router.post(
    f"{BASE}/{{form_no}}/hand-in", response={200: FormOut, **errors(*SIGNED_IN, 404, 409)}, summary="交单"
)
def hand_in(request: SignedIn, form_no: str) -> FormOut:
    return FormOut.of(services.hand_in(request.auth, form_no, ip=request.client_ip))


@router.post(
    f"{BASE}/{{form_no}}/report-lost",
    response={200: FormOut, **errors(*SIGNED_IN, 404, 409)},
    summary="挂失（企业或外汇局）",
)
def report_lost(request: SignedIn, form_no: str) -> FormOut:
    return FormOut.of(services.report_lost(request.auth, form_no, ip=request.client_ip))


@router.post(
    f"{BASE}/{{form_no}}/write-off",
    response={200: FormOut, **errors(*SIGNED_IN, 404, 409)},
    summary="核销（外汇局）",
)
def write_off(request: SignedIn, form_no: str) -> FormOut:
    return FormOut.of(services.write_off(request.auth, form_no, ip=request.client_ip))


@router.post(
    f"{BASE}/{{form_no}}/declaration",
    response={200: FormOut, **errors(*SIGNED_IN, 404, 409)},
    summary="登记出口报关单（备案口岸的海关）",
)
def declaration(request: SignedIn, form_no: str, payload: DeclarationIn) -> FormOut:
    return FormOut.of(
        services.record_declaration(request.auth, form_no, payload.decl_no, ip=request.client_ip)
    )
