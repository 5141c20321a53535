"""代理报关委托 screens (SPEC §6.2, seed 000 通关无纸化网上签约及如何发起委托申请): 委托报关 (the list of
the delegations given, 发起委托申请: 通用条款 → 同意 → 选择报关企业 → the form → the card signs the 委托书)
and 委托接收 (the broker's inbox: 接受, 拒绝 with a reason), 撤销 by either side, the signed 委托书. Every rule
is eport.delegations', shared with the API."""

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eport import exports
from eport.delegations import selectors, services
from eport.delegations.forms import DelegationForm
from eport.delegations.models import DelegationState
from eport.delegations.terms import TERMS, TERMS_VERSION
from eport.pdfdoc import pdf_response
from eport.refdata.lookup import name_for

from .cards import card_only
from .forms import decorate_form
from .paging import export_query, page_of, pager
from .refusals import Refusal, act, error_page
from .signing import sign_page

ROLES = (("given", _("委托报关")), ("received", _("委托接收")))


@card_only
def delegations(request):
    """委托报关 / 委托接收: the card's enterprise's delegations, by role and state; 导出Excel."""
    role = request.GET.get("role") or "given"
    q = {"role": role, "state": request.GET.get("state", "")}
    with Refusal() as refusal:
        qs = selectors.delegations(request.user, **q)
        if request.GET.get("export") == "xlsx":
            return exports.xlsx_response(request, "delegations", qs, q)
    if refusal:
        return refusal.page(request)
    rows, total, number = page_of(request, qs)
    return render(
        request,
        "web/delegations.html",
        {
            "rows": rows,
            "q": q,
            "roles": [(v, str(label)) for v, label in ROLES],
            "states": DelegationState.choices,
            "export_query": export_query(q),
            **pager(total, number, q),
        },
    )


def _terms_page(request, *, declined: bool = False):
    return render(
        request,
        "web/delegation_terms.html",
        {"terms": TERMS, "terms_version": TERMS_VERSION, "declined": declined},
    )


@card_only
def delegation_new(request):
    """发起委托申请: the terms first (同意 goes on, 不同意 stops), then the broker and the form; 签名 prepares
    the 委托书 and opens the page where the card signs it."""
    with Refusal() as refusal:
        given_customs = selectors.delegating_customs(request.user)
    if refusal:
        return refusal.page(request)
    if not given_customs:
        return render(request, "web/delegation_no_agreement.html", status=409)
    if request.method == "POST" and request.POST.get("terms") in ("agree", "disagree"):
        if request.POST["terms"] == "disagree":
            messages.info(request, _("未同意委托报关协议通用条款，委托未发起。"))
            return redirect("web:delegations")
        data = {"accept_terms": "on"}
    elif request.method == "POST":
        data = request.POST.dict()
    else:
        data = {}
    if not data.get("accept_terms"):
        return _terms_page(request)
    q = (request.GET.get("q") or request.POST.get("q") or "").strip()
    found = selectors.brokers(request.user, q)[:20] if q else []
    broker_code = (request.GET.get("broker") or data.get("broker") or "").strip()
    broker = (
        selectors.brokers(request.user, broker_code).filter(customs_code=broker_code).first()
        if broker_code
        else None
    )
    errors: dict = {}
    if request.method == "POST" and data.get("action") == "sign":
        with Refusal() as refusal:
            sign_id, to_sign, rows = services.delegation_prepare(request.user, data)
        if not refusal:
            return sign_page(
                request,
                title=_("代理报关委托书"),
                intro=_("请核对委托书内容，然后由本卡签名。签名后委托即发送给报关企业，由其接受或拒绝。"),
                rows=rows,
                sign_id=sign_id,
                to_sign=to_sign,
                action=reverse("web:delegation_sign"),
                back_url=reverse("web:delegations"),
                button=_("签名并发送"),
            )
        errors = refusal.errors(DelegationForm())
    initial = {**data, "broker": broker.customs_code if broker else data.get("broker", "")}
    if not initial.get("customs") and len(given_customs) == 1:
        initial["customs"] = next(iter(given_customs))
    today = timezone.localdate()  # a long-term delegation from today for a year, unless changed
    initial.setdefault("valid_from", today.isoformat())
    initial.setdefault("valid_to", (today + dt.timedelta(days=365)).isoformat())
    initial.setdefault("mode", "long_term")
    form = decorate_form(DelegationForm(initial=initial), exclude=("accept_terms", "broker"))
    return render(
        request,
        "web/delegation_new.html",
        {
            "form": form,
            "errors": errors,
            "names": {"customs": name_for("customs", initial.get("customs") or "")},
            "q": q,
            "found": found,
            "broker": broker,
            "given_customs": sorted(given_customs),
            "terms_version": TERMS_VERSION,
        },
        status=400 if errors else 200,
    )


@card_only
@require_POST
def delegation_sign(request):
    with Refusal() as refusal:
        d = services.delegation_sign(
            request.user,
            request.POST.get("sign_id", ""),
            request.POST.get("signature", ""),
            ip=request.client_ip,
        )
    if refusal:
        refusal.flash(request)
        return redirect("web:delegations")
    messages.success(
        request, _("代理报关委托已签名并发送给报关企业 %(b)s，等待其接受。") % {"b": d.broker.name}
    )
    return redirect("web:delegation", d.pk)


@card_only
def delegation(request, delegation_id):
    d = services.delegation_for(request.user, delegation_id)
    side = "consignor" if d.consignor_id == request.user.enterprise_id else "broker"
    return render(
        request, "web/delegation.html", {"d": d, "side": side, "customs_name": name_for("customs", d.customs)}
    )


@card_only
def delegation_pdf(request, delegation_id):
    d = services.delegation_for(request.user, delegation_id)
    return pdf_response(d.pdf, f"delegation-{d.pk}.pdf", inline=False)


@card_only
@require_POST
def delegation_act(request, delegation_id, action):
    reason = request.POST.get("reason", "")
    ip = request.client_ip
    moves = {
        "accept": (lambda: services.delegation_accept(request.user, delegation_id, ip=ip), _("已接受委托。")),
        "reject": (
            lambda: services.delegation_reject(request.user, delegation_id, reason, ip=ip),
            _("已拒绝委托。"),
        ),
        "revoke": (
            lambda: services.delegation_revoke(request.user, delegation_id, reason, ip=ip),
            _("已撤销委托。"),
        ),
    }
    if action not in moves:
        return error_page(request, _("没有这项操作。"), 404)
    services.delegation_for(request.user, delegation_id)  # not the card's, or no subsystem: 404 / 403 page
    fn, done = moves[action]
    act(request, fn, done)
    return redirect("web:delegation", delegation_id)
