"""三方协议 (API.md "Paperless clearance", SPEC §6.1): 查询, 签约 in two steps (the legal card signs the
agreement PDF), 解约 and the signed PDF. Customs reviews them through /reviews (kind paperless_agreement,
unit customs:XX00). The rules are eport.agreements'."""

from django.http import HttpResponse
from ninja import Router, Status

from eport import exports
from eport.agreements import selectors, services
from eport.pdfdoc import pdf_response

from .auth import AUTH, SignedIn
from .schemas import (
    SIGNED_IN,
    XLSX,
    AgreementIn,
    AgreementList,
    AgreementOut,
    DocumentSignIn,
    ToSignOut,
    errors,
    file_answer,
)

PDF = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
router = Router(tags=["paperless"], auth=AUTH)


@router.get(
    "/paperless/agreements",
    response={200: AgreementList, **errors(*SIGNED_IN)},
    summary="三方协议查询（每个关区一行）",
)
def agreements(request: SignedIn) -> AgreementList:
    return AgreementList(
        items=[AgreementOut.model_validate(a) for a in selectors.agreements_current(request.auth)]
    )


@router.get(
    "/paperless/agreements.xlsx",
    response={200: None, **errors(*SIGNED_IN)},
    summary="导出三方协议（Excel）",
    openapi_extra=file_answer(XLSX, "the agreements as .xlsx"),
)
def agreements_export(request: SignedIn) -> HttpResponse:
    return exports.xlsx_response(request, "agreements", selectors.agreements_current(request.auth), {})


@router.post(
    "/paperless/agreements",
    response={202: ToSignOut, **errors(*SIGNED_IN, 409)},
    summary="三方协议签约：为所选关区准备协议，待法人卡签名",
)
def prepare(request: SignedIn, payload: AgreementIn) -> Status[ToSignOut]:
    sign_id, to_sign = services.agreement_prepare(request.auth, payload.customs)
    return Status(202, ToSignOut.of(sign_id, to_sign))


@router.post(
    "/paperless/agreements/sign",
    response={201: AgreementList, **errors(*SIGNED_IN, 409)},
    summary="三方协议签约：提交法人卡的签名，协议发往海关",
)
def sign(request: SignedIn, payload: DocumentSignIn) -> Status[AgreementList]:
    done = services.agreement_sign(request.auth, payload.sign_id, payload.signature)
    names = selectors.customs_names(a.customs for a in done)
    items = []
    for a in done:
        out = AgreementOut.model_validate(a)
        items.append(out.model_copy(update={"customs_name": names.get(a.customs, "")}))
    return Status(201, AgreementList(items=items))


@router.post(
    "/paperless/agreements/{customs}/terminate",
    response={200: AgreementOut, **errors(*SIGNED_IN, 404)},
    summary="解约（无需海关审核）",
)
def terminate(request: SignedIn, customs: str) -> AgreementOut:
    services.agreement_terminate(request.auth, customs)
    return AgreementOut.model_validate(selectors.agreement_for(request.auth, customs))


@router.get(
    "/paperless/agreements/{customs}/pdf",
    response={200: None, **errors(*SIGNED_IN, 404)},
    summary="签约的三方协议（PDF，含法人卡签名）",
    openapi_extra=file_answer(PDF, "the agreement PDF as the legal card signed it (PAdES)"),
)
def pdf(request: SignedIn, customs: str) -> HttpResponse:
    a = selectors.agreement_for(request.auth, customs)
    return pdf_response(a.pdf, f"agreement-{a.customs}.pdf")
