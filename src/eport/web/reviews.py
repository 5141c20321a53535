"""审核: the reviewer's queue, one step's review (通过 / 退回) and the unit's 自动审核 switch."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from eport.accounts.models import UserKind
from eport.applications import reads, selectors, services
from eport.applications.kinds import all_kinds, get_kind
from eport.applications.models import Status
from eport.errors import InvalidInput
from eport.refdata.models import Unit
from eport.web.codes import Code

from .access import reviewer_only
from .applications import application_context
from .paging import page_of, pager
from .refusals import Refusal, act


@reviewer_only
def reviews(request):
    status = request.GET.get("status", "pending")
    status = status if status in selectors.QUEUE_FILTERS else "pending"
    name = request.GET.get("enterprise_name", "").strip()
    items, total, page = page_of(
        request, selectors.review_queue(request.user, status=status, enterprise_name=name), deferred_join=True
    )
    return render(
        request,
        "web/reviews.html",
        {
            "items": items,
            **pager(total, page, {"status": status, "enterprise_name": name}),
            "status": status,
            "enterprise_name": name,
            "kinds": {c: str(k.label) for c, k in all_kinds().items()},
        },
    )


ACTIONS = {"approve": services.step_approve, "return": services.step_return}


@reviewer_only
def review(request, step_id):
    step = selectors.step_get(request.user, step_id)
    refusal = Refusal()
    if request.method == "POST":
        with refusal:
            action = ACTIONS.get(request.POST.get("action"))
            if action is None:
                raise InvalidInput(Code.ACTION_REQUIRED, _("请选择审核通过或退回。"))
            action(actor=request.user, step_id=step.id, opinion=request.POST.get("opinion", ""))
        if not refusal:
            approved = action is services.step_approve
            messages.success(
                request, get_kind(step.application.kind).reviewed_message(step.application, approved)
            )
            return _after_review(request, step)
    app = step.application
    reads.application_viewed(request.user, app)
    return render(
        request,
        "web/review.html",
        {
            "step": step,
            "app": app,
            "errors": refusal.errors(),
            "opinion": request.POST.get("opinion", ""),
            **application_context(app, request.user),
        },
        status=400 if refusal else 200,
    )


def _after_review(request, step):
    """Back to the queue; after the sub-centre's approval of what calls for a card (the kind's next step),
    on to 制卡 with it filled in."""
    app = step.application
    app.refresh_from_db(fields=["status"])
    if request.user.kind == UserKind.RA and app.status == Status.APPROVED:
        nxt = get_kind(app.kind).next_step(app)
        if nxt is not None:
            text, values = nxt
            messages.info(request, text)
            return redirect(reverse("web:ra_card_new") + "?" + urlencode(values))
    return redirect("web:reviews")


@reviewer_only
def auto_review(request):
    unit = request.user.unit
    if request.method == "POST":
        act(
            request,
            lambda: services.unit_set_auto_review(
                actor=request.user,
                unit_id=request.POST.get("unit", ""),
                enabled=request.POST.get("enabled") == "1",
            ),
            lambda changed: _("自动审核已开启。") if changed.auto_review else _("自动审核已关闭。"),
        )
        return redirect("web:auto_review")
    below = Unit.objects.filter(parent=unit).order_by("code")[:200]
    return render(request, "web/auto_review.html", {"unit": unit, "below": below})
