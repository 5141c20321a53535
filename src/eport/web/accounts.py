"""Landing, sign-in (password), sign-out, registration and password change of the web screens."""

import json
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import password_validation, update_session_auth_hash
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eport.accounts import services as accounts
from eport.accounts.models import UserKind
from eport.accounts.permissions import CARD_KINDS, STAFF
from eport.accounts.trust import trust_refusal
from eport.cards.models import CardKind
from eport.enterprises import registration

from .access import signed_in
from .refusals import Refusal

if TYPE_CHECKING:  # a message: a str or gettext_lazy's (django-stubs' name, for mypy only)
    from django_stubs_ext import StrOrPromise


def home(request):
    if request.user.is_authenticated:
        if request.user.kind == UserKind.CARDLESS:
            return redirect("web:account" if trust_refusal(request.user) else "web:start")
        if request.user.kind in STAFF:
            return redirect("web:reviews")
        if request.user.kind in CARD_KINDS:
            return redirect("web:card_home")
        return redirect("admin:index")
    return render(
        request,
        "web/landing.html",
        {"demo_accounts": _demo_list("demo_accounts.json"), "demo_cards": _demo_list("demo_cards.json")},
    )


def _demo_list(filename: str) -> list:
    """What `eport demo` wrote (accounts and cards with their passwords): shown only in demo mode. Roles
    and card kinds are kept as codes and named in the reader's language."""
    path = settings.DATA_DIR / filename
    rows = json.loads(path.read_text()) if settings.DEMO_MODE and path.exists() else []
    for row in rows:
        for key, choices in (("role", UserKind), ("kind", CardKind)):
            if row.get(key) in choices.values:
                row[key] = choices(row[key]).label
    return rows


def login(request):
    refusal, username = Refusal(), ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        with refusal:
            user = accounts.password_sign_in(
                request=request, username=username, password=request.POST.get("password", "")
            )
        if not refusal:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            nxt = request.GET.get("next", "")
            if user.must_change_password:
                return redirect("web:password_change")
            safe = url_has_allowed_host_and_scheme(
                nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            return redirect(nxt if nxt and safe else "web:home")
    # A refused sign-in names no field of its own (which of the two was wrong is not told): the summary links
    # to the first field, as GOV.UK's pattern does for a form-level problem.
    errors = {"username": refusal.message} if refusal else {}
    return render(request, "web/login.html", {"errors": errors, "username": username}, status=refusal.status)


@require_POST
def logout(request):
    auth_logout(request)
    return redirect("web:home")


def register(request):
    refusal, values = Refusal(), {}
    if request.method == "POST":
        values = {
            k: request.POST.get(k, "")
            for k in ("username", "uscc", "enterprise_name", "contact_name", "phone", "email")
        }
        with refusal:
            registration.account_register(data={**values, "password": request.POST.get("password", "")})
        if not refusal:
            messages.success(request, _("注册成功，确认邮件已发送到您的电子邮箱，请使用新账号登录。"))
            return redirect("web:login")
    return render(request, "web/register.html", {"errors": refusal.errors(), "values": values})


def unconfirmed(request, field: str, message: str) -> "dict[str, StrOrPromise]":
    """The screen's own check that the new secret was typed twice alike (an API client confirms it
    itself): an error for the confirmation field (`field` + "2"), or none."""
    if request.POST.get(field, "") != request.POST.get(field + "2", ""):
        return {field + "2": message}
    return {}


@signed_in()
def password_change(request):
    refusal = Refusal()
    errors: dict[str, StrOrPromise] = {}
    if request.method == "POST":
        errors = unconfirmed(request, "new_password", _("两次输入的新密码不一致。"))
        if not errors:
            with refusal:
                accounts.password_change(user=request.user, data=request.POST)
            if not refusal:
                update_session_auth_hash(request, request.user)
                messages.success(request, _("密码已修改。"))
                return redirect("web:home")
            errors = refusal.errors()
    return render(
        request,
        "web/password_change.html",
        {
            "errors": errors,
            "forced": request.user.must_change_password,
            "rules": "\n".join(password_validation.password_validators_help_texts()),
        },
        status=refusal.status if refusal else (400 if errors else 200),
    )
