from django.utils.translation import gettext as _
from ninja import Router

from eport.api.codes import Code
from eport.applications import selectors, services
from eport.errors import NotFound
from eport.pagination import paginate
from eport.refdata.models import Unit

from .auth import AUTH, SignedIn
from .schemas import (
    SIGNED_IN,
    TOO_LARGE,
    AutoReviewIn,
    AutoReviewOut,
    OpinionIn,
    Page,
    PageSize,
    ReviewItem,
    ReviewPage,
    ReviewQueueStatus,
    UnitId,
    UnitOut,
    errors,
)

router = Router(tags=["review"], auth=AUTH)


def _auto_review(unit: Unit) -> AutoReviewOut:
    return AutoReviewOut(unit=UnitOut.model_validate(unit), enabled=unit.auto_review)


@router.get(
    "/reviews", response={200: ReviewPage, **errors(*SIGNED_IN)}, summary="审核队列（本单位及下级单位）"
)
def queue(
    request: SignedIn,
    status: ReviewQueueStatus = "pending",
    enterprise_name: str = "",
    page: Page = 1,
    page_size: PageSize = 20,
) -> ReviewPage:
    qs = selectors.review_queue(request.auth, status=status, enterprise_name=enterprise_name)
    items, total = paginate(qs, page, page_size, deferred_join=True)
    return ReviewPage(items=[ReviewItem.model_validate(s) for s in items], total=total)


@router.post(
    "/reviews/{step_id}/approve",
    response={200: ReviewItem, **errors(*SIGNED_IN, 404, 409, TOO_LARGE)},
    summary="审核通过",
)
def approve(request: SignedIn, step_id: int, payload: OpinionIn) -> ReviewItem:
    step = services.step_approve(actor=request.auth, step_id=step_id, opinion=payload.opinion)
    return ReviewItem.model_validate(step)


@router.post(
    "/reviews/{step_id}/return",
    response={200: ReviewItem, **errors(*SIGNED_IN, 404, 409, TOO_LARGE)},
    summary="退回",
)
def return_(request: SignedIn, step_id: int, payload: OpinionIn) -> ReviewItem:
    step = services.step_return(actor=request.auth, step_id=step_id, opinion=payload.opinion)
    return ReviewItem.model_validate(step)


@router.get(
    "/units/{unit_id}/auto-review",
    response={200: AutoReviewOut, **errors(*SIGNED_IN, 404)},
    summary="自动审核设置（查看）",
)
def get_auto_review(request: SignedIn, unit_id: UnitId) -> AutoReviewOut:
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(Code.UNIT_NOT_FOUND, _("没有这个单位。"))
    return _auto_review(unit)


@router.put(
    "/units/{unit_id}/auto-review",
    response={200: AutoReviewOut, **errors(*SIGNED_IN, 404, TOO_LARGE)},
    summary="自动审核设置（本单位）",
)
def set_auto_review(request: SignedIn, unit_id: UnitId, payload: AutoReviewIn) -> AutoReviewOut:
    unit = services.unit_set_auto_review(actor=request.auth, unit_id=unit_id, enabled=payload.enabled)
    return _auto_review(unit)
