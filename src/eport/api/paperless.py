"""通关无纸化 (API.md "Paperless clearance"): 查找报关企业 and 代理报关委托. Brokers register through
/applications (kind broker_registration) and their 报关协会 reviews them through /reviews. A delegation is
signed by the consignor's card in two steps (202 {sign_id, to_sign}, then /sign); the broker's cards accept
or reject it; either side revokes. Every rule is eport.delegations'."""

from django.http import HttpResponse
from ninja import Router, Status

from eport import exports
from eport.delegations import selectors, services
from eport.pagination import paginate
from eport.pdfdoc import pdf_response

from .auth import AUTH, SignedIn
from .schemas import (
    SIGNED_IN,
    XLSX,
    BrokerOut,
    BrokerPage,
    DelegationIn,
    DelegationOut,
    DelegationPage,
    DelegationReasonIn,
    DocumentSignIn,
    Page,
    PageSize,
    ToSignOut,
    errors,
    file_answer,
)

router = Router(tags=["paperless"], auth=AUTH)


@router.get(
    "/paperless/brokers",
    response={200: BrokerPage, **errors(*SIGNED_IN)},
    summary="查找报关企业（组织机构代码、海关编码或名称）",
)
def brokers(request: SignedIn, q: str = "", page: Page = 1, page_size: PageSize = 20) -> BrokerPage:
    """Approved brokers only: exact 组织机构代码, exact 海关编码, or a name containing `q`."""
    items, total = paginate(selectors.brokers(request.auth, q), page, page_size)
    return BrokerPage(items=[BrokerOut.model_validate(b) for b in items], total=total)


@router.get(
    "/paperless/brokers.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="导出报关企业（Excel）",
    openapi_extra=file_answer(XLSX, "the brokers found, as .xlsx"),
)
def brokers_export(request: SignedIn, q: str = "") -> HttpResponse:
    return exports.xlsx_response(request, "brokers", selectors.brokers(request.auth, q), {"q": q})


@router.post(
    "/paperless/delegations",
    response={202: ToSignOut, **errors(*SIGNED_IN, 404, 409)},
    summary="发起委托申请：检查后生成代理报关委托书，待IC卡签名",
)
def delegation_prepare(request: SignedIn, payload: DelegationIn) -> Status[ToSignOut]:
    sign_id, to_sign, _rows = services.delegation_prepare(request.auth, payload.model_dump(mode="json"))
    return Status(202, ToSignOut.of(sign_id, to_sign))


@router.post(
    "/paperless/delegations/sign",
    response={201: DelegationOut, **errors(*SIGNED_IN, 404, 409)},
    summary="IC卡签名代理报关委托书：委托发送给报关企业",
)
def delegation_sign(request: SignedIn, payload: DocumentSignIn) -> Status[DelegationOut]:
    d = services.delegation_sign(request.auth, payload.sign_id, payload.signature, ip=request.client_ip)
    return Status(201, DelegationOut.model_validate(d))


@router.get(
    "/paperless/delegations",
    response={200: DelegationPage, **errors(*SIGNED_IN)},
    summary="代理报关委托（委托方）与委托接收（报关企业）",
)
def delegations(
    request: SignedIn, role: str = "", state: str = "", page: Page = 1, page_size: PageSize = 20
) -> DelegationPage:
    """`role`: given (本企业发出的委托) or received (委托接收); `state`: one of the states (已到期 by date)."""
    qs = selectors.delegations(request.auth, role=role, state=state)
    items, total = paginate(qs, page, page_size)
    return DelegationPage(items=[DelegationOut.model_validate(d) for d in items], total=total)


@router.get(
    "/paperless/delegations.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="导出代理报关委托（Excel）",
    openapi_extra=file_answer(XLSX, "the delegations as .xlsx"),
)
def delegations_export(request: SignedIn, role: str = "", state: str = "") -> HttpResponse:
    q = {"role": role, "state": state}
    return exports.xlsx_response(request, "delegations", selectors.delegations(request.auth, **q), q)


@router.get(
    "/paperless/delegations/{delegation_id}",
    response={200: DelegationOut, **errors(*SIGNED_IN, 404)},
    summary="一份代理报关委托",
)
def delegation(request: SignedIn, delegation_id: int) -> DelegationOut:
    return DelegationOut.model_validate(services.delegation_for(request.auth, delegation_id))


@router.get(
    "/paperless/delegations/{delegation_id}/pdf",
    response={200: None, **errors(*SIGNED_IN, 404)},
    summary="签名的代理报关委托书（PDF）",
    openapi_extra=file_answer({"application/pdf": {"schema": {"type": "string", "format": "binary"}}}, "PDF"),
)
def delegation_pdf(request: SignedIn, delegation_id: int) -> HttpResponse:
    d = services.delegation_for(request.auth, delegation_id)
    return pdf_response(d.pdf, f"delegation-{d.pk}.pdf", inline=False)


@router.post(
    "/paperless/delegations/{delegation_id}/accept",
    response={200: DelegationOut, **errors(*SIGNED_IN, 404, 409)},
    summary="报关企业接受委托",
)
def delegation_accept(request: SignedIn, delegation_id: int) -> DelegationOut:
    return DelegationOut.model_validate(
        services.delegation_accept(request.auth, delegation_id, ip=request.client_ip)
    )


@router.post(
    "/paperless/delegations/{delegation_id}/reject",
    response={200: DelegationOut, **errors(*SIGNED_IN, 404, 409)},
    summary="报关企业拒绝委托（须填写原因）",
)
def delegation_reject(request: SignedIn, delegation_id: int, payload: DelegationReasonIn) -> DelegationOut:
    return DelegationOut.model_validate(
        services.delegation_reject(request.auth, delegation_id, payload.reason, ip=request.client_ip)
    )


@router.post(
    "/paperless/delegations/{delegation_id}/revoke",
    response={200: DelegationOut, **errors(*SIGNED_IN, 404, 409)},
    summary="撤销委托（委托方或报关企业）",
)
def delegation_revoke(request: SignedIn, delegation_id: int, payload: DelegationReasonIn) -> DelegationOut:
    return DelegationOut.model_validate(
        services.delegation_revoke(request.auth, delegation_id, payload.reason, ip=request.client_ip)
    )
