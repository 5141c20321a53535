"""申领/补办法人卡: the enterprise's requests (the engine's kind legal_card_reissue) and the sub-centre's
待制法人卡 queue; 制卡 from the queue is `POST /cards` with `request_id`."""

from ninja import Router, Status

from eport.applications import selectors, services
from eport.cards.models import LEGAL_CARD_REQUEST
from eport.cards.selectors import legal_card_queue
from eport.pagination import paginate

from .auth import AUTH, SignedIn
from .schemas import (
    SIGNED_IN,
    TOO_LARGE,
    LegalCardRequestIn,
    LegalCardRequestOut,
    LegalCardRequestPage,
    Page,
    PageSize,
    errors,
)

router = Router(tags=["legal card requests"], auth=AUTH)


@router.get(
    "/legal-card-requests",
    response={200: LegalCardRequestPage, **errors(*SIGNED_IN)},
    summary="本企业的申领/补办法人卡申请",
)
def requests(request: SignedIn, page: Page = 1, page_size: PageSize = 20) -> LegalCardRequestPage:
    qs = selectors.applications_list(request.auth, kind=LEGAL_CARD_REQUEST).select_related("enterprise")
    items, total = paginate(qs, page, page_size)
    return LegalCardRequestPage(items=[LegalCardRequestOut.model_validate(a) for a in items], total=total)


@router.post(
    "/legal-card-requests",
    response={201: LegalCardRequestOut, **errors(*SIGNED_IN, 404, 409, TOO_LARGE)},
    summary="申领法人卡（无在用法人卡时）或补办法人卡",
)
def request_create(request: SignedIn, payload: LegalCardRequestIn) -> Status[LegalCardRequestOut]:
    data = payload.model_dump(exclude={"submit"})
    app = services.application_save(
        actor=request.auth, kind=LEGAL_CARD_REQUEST, data=data, submit=payload.submit
    )
    return Status(201, LegalCardRequestOut.model_validate(selectors.application_get(request.auth, app.id)))


@router.get(
    "/legal-card-requests/queue",
    response={200: LegalCardRequestPage, **errors(*SIGNED_IN)},
    summary="待制法人卡（数据分中心）：审核通过、尚未制卡的法人卡申请",
)
def queue(request: SignedIn, page: Page = 1, page_size: PageSize = 20) -> LegalCardRequestPage:
    items, total = paginate(legal_card_queue(request.auth), page, page_size)
    return LegalCardRequestPage(items=[LegalCardRequestOut.model_validate(a) for a in items], total=total)
