"""Screens of trust (SPEC §8): the card-less account's own page (e-mail confirmation, how it gets verified,
the electronic business licence), the confirmation link's page, the legal card's 无卡用户账号管理, and in
demo mode the page that plays the licence app. Rules live in accounts/ and enterprises/trust.py."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eport.accounts import services as accounts
from eport.accounts.trust import trust_refusal
from eport.enterprises import trust
from eport.registry.adapters import registry
from eport.registry.licence import demo_assertion, licence_verifier

from .access import cardless_account, legal_card_only
from .paging import page_of, pager
from .refusals import Refusal, act


@cardless_account
def account(request):
    """账号与身份认证: where the account stands and what it can do about it."""
    user = request.user
    verifier = licence_verifier()
    return render(
        request,
        "web/account.html",
        {
            "account": user,
            "state": trust.account_state(user),
            "state_label": trust.STATES[trust.account_state(user)],
            "refusal": trust_refusal(user),
            "filing_refusal": trust_refusal(user, filing=True),
            "licence_available": verifier.available and not user.is_verified and user.closed_at is None,
            "established": not user.enterprise.candidate,
        },
    )


@cardless_account
@require_POST
def email_resend(request):
    act(
        request,
        lambda: accounts.email_confirmation_resend(user=request.user),
        _("确认邮件已重新发送，请查收。"),
    )
    return redirect("web:account")


def confirm_email(request, token: str):
    """The link in the mail opens this page; its button confirms (a GET changes nothing: mail scanners
    open links too)."""
    refusal = Refusal()
    if request.method == "POST":
        with refusal:
            accounts.email_confirm(token=token)
        if not refusal:
            messages.success(request, _("电子邮箱已确认。"))
            return redirect("web:account" if request.user.is_authenticated else "web:login")
    return render(
        request, "web/confirm_email.html", {"error": refusal.message}, status=400 if refusal else 200
    )


@cardless_account
@require_POST
def licence_start(request):
    """电子营业执照认证: hand the account a nonce and send it to the licence app, which comes back to
    `licence_callback` with the signed assertion."""
    with Refusal() as refusal:
        challenge = trust.licence_challenge(user=request.user)
    if refusal:
        refusal.flash(request)
        return redirect("web:account")
    query = urlencode(
        {
            "nonce": challenge["nonce"],
            "uscc": challenge["uscc"],
            "return_to": request.build_absolute_uri(reverse("web:licence_callback")),
        }
    )
    return redirect(f"{challenge['app_url']}?{query}")


@cardless_account
def licence_callback(request):
    """The licence app's answer. Only an assertion carrying a nonce handed to this very account counts, so a
    link planted by someone else proves nothing."""
    with Refusal() as refusal:
        trust.account_verify_licence(user=request.user, assertion=request.GET.get("assertion", ""))
    if refusal:
        refusal.flash(request)
    else:
        messages.success(request, _("电子营业执照认证通过，账号已可以代表本企业办理业务。"))
    return redirect("web:account")


def demo_licence_app(request):
    """Demo mode only: plays the licence app of the enterprise's legal representative — shows what it is
    asked to authorise and, on 授权, signs the assertion with the demo issuer's key and returns."""
    if not settings.DEMO_MODE:
        raise Http404
    nonce, uscc = request.GET.get("nonce", ""), request.GET.get("uscc", "").strip().upper()
    return_to = request.GET.get("return_to", "")
    if not return_to.startswith(request.build_absolute_uri(reverse("web:licence_callback"))):
        return_to = reverse("web:licence_callback")  # never send an assertion anywhere else
    entry = registry().lookup(uscc) if uscc else None
    if request.method == "POST" and nonce and uscc:
        assertion = demo_assertion(uscc=uscc, name=entry.name if entry else "", nonce=nonce)
        return redirect(f"{return_to}?{urlencode({'assertion': assertion})}")
    return render(request, "web/demo_licence.html", {"uscc": uscc, "entry": entry, "nonce": nonce})


# --- the legal card: 无卡用户账号管理 ----------------------------------------------------------------------


@legal_card_only
def enterprise_accounts(request):
    state = request.GET.get("state", "")
    state = state if state in trust.STATES else ""
    items, total, page = page_of(request, trust.enterprise_accounts(request.user, state=state or None))
    return render(
        request,
        "web/enterprise_accounts.html",
        {
            "items": [(u, trust.account_state(u), trust.STATES[trust.account_state(u)]) for u in items],
            **pager(total, page, {"state": state}),
            "state": state,
            "states": trust.STATES,
        },
    )


@legal_card_only
@require_POST
def enterprise_account_act(request, account_id: int, action: str):
    if action == "approve":
        act(
            request,
            lambda: trust.account_approve(actor=request.user, account_id=account_id),
            lambda user: _("已确认账号 %(u)s。") % {"u": user.username},
        )
    elif action == "refuse":
        act(
            request,
            lambda: trust.account_refuse(
                actor=request.user, account_id=account_id, reason=request.POST.get("reason", "")
            ),
            lambda user: _("已拒绝并关闭账号 %(u)s。") % {"u": user.username},
        )
    else:
        raise Http404
    state = request.POST.get("state", "")
    return redirect(reverse("web:enterprise_accounts") + (f"?state={state}" if state in trust.STATES else ""))
