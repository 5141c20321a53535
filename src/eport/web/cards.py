"""Card screens: 卡介质登录 (with the card agent), 修改IC卡密码, the subsystem menu, and the RA's
制卡 / IC卡管理. Views parse and render; every rule is in eport.cards (making, signin, actions)."""

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from eport import exports
from eport.accounts.models import UserKind
from eport.accounts.permissions import CARD_KINDS
from eport.applications.kinds import get_kind
from eport.applications.selectors import open_application
from eport.cards import actions as card_moves
from eport.cards import making, pins, reads, selectors, signin
from eport.cards.kinds import LegalCardRequest, request_label
from eport.cards.models import CardKind, CardState
from eport.cards.transitions import LABELS, Action
from eport.customs_registration.selectors import reminders as registration_reminders
from eport.enterprises import trust
from eport.errors import NotFound

from . import once
from .access import enterprise_only, signed_in
from .accounts import unconfirmed
from .pages import form_page
from .paging import PAGE_SIZE, export_query, page_number, page_of, pager
from .progress import task_rows
from .refusals import Refusal, act, error_page
from .signing import agent, with_agent

card_only = signed_in(set(CARD_KINDS), login_url="web:card_login")
ra_only = signed_in({UserKind.RA})


# --- 卡介质登录, 修改IC卡密码, subsystem menu ----------------------------------------------------------


def card_login(request):
    refusal = Refusal()
    if request.method == "POST":
        with refusal:
            card = signin.card_sign_in(
                challenge_id=request.POST.get("challenge_id", ""),
                card_no=request.POST.get("card_no", ""),
                signature=request.POST.get("signature", ""),
                pin=request.POST.get("pin", ""),
                ip=request.client_ip,
            )
        if not refusal:
            auth_login(request, card.user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("web:card_pin" if card.must_change_pin else "web:card_home")
    return with_agent(
        render(
            request,
            "web/card_login.html",
            {
                "error": refusal.message,
                **agent(),
                "card_no": request.POST.get("card_no", ""),
            },
            status=refusal.status,
        )
    )


@card_only
def card_pin(request):
    refusal = Refusal()
    forced = request.user.card.must_change_pin
    posted = request.method == "POST"
    errors = unconfirmed(request, "new_pin", _("两次输入的新IC卡密码不一致。")) if posted else {}
    if posted:
        if not errors:
            with refusal:
                signin.card_pin_change(
                    actor=request.user,
                    old_pin=request.POST.get("old_pin", ""),
                    new_pin=request.POST.get("new_pin", ""),
                )
            if refusal.exc is not None and refusal.exc.code == "card_locked":
                refusal.flash(request)
                return redirect("web:card_login")  # the session ends with the lock (middleware)
            if not refusal:
                request.user.refresh_from_db(fields=["password"])
                update_session_auth_hash(request, request.user)  # this session stays; every other one ends
                messages.success(request, _("IC卡密码已修改。"))
                return redirect("web:card_home")
            errors = refusal.errors()
    return render(
        request,
        "web/card_pin.html",
        {"errors": errors, "forced": forced, "rules": "\n".join(pins.pin_rules())},
        status=400 if errors else 200,
    )


@card_only
def card_home(request):
    card = selectors.signed_in_card(request.user)
    rows, nxt = task_rows(request.user) if request.user.kind == UserKind.LEGAL_CARD else ([], None)
    return render(
        request,
        "web/card_home.html",
        {
            "card": card,
            "subsystems": selectors.card_subsystems(card),
            "notices": _legal_card_notices(request.user),
            # 海关企业管理 (SPEC §6.7): 报关有效期提醒 and 报送材料提醒, for a card that may use it
            "reminders": registration_reminders(card),
            # A new legal card's next steps (filings, IC卡备案, 权限), listed until every one is done.
            "rows": rows if nxt is not None else [],
            "next": nxt,
        },
    )


def _legal_card_notices(user) -> list[tuple[str, str, str]]:
    """What the legal card must see at once (SPEC §8): accounts waiting for it, a 补办法人卡 filed in the
    enterprise's name. (id, text, link)."""
    if user.kind != UserKind.LEGAL_CARD:
        return []
    notices = []
    pending = trust.enterprise_accounts(user, state=trust.PENDING).count()
    if pending:
        notices.append(
            (
                "notice-accounts",
                _("有%(n)d个无卡用户账号以本企业名义注册，等待法人卡确认或拒绝。") % {"n": pending},
                reverse("web:enterprise_accounts") + "?state=pending",
            )
        )
    reissue = open_application(user.enterprise, LegalCardRequest.code)
    if (
        reissue is not None
        and reissue.submitted_at
        and selectors.live_legal_card(user.enterprise) is not None
    ):
        notices.append(
            (
                "notice-reissue",
                _(
                    "账号 %(u)s 于 %(t)s 以本企业名义提交了补办法人卡申请（%(n)s）；审核通过后本法人卡将作废。"
                    "如非本企业办理，请立即联系数据分中心。"
                )
                % {
                    "u": reissue.applicant.username if reissue.applicant else "-",
                    "t": timezone.localtime(reissue.submitted_at).strftime("%Y-%m-%d %H:%M"),
                    "n": reissue.number,
                },
                reverse("web:application_view", args=[reissue.id]),
            )
        )
    return notices


# The screen each subsystem of the card's menu opens (URL names): every subsystem the manuals name is a system
# here (cards/subsystems.py; a test holds them together).
SUBSYSTEM_SCREENS: dict[str, str] = {
    "paperless_signing": "web:agreements",
    "paperless_delegation": "web:delegations",
    "paperless_documents": "web:declarations",
    "processing_trade": "web:processing_grants",
    "enterprise_mgmt": "web:customs_registration",
    "express": "web:express_upload",
    "export_receipt": "web:export_receipts",
}


@card_only
def subsystem(request, code):
    card = request.user.card
    entry = next((s for s in selectors.card_subsystems(card) if s["code"] == code), None)
    if entry is None or not entry["enabled"]:
        return error_page(request, _("本卡没有使用该子系统的权限。"), 403)
    if code not in SUBSYSTEM_SCREENS:  # one an administrator added that this system does not provide
        return error_page(request, _("该子系统不在本系统中提供。"), 404)
    return redirect(SUBSYSTEM_SCREENS[code])


# --- RA: 制卡 -------------------------------------------------------------------------------------

ONCE_MADE, ONCE_UNLOCKED = "card_made", "card_unlocked"  # the kinds of one-time secrets (web.once)


@ra_only
def ra_legal_card_queue(request):
    """待制法人卡: the approved legal card requests of this sub-centre's enterprises waiting for their card;
    a row's 制卡 opens 制卡 with the enterprise filled in."""
    items, total, page = page_of(request, selectors.legal_card_queue(request.user))
    return render(request, "web/ra_legal_cards.html", {"items": items, **pager(total, page, {})})


@ra_only
def ra_card_new(request):
    request_id = request.POST.get("request", request.GET.get("request", "")).strip()
    # From a row of 待制法人卡: the request's enterprise, read-only (another sub-centre's: not found).
    card_request = selectors.legal_card_request_for_making(request.user, request_id) if request_id else None
    values = {
        "kind": request.POST.get("kind", request.GET.get("kind", CardKind.LEGAL)),
        "enterprise_uscc": request.POST.get("enterprise_uscc", request.GET.get("uscc", "")).strip(),
        "operator_no": request.POST.get("operator_no", request.GET.get("operator_no", "")).strip(),
    }
    if card_request is not None:
        values.update(kind=CardKind.LEGAL, enterprise_uscc=card_request.enterprise.code, operator_no="")
    refusal = Refusal()
    if request.method == "POST":
        with refusal:
            made = making.card_make(
                actor=request.user,
                **values,
                request_id=card_request.pk if card_request is not None else None,
            )
        if not refusal:
            # Post/redirect/get: the secrets wait in this session for one showing (the server keeps neither
            # the key, the PIN nor the card file's password past it), so a reload cannot make another card.
            key = once.keep(
                request,
                ONCE_MADE,
                str(made.card.card_no),
                {"initial_pin": made.initial_pin, "card_file_password": made.card_file_password},
                card_file=made.card_file,
            )
            return _see_other(reverse("web:ra_card_made", args=[key]))
    return render(
        request,
        "web/ra_card_new.html",
        {
            "values": values,
            "errors": refusal.errors(),
            "kinds": CardKind.choices,
            "card_request": card_request,
            "request_label": get_kind(card_request.kind).label_of(card_request) if card_request else "",
        },
        status=400 if refusal else 200,
    )


@ra_only
@require_GET
def ra_card_made(request, key):
    """制卡完成: the card file, its password and the initial PIN, shown once; a reload says so."""
    shown = once.show(request, ONCE_MADE, key)
    context = {"shown": shown, "key": key}
    if shown is not None:
        context["card"] = selectors.card_get(request.user, shown.card_no)
        context["filename"] = _card_filename(shown.card_no)
    return _no_store(render(request, "web/ra_card_made.html", context, status=200 if shown else 410))


@ra_only
@require_GET
def ra_card_file(request, key):
    """The card file, downloaded once from the page that showed it."""
    taken = once.take_file(request, ONCE_MADE, key)
    if taken is None:
        return _no_store(render(request, "web/ra_card_made.html", {"shown": None}, status=410))
    card_no, data = taken
    response = HttpResponse(data, content_type="application/x-pkcs12")
    response["Content-Disposition"] = f'attachment; filename="{_card_filename(card_no)}"'
    return _no_store(response)


def _card_filename(card_no: str) -> str:
    return f"eport-card-{card_no}.p12"


def _see_other(url: str) -> HttpResponseRedirect:
    """303: the browser GETs the page that shows the secret, and a reload repeats that GET, not the POST."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


# --- IC卡管理 (RA) and IC卡自主管理 (legal card): one set of screens over card_act ---------------------

FILTERS = ("card_no", "holder_name", "id_no", "uscc", "state", "kind")
card_manager = signed_in({UserKind.RA, UserKind.LEGAL_CARD}, login_url="web:card_login")


def _screen_action(request) -> str | None:
    """The IC卡自主管理 entry a list was opened for (延期, 挂失, …); None for 综合查询 and the RA's list."""
    action = request.GET.get("action") or request.POST.get("screen_action") or ""
    return action if action in LABELS and action != Action.VOID else None


@card_manager
def cards(request):
    """IC卡综合查询 (and the action lists of IC卡自主管理): exact card number / ID number, fuzzy holder name."""
    q = {k: request.GET.get(k, "").strip() for k in FILTERS}
    action = _screen_action(request)
    rows, total, capped, page = [], 0, False, page_number(request)
    with Refusal() as list_refusal:  # e.g. a query the list cannot run: said above the empty list
        if request.GET.get("export") == "xlsx":
            return exports.xlsx_response(request, "cards", selectors.cards_query(request.user, **q), q)
        items, total, capped = selectors.cards_page(
            request.user, page=page, page_size=PAGE_SIZE, deferred_join=True, **q
        )
        for c in items:  # the row's button, or why not (e.g. the legal card itself: 去分中心办理)
            refusal = card_moves.card_refusal(request.user, c, action) if action else None
            rows.append((c, refusal.message if refusal else None))
    return render(
        request,
        "web/cards.html",
        {
            "q": q,
            "error": list_refusal.message,
            "rows": rows,
            **pager(total, page, {**q, "action": action or ""}, capped=capped),
            "action": action,
            "action_label": LABELS.get(action or "", ""),
            "export_query": export_query(q),
            "states": CardState.choices,
            "kinds": CardKind.choices,
            "is_ra": request.user.kind == UserKind.RA,
        },
    )


def _card_page(request, card, template="web/card.html", **extra):
    actions = card_moves.card_actions(request.user, card)
    return render(
        request,
        template,
        {
            "card": card,
            "labels": LABELS,
            "void_reasons": card_moves.VOID_REASONS.items(),
            "actions": [a for a in actions if a not in (Action.RENEW, Action.VOID)],
            "can_renew": Action.RENEW in actions,
            "can_void": Action.VOID in actions,
            "screen_action": _screen_action(request),
            "is_ra": request.user.kind == UserKind.RA,
            "refusals": _refusals(request.user, card),
            "permissions": card.permissions.select_related("subsystem"),
            **extra,
        },
    )


def _refusals(actor, card) -> list[tuple[str, str]]:
    """Why the other actions are not offered, so the screen can say so (e.g. 法人卡…去分中心办理)."""
    out = []
    for action in (
        Action.RENEW,
        Action.REPORT_LOST,
        Action.CANCEL_LOST,
        Action.FREEZE,
        Action.UNFREEZE,
        Action.UNLOCK,
    ):
        refusal = card_moves.card_refusal(actor, card, action)
        if refusal is not None:
            out.append((str(LABELS[action]), str(refusal.message)))
    return out


def _back(request, card_no):
    url = reverse("web:card", args=[card_no])
    action = _screen_action(request)
    return redirect(f"{url}?action={action}" if action else url)


@card_manager
def card(request, card_no):
    card = selectors.card_get(request.user, card_no)
    reads.card_viewed(request.user, card)
    return _card_page(request, card)


@card_manager
def card_print(request, card_no):
    """打印 of a card: the card page's actors and scope, a page made for paper."""
    card = selectors.card_get(request.user, card_no)
    reads.card_viewed(request.user, card)
    return render(
        request,
        "web/card_print.html",
        {
            "card": card,
            "permissions": card.permissions.select_related("subsystem"),
            "printed_at": timezone.now(),
        },
    )


@card_manager
@require_POST
def card_act(request, card_no, action):
    if action == Action.RENEW:
        return redirect("web:card_renew", card_no)
    if action == Action.UNLOCK:
        # The new one-time PIN waits in this session for one showing on the card's page (post/redirect/get).
        with Refusal(passes=(NotFound,)) as refusal:
            done = card_moves.card_act(
                actor=request.user, card_no=card_no, action=action, version=request.POST.get("version")
            )
        if refusal:
            refusal.flash(request)
            return _back(request, card_no)
        key = once.keep(request, ONCE_UNLOCKED, str(done.card.card_no), {"pin": done.one_time_pin})
        url = reverse("web:card_unlocked", args=[done.card.card_no, key])
        screen_action = _screen_action(request)
        return _see_other(f"{url}?action={screen_action}" if screen_action else url)
    act(
        request,
        lambda: card_moves.card_act(
            actor=request.user,
            card_no=card_no,
            action=action,
            reason=request.POST.get("reason", ""),
            version=request.POST.get("version"),
        ),
        _("%(a)s成功。") % {"a": LABELS.get(action, action)},
    )
    return _back(request, card_no)


@card_manager
@require_GET
def card_unlocked(request, card_no, key):
    """The card's page with 解锁's new PIN, once; a reload says it was shown (and unlocks nothing)."""
    card = selectors.card_get(request.user, card_no)
    shown = once.show(request, ONCE_UNLOCKED, key)
    if shown is not None and shown.card_no != card.card_no:
        shown = None
    return _no_store(
        _card_page(
            request,
            card,
            issued_pin=shown.secret["pin"] if shown and shown.secret else None,
            pin_shown=shown is None or shown.secret is None,
        )
    )


@card_manager
def card_renew(request, card_no):
    """延期: the card being renewed, in the card agent on this computer, signs a fresh challenge."""
    card = selectors.card_get(request.user, card_no)
    if request.method == "POST":
        renewed = act(
            request,
            lambda: card_moves.card_act(
                actor=request.user,
                card_no=card_no,
                action=Action.RENEW,
                challenge_id=request.POST.get("challenge_id", ""),
                signature=request.POST.get("signature", ""),
                version=request.POST.get("version"),
            ),
            lambda done: (
                _("IC卡 %(c)s 延期成功，新的有效期至 %(d)s。")
                % {"c": done.card.card_no, "d": done.card.valid_to}
            ),
        )
        if renewed:
            return redirect("web:card", card_no)
    return with_agent(_card_page(request, card, "web/card_renew.html", **agent()))


# --- 申领/补办法人卡 (the card-less user) ------------------------------------------------------------


@enterprise_only
def reissue(request):
    """申领法人卡 before the enterprise's first legal card (or after its last was voided), 补办法人卡 while it
    has one: one request, reviewed by the data sub-centre that makes the card."""
    enterprise = request.user.enterprise
    reissuing = selectors.live_legal_card(enterprise) is not None
    issuer = enterprise.card_issuer.name if enterprise.card_issuer else _("数据分中心")
    hint = (
        _(
            "法人卡遗失、损坏等需要补办时在此申请，由数据分中心审核；审核通过后原法人卡作废，数据分中心为企业制作新的法人卡。"
        )
        if reissuing
        else _(
            "企业入网后，向为企业审核入网的数据分中心（%(u)s）申领法人卡：填写联系人，可约定希望领卡的日期。"
            "审核通过后数据分中心制卡，请按约定到数据分中心领取法人卡、卡文件和初始密码。"
        )
        % {"u": issuer}
    )
    return form_page(
        request,
        LegalCardRequest.code,
        title=request_label(enterprise),
        history_title=_("法人卡申请记录"),
        hint=hint,
        # The contact, by default the account's own (registration asked for it).
        initial={
            **get_kind(LegalCardRequest.code).initial_data(enterprise=enterprise),
            "contact_name": request.user.contact_name,
            "contact_phone": request.user.phone,
        },
    )
