"""海关企业管理 (API.md "Other subsystems"; SPEC §6.7): the enterprise's customs registration, its 变更 /
延续 applications (filed, attached and submitted through /applications with the kinds
customs_registration_change and customs_registration_renewal; reviewed through /reviews) and the 年度报告.
Every rule is eport.customs_registration's."""

from datetime import date, datetime

from django.http import HttpResponse
from ninja import Router

from eport import exports
from eport.customs_registration import selectors, services
from eport.pagination import paginate

from .auth import AUTH, SignedIn
from .schemas import (
    SIGNED_IN,
    XLSX,
    ApplicationBrief,
    ApplicationPage,
    Out,
    Page,
    PageSize,
    errors,
    file_answer,
)

router = Router(tags=["customs-registration"], auth=AUTH)


class RegistrationOut(Out):
    customs_code: str  # 海关编码 (the customs filing's reg_no)
    enterprise_name: str
    uscc: str
    registered_customs: str  # 注册海关 (主管海关)
    registered_customs_name: str
    filing_customs: str
    filing_customs_name: str
    category: str  # consignee (进出口货物收发货人) | broker (报关企业)
    category_name: str
    registered_on: date
    valid_until: date  # 报关有效期
    days_left: int
    expired: bool
    address: str
    business_address: str
    legal_rep_name: str
    contact_name: str
    contact_phone: str
    annual_report_year: int | None
    annual_report_due_year: int
    updated_at: datetime


def _view(request: SignedIn) -> RegistrationOut:
    reg = selectors.registration_of(request.auth)
    return RegistrationOut.model_validate(selectors.registration_view(reg))


@router.get(
    "/customs-registration",
    response={200: RegistrationOut, **errors(*SIGNED_IN, 404)},
    summary="报关单位注册登记信息",
)
def registration(request: SignedIn) -> RegistrationOut:
    return _view(request)


@router.post(
    "/customs-registration/annual-report",
    response={200: RegistrationOut, **errors(*SIGNED_IN, 404, 409)},
    summary="报送年度报告",
)
def annual_report(request: SignedIn) -> RegistrationOut:
    services.annual_report_submit(request.auth, ip=request.client_ip)
    return _view(request)


@router.get(
    "/customs-registration/applications",
    response={200: ApplicationPage, **errors(*SIGNED_IN)},
    summary="变更、延续申请",
)
def applications(request: SignedIn, page: Page = 1, page_size: PageSize = 20) -> ApplicationPage:
    items, total = paginate(
        selectors.applications(request.auth).select_related("enterprise"), page, page_size
    )
    return ApplicationPage(items=[ApplicationBrief.model_validate(a) for a in items], total=total)


@router.get(
    "/customs-registration/applications.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="导出变更、延续申请（Excel）",
    openapi_extra=file_answer(XLSX, "the applications as .xlsx"),
)
def applications_export(request: SignedIn) -> HttpResponse:
    return exports.xlsx_response(request, "applications", selectors.applications(request.auth), {})
