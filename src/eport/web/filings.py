"""企业备案 screens: 企业商务部/海关/外汇备案申请, IC卡海关/外汇备案, IC卡权限申请. Views parse and render
on the one application page (pages.py); the rules are the filing kinds' (eport.filings.kinds), shared with
the API."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport import exports
from eport.accounts.permissions import enterprise_for_reading, require_legal_card
from eport.cards.models import BLOCKER_LABELS, Subsystem
from eport.cards.subsystems import SUBSYSTEM_RIGHTS
from eport.errors import NotFound
from eport.filings import selectors
from eport.filings.changes import change_kinds
from eport.filings.kinds import (
    NO_CUSTOMS_REGISTRATION,
    CardFilingKind,
    CardPermissionKind,
    EnterpriseFilingKind,
    customs_registration,
    filing_label,
    kinds_by_filing,
    subsystem_refusal,
)
from eport.registry.lists import forex_directory_entry
from eport.web.codes import Code

from .access import enterprise_actor, legal_card_only
from .forms import kind_form
from .pages import ApplicationPage, form_page
from .paging import export_query, page_of, pager
from .refusals import Refusal

# The pages' titles are the kinds' labels.
ENTERPRISE_HINTS = {
    "commerce": gettext_lazy(
        "企业从未进行商务部备案的，可以在此申请，申报后自动审核通过；备案通过后不可以再次备案。"
        "只有在本系统先完成三证合一录入，才可以进行商务部备案。主管机关代码至少输入一位数字后从提示中选择。"
    ),
    "customs": gettext_lazy(
        "已入网的企业可以在此申请海关备案，由备案海关审核；备案通过后不可以再次备案。"
        "主管海关和备案海关至少输入两位数字后从提示中选择。"
    ),
    "forex": gettext_lazy(
        "已入网的企业可以在此申请外汇备案：企业信息与外汇企业名录一致的自动审核通过，否则由主管外汇局审核；"
        "在外汇注销名录中的企业不能办理。主管外汇局至少输入两位数字后从提示中选择。"
    ),
}


@enterprise_actor
def enterprise_filing(request, filing: str):
    """The three enterprise filings: one page each, the state in red at the top (备案通过 once filed)."""
    enterprise = enterprise_for_reading(request.user)
    kind = kinds_by_filing(EnterpriseFilingKind)[filing]
    state = selectors.enterprise_filings(enterprise)[filing]
    notices: list[tuple[str, str | Promise]] = []
    readonly = None
    app = state["application"]
    names = kind.unit_names(state["data"] if state["filed"] else (app.data if app else {}))
    link = None
    if state["filed"]:
        readonly = kind_form(kind, state["data"])
        change = change_kinds()[filing]
        if state["changes"]:
            notices.append(("filing-behind", behind_notice(state["changes"])))
        if state["changes"] or state["change_application"]:
            link = {"id": "filing-change", "url": reverse(change.screen), "text": change.label}
    elif filing == "customs" and enterprise.in_network:
        reg = customs_registration(enterprise)
        if reg is None:
            notices.append(("customs-registry-missing", NO_CUSTOMS_REGISTRATION))
        else:
            notices.append(
                (
                    "customs-registry",
                    _("海关企管备案信息：%(n)s，海关注册编码 %(r)s。")
                    % {"n": reg.name, "r": reg.reg_no or "-"},
                )
            )
    elif filing == "forex" and enterprise.in_network and enterprise.uscc:
        if forex_directory_entry(enterprise.uscc) is None:
            notices.append(
                ("forex-directory-missing", _("本企业不在外汇企业名录中，申报后由主管外汇局审核。"))
            )
    return form_page(
        request,
        kind.code,
        title=kind.label,
        hint=ENTERPRISE_HINTS[filing],
        history_title=_("备案记录"),
        state=state["label"],
        state_code=state["status"],
        notices=notices,
        readonly_form=readonly,
        names=names,
        link=link,
    )


def behind_notice(changes: list[dict]) -> str:
    return _("三证合一信息已变更，本备案仍为：%(rows)s。请办理备案变更。") % {
        "rows": "；".join(
            _("%(f)s %(old)s（现为 %(new)s）")
            % {"f": d["label"], "old": d["filed"] or "-", "new": d["current"] or "-"}
            for d in changes
        )
    }


CHANGE_HINT = gettext_lazy(
    "三证合一信息变更审核通过后，备案信息需要随之变更：确认（或修改）备案机关后申报，由备案机关审核；"
    "商务部备案变更自动审核通过，外汇备案变更在企业信息与外汇企业名录一致时自动审核通过。"
)


@enterprise_actor
def enterprise_filing_change(request, filing: str):
    """备案变更 of one of the three filings: the filing's own form (its authority), the differences it
    follows shown above; on the one application page."""
    enterprise = enterprise_for_reading(request.user)
    kind = change_kinds()[filing]
    state = selectors.enterprise_filings(enterprise)[filing]
    notices: list[tuple[str, str | Promise]] = []
    if state["changes"]:
        notices.append(("filing-behind", behind_notice(state["changes"])))
    app = state["change_application"]
    return form_page(
        request,
        kind.code,
        title=kind.label,
        hint=CHANGE_HINT,
        history_title=_("备案变更记录"),
        notices=notices,
        names=kind.unit_names(app.data if app else (state["data"] or {})),
        link={
            "id": "filing-back",
            "url": reverse(kinds_by_filing(EnterpriseFilingKind)[filing].screen),
            "text": _("返回备案"),
        },
    )


def _card_query(request) -> dict:
    return {"card_no": request.GET.get("card_no", ""), "holder_name": request.GET.get("holder_name", "")}


def _state(page: ApplicationPage) -> str:
    """当前状态 of a card screen: the open application's, else the last one's (审核通过 after 申报)."""
    return selectors.state_label(False, page.shown) if page.shown else _("未申请")


@legal_card_only
def card_filing(request, filing: str):
    """IC卡海关备案 / IC卡外汇备案: tick the cards (全选), 暂存, 申报."""
    require_legal_card(request.user)
    kind = kinds_by_filing(CardFilingKind)[filing]
    page = ApplicationPage(request, kind.code)
    if page.posting:
        saved = page.save({"card_nos": request.POST.getlist("card_nos")})
        if saved is not None:
            return saved
    chosen = list(page.form_data.get("card_nos") or [])
    q = _card_query(request)
    cards, total, number = page_of(request, selectors.enterprise_cards(request.user, **q))
    rows = []
    for c in cards:
        filed = filing in selectors.card_filings(c)
        blocker = c.blocker()
        why = _("已备案") if filed else (str(BLOCKER_LABELS.get(blocker, blocker)) if blocker else "")
        rows.append({"card": c, "filed": filed, "why": why, "checked": c.card_no in chosen})
    shown = {c.card_no for c in cards}
    return page.render(
        "web/card_filing.html",
        kind_form(kind, {}),
        title=kind.label,
        filing=filing,
        rows=rows,
        hidden_chosen=[no for no in chosen if no not in shown],
        q=q,
        **pager(total, number, q),
        state=_state(page),
    )


@legal_card_only
def card_permissions(request):
    """IC卡权限申请: the enterprise's cards with their filings and permissions; 导出Excel."""
    q = _card_query(request)
    qs = selectors.enterprise_cards(request.user, **q)
    if request.GET.get("export") == "xlsx":
        with Refusal() as refusal:
            return exports.xlsx_response(request, "filings", qs, q)
        refusal.flash(request)  # e.g. too many rows: said above the list
    cards, total, page = page_of(request, qs)
    return render(
        request,
        "web/card_permissions.html",
        {
            "cards": [
                (c, [filing_label(f) for f in selectors.card_filings(c)], selectors.card_permissions(c))
                for c in cards
            ],
            "q": q,
            "export_query": export_query(q),
            **pager(total, page, q),
        },
    )


def _rights_in(data, code: str) -> list[str]:
    """The rights of a subsystem in the form's data: a dict (saved) or the posted `code:right` values."""
    rights = data.get("rights") or {}
    if isinstance(rights, dict):
        got = rights.get(code) or []
        return got if isinstance(got, list) else []
    if isinstance(rights, list):
        return [str(v).split(":", 1)[1] for v in rights if str(v).startswith(code + ":")]
    return []


@legal_card_only
def card_permission(request, card_no: str):
    """One card's subsystem permissions: tick them (全选), an optional period, 暂存, 申报."""
    require_legal_card(request.user)
    card = selectors.enterprise_cards(request.user).filter(card_no=card_no.strip().upper()).first()
    if card is None:
        raise NotFound(Code.CARD_NOT_FOUND, _("本企业没有这张IC卡。"))
    held = selectors.card_permissions(card)
    page = ApplicationPage(
        request,
        CardPermissionKind.code,
        subject={"card_no": card.card_no},
        initial={
            "card_no": card.card_no,
            "subsystems": [p.subsystem_id for p in held],
            "rights": {p.subsystem_id: p.rights for p in held if p.rights},
            "valid_from": held[0].valid_from.isoformat() if held and held[0].valid_from else "",
            "valid_to": held[0].valid_to.isoformat() if held and held[0].valid_to else "",
        },
    )
    if page.posting:
        saved = page.save(
            {
                "card_no": card.card_no,
                "subsystems": request.POST.getlist("subsystems"),
                "rights": request.POST.getlist("rights"),
                "valid_from": request.POST.get("valid_from", ""),
                "valid_to": request.POST.get("valid_to", ""),
            },
            then=reverse("web:card_permission", args=[card.card_no]),
        )
        if saved is not None:
            return saved
    data = page.form_data
    filed = set(selectors.card_filings(card))
    options = []
    for s in Subsystem.objects.all():
        refusal = subsystem_refusal(card, s, filed)
        why = {
            "not_for_card_kind": _("%(k)s不可授权") % {"k": card.get_kind_display()},
            "card_filing_required": _("需先完成IC卡%(f)s") % {"f": filing_label(s.filing)},
        }.get(refusal or "", "")
        options.append(
            {
                "s": s,
                "why": why,
                "checked": s.code in (data.get("subsystems") or []),
                "held": any(p.subsystem_id == s.code for p in held),
                # a checkbox per right within the subsystem (报关单录入, 报关申报), ticked as in the data
                "rights": [
                    {"code": r, "name": _(name), "checked": r in _rights_in(data, s.code)}
                    for r, name in SUBSYSTEM_RIGHTS.get(s.code, [])
                ],
            }
        )
    return page.render(
        "web/card_permission.html",
        kind_form(page.kind, data),
        card=card,
        filed=[filing_label(f) for f in sorted(filed)],
        options=options,
        data=data,
        state=_state(page),
    )
