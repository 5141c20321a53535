"""Card sign-in, card making (RA), 综合查询 and the card actions of the transition table."""

from django.http import HttpResponse
from ninja import Query, Router, Status

from eport import exports
from eport.accounts.services import token_issue
from eport.cards import actions, making, reads, selectors, signin
from eport.cards.challenges import challenge_issue
from eport.cards.models import Card

from .auth import AUTH, Request, SignedIn, bearer_key
from .schemas import (
    SIGNED_IN,
    THROTTLED,
    TOO_LARGE,
    XLSX,
    CardAction,
    CardActionIn,
    CardActionOut,
    CardFilters,
    CardLoginIn,
    CardLoginOut,
    CardMakeIn,
    CardMakeOut,
    CardNo,
    CardOut,
    CardPage,
    ChallengeIn,
    ChallengeOut,
    ExportJobOut,
    Page,
    PageSize,
    PinIn,
    errors,
    file_answer,
)

router = Router(tags=["cards"])


@router.post(
    "/auth/card/challenge",
    response={200: ChallengeOut, **errors(TOO_LARGE)},
    auth=None,
    summary="IC卡登录挑战",
)
def challenge(request: Request, payload: ChallengeIn) -> ChallengeOut:
    """A one-time challenge for the card to sign: `purpose` "login" (default) or "renew" (延期)."""
    return ChallengeOut.model_validate(challenge_issue(payload.card_no, payload.purpose))


@router.post(
    "/auth/card/login",
    response={200: CardLoginOut, **errors(401, 403, THROTTLED, TOO_LARGE)},
    auth=None,
    summary="卡介质登录",
)
def card_login(request: Request, payload: CardLoginIn) -> CardLoginOut:
    issued: dict[
        str, str
    ] = {}  # the token is made in the sign-in's own transaction: one commit for the whole sign-in
    card = signin.card_sign_in(
        challenge_id=payload.challenge_id,
        card_no=payload.card_no,
        signature=payload.signature,
        pin=payload.pin,
        ip=request.client_ip,
        then=lambda card: issued.update(token=token_issue(user=card.made_user)),
    )
    return CardLoginOut(
        token=issued["token"],
        must_change_pin=card.must_change_pin,
        card=CardOut.model_validate(selectors.card_shown(card, card.made_user)),  # menu from the cache
    )


@router.post(
    "/auth/card/pin",
    response={204: None, **errors(*SIGNED_IN, THROTTLED, TOO_LARGE)},
    auth=AUTH,
    summary="修改IC卡密码",
)
def card_pin(request: SignedIn, payload: PinIn) -> Status[None]:
    signin.card_pin_change(
        actor=request.auth, old_pin=payload.old_pin, new_pin=payload.new_pin, keep_token=bearer_key(request)
    )
    return Status(204, None)


@router.get("/cards", response={200: CardPage, **errors(*SIGNED_IN)}, auth=AUTH, summary="IC卡综合查询")
def cards(
    request: SignedIn, filters: Query[CardFilters], page: Page = 1, page_size: PageSize = 20
) -> CardPage:
    items, total, capped = selectors.cards_page(
        request.auth, page=page, page_size=page_size, **filters.given()
    )
    return CardPage(items=[CardOut.model_validate(c) for c in items], total=total, total_capped=capped)


@router.get(
    "/cards.xlsx",
    response={200: None, 202: ExportJobOut, **errors(*SIGNED_IN)},
    auth=AUTH,
    summary="IC卡综合查询导出（Excel）",
    openapi_extra=file_answer(XLSX, "IC卡 (Excel)"),
)
def cards_export(request: SignedIn, filters: Query[CardFilters]) -> HttpResponse:
    q = filters.given()
    return exports.xlsx_response(request, "cards", selectors.cards_query(request.auth, **q), q)


@router.get(
    "/cards/{card_no}", response={200: CardOut, **errors(*SIGNED_IN, 404)}, auth=AUTH, summary="查看IC卡"
)
def card(request: SignedIn, card_no: CardNo) -> CardOut:
    card = selectors.card_get(request.auth, card_no)
    reads.card_viewed(request.auth, card)
    return CardOut.model_validate(card)


@router.post(
    "/cards",
    response={201: CardMakeOut, **errors(*SIGNED_IN, 404, 409, TOO_LARGE)},
    auth=AUTH,
    summary="制卡（数据分中心）",
)
def make(request: SignedIn, payload: CardMakeIn, response: HttpResponse) -> Status[CardMakeOut]:
    made = making.card_make(
        actor=request.auth,
        kind=payload.kind,
        enterprise_uscc=payload.enterprise_uscc,
        operator_no=payload.operator_no,
        request_id=payload.request_id,
    )
    response["Cache-Control"] = (
        "no-store"  # the card's key, PIN and file password: handed out once, cached nowhere
    )
    return Status(201, CardMakeOut.model_validate(made))


@router.post(
    "/cards/{card_no}/{action}",
    response={200: CardActionOut, **errors(*SIGNED_IN, 404, 409, TOO_LARGE)},
    auth=AUTH,
    summary="IC卡业务：renew / report-lost / cancel-lost / freeze / unfreeze / unlock / void",
)
def act(
    request: SignedIn,
    card_no: CardNo,
    action: CardAction,
    response: HttpResponse,
    payload: CardActionIn | None = None,
) -> CardActionOut:
    """解锁 answers the card's new one-time PIN as `initial_pin` (once; the holder changes it at sign-in)."""
    payload = payload or CardActionIn()
    done = actions.card_act(
        actor=request.auth,
        card_no=card_no,
        action=action,
        reason=payload.reason,
        challenge_id=payload.challenge_id,
        signature=payload.signature,
        version=payload.version,
    )
    acted: Card = selectors.card_get(request.auth, done.card.card_no or card_no)
    out = CardActionOut.model_validate(acted)
    if done.one_time_pin:
        out.initial_pin = done.one_time_pin
        response["Cache-Control"] = "no-store"
    return out
