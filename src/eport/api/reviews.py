from django.utils.translation import gettext as _
from ninja import Router

from eport.applications import selectors, services
from eport.errors import NotFound
from eport.pagination import paginate
from eport.refdata.models import Unit

from . import serializers
from .auth import AUTH
from .schemas import (
    DEPT_UNIT_ID,
    PAGE,
    PAGE_SIZE,
    SIGNED_IN,
    TOO_LARGE,
    AutoReviewIn,
    AutoReviewOut,
    OpinionIn,
    ReviewItem,
    ReviewPage,
    errors,
    one_of,
    text,
)

router = Router(tags=["review"], auth=AUTH)
UNIT_ID = text(pattern=DEPT_UNIT_ID)  # {dept}:{code}; any other is a unit_not_found


@router.get(
    "/reviews", response={200: ReviewPage, **errors(*SIGNED_IN)}, summary="审核队列（本单位及下级单位）"
)
def queue(
    request,
    status: one_of(["pending", "decided"]) = "pending",
    enterprise_name: str = "",
    page: PAGE = 1,
    page_size: PAGE_SIZE = 20,
):
    qs = selectors.review_queue(request.auth, status=status, enterprise_name=enterprise_name)
    items, total = paginate(qs, page, page_size, deferred_join=True)
    return {"items": [serializers.review_item(s) for s in items], "total": total}


@router.post(
    "/reviews/{step_id}/approve",
    response={200: ReviewItem, **errors(*SIGNED_IN, 404, 409, TOO_LARGE)},
    summary="审核通过",
)
def approve(request, step_id: int, payload: OpinionIn):
    step = services.step_approve(actor=request.auth, step_id=step_id, opinion=payload.opinion)
    return serializers.review_item(step)


@router.post(
    "/reviews/{step_id}/return",
    response={200: ReviewItem, **errors(*SIGNED_IN, 404, 409, TOO_LARGE)},
    summary="退回",
)
def return_(request, step_id: int, payload: OpinionIn):
    step = services.step_return(actor=request.auth, step_id=step_id, opinion=payload.opinion)
    return serializers.review_item(step)


@router.get(
    "/units/{unit_id}/auto-review",
    response={200: AutoReviewOut, **errors(*SIGNED_IN, 404)},
    summary="自动审核设置（查看）",
)
def get_auto_review(request, unit_id: UNIT_ID):
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("unit_not_found", _("没有这个单位。"))
    return {"unit": serializers.unit(unit), "enabled": unit.auto_review}


@router.put(
    "/units/{unit_id}/auto-review",
    response={200: AutoReviewOut, **errors(*SIGNED_IN, 404, TOO_LARGE)},
    summary="自动审核设置（本单位）",
)
def set_auto_review(request, unit_id: UNIT_ID, payload: AutoReviewIn):
    unit = services.unit_set_auto_review(actor=request.auth, unit_id=unit_id, enabled=payload.enabled)
    return {"unit": serializers.unit(unit), "enabled": unit.auto_review}
