"""通关无纸化网上签约 screens (SPEC §6.1): 三方协议签约 (the agreement, a box per 关区, 同意—签约, then the
card's signature on web/document_sign.html), 三方协议查询 (every 关区's state and times, .xlsx) with 解约, and
the signed PDF. The rules are eport.agreements', shared with the API."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eport import exports
from eport.accounts import permissions
from eport.agreements import document, selectors, services
from eport.agreements.models import LIVE_STATES
from eport.errors import NotFound
from eport.pdfdoc import pdf_response

from .access import legal_card_only, signed_in
from .refusals import Refusal
from .signing import sign_page

agreement_reader = signed_in(permissions.ENTERPRISE_ACTORS)


def _pdf_response(agreement) -> HttpResponse:
    return pdf_response(agreement.pdf, f"agreement-{agreement.customs}.pdf")


@legal_card_only
def agreements(request):
    """三方协议签约: the agreement's text, a box per direct customs (those with a live agreement say so and
    cannot be ticked), 同意—签约 → the card's signature page."""
    with Refusal() as refusal:
        card = services.signing_card(request.user)
    if refusal:
        return refusal.page(request)
    enterprise = card.enterprise
    live = {a.customs: a for a in selectors.agreements_current(request.user) if a.state in LIVE_STATES}
    ticked = request.POST.getlist("customs") if request.method == "POST" else []
    errors: dict = {}
    if request.method == "POST":
        with Refusal() as refusal:
            sign_id, to_sign = services.agreement_prepare(request.user, ticked)
        if not refusal:
            districts = selectors.customs_names(ticked)
            rows = document.agreement_rows(
                document.Party(enterprise.name, enterprise.code),
                sorted(districts.items()),
                timezone.localdate(),
                card_no=card.card_no or "",
            )
            return sign_page(
                request,
                title=_("三方协议签约"),
                intro=_(
                    "请用本法人卡对下面的三方协议签名。签名后协议发往所选关区的海关，由数据中心验证签名入库、海关审批。"
                ),
                rows=rows,
                sign_id=sign_id,
                to_sign=to_sign,
                action=reverse("web:agreement_sign"),
                back_url=reverse("web:agreements"),
                button=_("签名并发送"),
            )
        errors = refusal.errors()
    options = [
        {"code": d.code, "name": d.name, "live": live.get(d.code), "checked": d.code in ticked}
        for d in services.direct_customs()
    ]
    return render(
        request,
        "web/agreements_sign.html",
        {
            "enterprise": enterprise,
            "card": card,
            "options": options,
            "paragraphs": document.agreement_paragraphs(),
            "title": document.TITLE,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@legal_card_only
@require_POST
def agreement_sign(request):
    """The card's signature (from the signing page): the agreements go to customs; 三方协议查询 shows them."""
    with Refusal() as refusal:
        done = services.agreement_sign(
            request.user, request.POST.get("sign_id", ""), request.POST.get("signature", "")
        )
    if refusal:
        refusal.flash(request)
        return redirect("web:agreements")
    names = "、".join(a.customs for a in done)
    messages.success(
        request, _("三方协议已签约并发往海关：%(c)s。请在三方协议查询中查看状态。") % {"c": names}
    )
    return redirect("web:agreement_query")


@agreement_reader
def agreement_query(request):
    """三方协议查询: per 关区 the state, 签约/入库/审批/解约 times, the opinion, the signed PDF; 解约 for the
    live ones (the legal card); 导出Excel."""
    qs = selectors.agreements_current(request.user)
    if request.GET.get("export") == "xlsx":
        with Refusal() as refusal:
            return exports.xlsx_response(request, "agreements", qs, {})
        return refusal.page(request)
    return render(
        request,
        "web/agreements.html",
        {
            "rows": list(qs.select_related("card")),
            "live_states": LIVE_STATES,
            "may_terminate": permissions.is_legal_card(request.user),
            "export_query": "export=xlsx",
        },
    )


@legal_card_only
@require_POST
def agreement_terminate(request, customs):
    """解约 (the form asks 解约后不能在该关区无纸化报关，确定解约吗？ first): no customs review."""
    with Refusal(passes=(NotFound,)) as refusal:  # not its agreement: the 404 page, like any record
        a = services.agreement_terminate(request.user, customs)
    if refusal:
        refusal.flash(request)
    else:
        messages.success(request, _("已解除 %(c)s 关区的三方协议。") % {"c": a.customs})
    return redirect("web:agreement_query")


@agreement_reader
def agreement_pdf(request, customs):
    """The enterprise's signed agreement of that 关区."""
    return _pdf_response(selectors.agreement_for(request.user, customs))


@signed_in(permissions.APPLICATION_READERS)
def agreement_application_pdf(request, app_id):
    """The signed agreement an application is about: its enterprise and the reviewers it is routed to."""
    return _pdf_response(selectors.agreement_of_application(request.user, app_id))
