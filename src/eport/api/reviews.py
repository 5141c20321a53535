from django.utils.translation import gettext as _
from ninja import Router

from eport.applications import selectors, services
from eport.errors import NotFound
from eport.pagination import paginate
from eport.refdata.models import Unit

from . import serializers
from .auth import AUTH
from .schemas import AutoReviewIn, AutoReviewOut, Error, OpinionIn, ReviewItem, ReviewPage

router = Router(tags=["review"], auth=AUTH)
ERR = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error}


@router.get("/reviews", response={200: ReviewPage, **ERR}, summary="审核队列（本单位及下级单位）")
def queue(request, status: str = "pending", enterprise_name: str = "", page: int = 1, page_size: int = 20):
    qs = selectors.review_queue(request.auth, status=status, enterprise_name=enterprise_name)
    items, total = paginate(qs, page, page_size, deferred_join=True)
    return {"items": [serializers.review_item(s) for s in items], "total": total}


@router.post("/reviews/{step_id}/approve", response={200: ReviewItem, **ERR}, summary="审核通过")
def approve(request, step_id: int, payload: OpinionIn):
    step = services.step_approve(actor=request.auth, step_id=step_id, opinion=payload.opinion)
    return serializers.review_item(step)


@router.post("/reviews/{step_id}/return", response={200: ReviewItem, **ERR}, summary="退回")
def return_(request, step_id: int, payload: OpinionIn):
    step = services.step_return(actor=request.auth, step_id=step_id, opinion=payload.opinion)
    return serializers.review_item(step)


@router.get("/units/{unit_id}/auto-review", response={200: AutoReviewOut, **ERR}, summary="自动审核设置（查看）")
def get_auto_review(request, unit_id: str):
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("unit_not_found", _("没有这个单位。"))
    return {"unit": serializers.unit(unit), "enabled": unit.auto_review}


@router.put("/units/{unit_id}/auto-review", response={200: AutoReviewOut, **ERR}, summary="自动审核设置（本单位）")
def set_auto_review(request, unit_id: str, payload: AutoReviewIn):
    unit = services.unit_set_auto_review(actor=request.auth, unit_id=unit_id, enabled=payload.enabled)
    return {"unit": serializers.unit(unit), "enabled": unit.auto_review}
