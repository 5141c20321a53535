"""办理进度: what an enterprise has done and what comes next, in the manual's order — the account proven,
三证合一入网, the legal card (申领 at the data sub-centre, made), the three enterprise filings, then the cards'
filings (IC卡备案) and permissions (权限). One rule for the start page, the legal card's home and
`GET /enterprise/progress`. It lives here, the top of the domain apps, because it reads all of them.

Each task is DONE, IN_PROGRESS (waiting for someone else: a review, 制卡), ACTION (the enterprise's move) or
NOT_YET (something before it must be done first), with a sentence saying why and the screen where its next
action happens (a URL name: the screens' metadata, as a kind's `screen`)."""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.accounts.models import UserKind
from eport.accounts.permissions import enterprise_for_reading
from eport.applications.models import Application, Status
from eport.applications.selectors import open_application
from eport.cards.kinds import request_label
from eport.cards.models import LEGAL_CARD_REQUEST, Card, CardKind
from eport.cards.selectors import live_legal_card
from eport.errors import DomainError

from .changes import change_kinds, differences
from .kinds import EnterpriseFilingKind, kinds_by_filing
from .models import EnterpriseFiling, Filing

DONE, IN_PROGRESS, ACTION, NOT_YET = "done", "in_progress", "action", "not_yet"
STATES = {
    DONE: gettext_lazy("已完成"),
    IN_PROGRESS: gettext_lazy("办理中"),
    ACTION: gettext_lazy("待办理"),
    NOT_YET: gettext_lazy("尚不能办理"),
}
ENTRY = "enterprise_entry"


@dataclass
class Task:
    code: str
    label: str
    state: str
    detail: str
    screen: str  # URL name of the screen of its next action ("" when there is none)
    application: Application | None = field(default=None, repr=False)

    @property
    def state_label(self) -> str:
        return str(STATES[self.state])


def _application_state(app: Application) -> tuple[str, str]:
    """An open application's task state and what to say of it."""
    if app.status == Status.SUBMITTED:
        return IN_PROGRESS, _("已申报（%(n)s），审核中。") % {"n": app.number}
    if app.status == Status.RETURNED:
        step = app.return_step
        why = step.opinion if step is not None else ""
        return ACTION, _("被退回（%(n)s），请修改后重新申报：%(o)s") % {"n": app.number, "o": why}
    return ACTION, _("已暂存（%(n)s），尚未申报。") % {"n": app.number}


def _account(actor) -> Task:
    label = _("账号身份认证")
    if actor.kind == UserKind.LEGAL_CARD:
        return Task("account", label, DONE, _("法人卡登录。"), "")
    if actor.is_verified:
        return Task("account", label, DONE, str(actor.get_verified_by_display()), "web:account")
    return Task(
        "account",
        label,
        IN_PROGRESS,
        _("三证合一入网审核通过后自动完成认证；也可用电子营业执照认证。"),
        "web:account",
    )


def _entry(enterprise) -> Task:
    label = _("三证合一入网")
    if enterprise.in_network:
        when = timezone.localtime(enterprise.entered_at).strftime("%Y-%m-%d") if enterprise.entered_at else ""
        return Task("entry", label, DONE, (_("已入网 %(d)s") % {"d": when}).strip(), "web:entries")
    app = open_application(enterprise, ENTRY)
    if app is None:
        return Task("entry", label, ACTION, _("填写三证合一信息并上传随附单据，申报入网。"), "web:entries")
    state, detail = _application_state(app)
    return Task("entry", label, state, detail, "web:entries", app)


def _legal_card(enterprise) -> Task:
    label = request_label(enterprise) if not enterprise.in_network else str(_("申领法人卡"))
    card = live_legal_card(enterprise)
    if card is not None:
        return Task("legal_card", _("法人卡"), DONE, _("法人卡 %(c)s") % {"c": card.card_no}, "")
    if not enterprise.in_network:
        return Task("legal_card", label, NOT_YET, _("企业入网后向数据分中心申领法人卡。"), "web:reissue")
    app = open_application(enterprise, LEGAL_CARD_REQUEST)
    if app is not None:
        state, detail = _application_state(app)
        if app.status == Status.SUBMITTED:
            detail = _("已申请（%(n)s），等待数据分中心审核。") % {"n": app.number}
        return Task("legal_card", label, state, detail, "web:reissue", app)
    waiting = Application.objects.filter(
        enterprise=enterprise, kind=LEGAL_CARD_REQUEST, status=Status.APPROVED, made_card__isnull=True
    ).first()
    if waiting is not None:
        issuer = enterprise.card_issuer.name if enterprise.card_issuer else ""
        return Task(
            "legal_card",
            label,
            IN_PROGRESS,
            _("申请 %(n)s 已审核通过，等待%(u)s制卡；制卡后到数据分中心领取法人卡。")
            % {"n": waiting.number, "u": issuer},
            "web:reissue",
            waiting,
        )
    return Task(
        "legal_card",
        label,
        ACTION,
        _("企业已入网：请向数据分中心申领法人卡（填写联系人，可约定领卡日期）。"),
        "web:reissue",
    )


def _filed(code: str, label: str, kind, f: EnterpriseFiling, enterprise) -> Task:
    """A filing made: done, unless the 三证合一 record changed since and its 备案变更 is due or under way."""
    change = change_kinds()[f.filing]
    app = open_application(enterprise, change.code)
    if app is not None:
        state, detail = _application_state(app)
        return Task(code, label, state, _("备案变更：") + detail, change.screen, app)
    behind = differences(f, enterprise)
    if behind:
        what = "、".join(d["label"] for d in behind)
        detail = _("三证合一信息已变更（%(f)s），请办理备案变更。") % {"f": what}
        return Task(code, label, ACTION, detail, change.screen)
    return Task(code, label, DONE, _("备案通过"), kind.screen)


def _filings(enterprise) -> list[Task]:
    filed = {f.filing: f for f in EnterpriseFiling.objects.filter(enterprise=enterprise)}
    tasks = []
    for filing, kind in kinds_by_filing(EnterpriseFilingKind).items():
        code, label = f"{filing}_filing", str(kind.label)
        if filing in filed:
            tasks.append(_filed(code, label, kind, filed[filing], enterprise))
            continue
        app = open_application(enterprise, kind.code)
        if app is not None:
            state, detail = _application_state(app)
            tasks.append(Task(code, label, state, detail, kind.screen, app))
            continue
        try:
            kind.precondition(enterprise)
        except DomainError as refusal:
            tasks.append(Task(code, label, NOT_YET, str(refusal.message), kind.screen))
            continue
        tasks.append(Task(code, label, ACTION, _("尚未备案。"), kind.screen))
    return tasks


def _cards(actor, enterprise) -> list[Task]:
    """IC卡备案 and 权限: every usable card filed where the enterprise is, and each filed card holding a
    permission. Only the legal card files them: the card-less user is told to sign in with it."""
    filed = set(
        EnterpriseFiling.objects.filter(
            enterprise=enterprise, filing__in=[Filing.CUSTOMS, Filing.FOREX]
        ).values_list("filing", flat=True)
    )
    cards = [
        c
        for c in Card.objects.filter(enterprise=enterprise)
        .select_related("certificate")
        .prefetch_related("filings", "permissions")
        if c.usable
    ]
    legal = any(c.kind == CardKind.LEGAL for c in cards)
    by_card = actor.kind == UserKind.LEGAL_CARD
    filing_label, permission_label = _("IC卡备案"), _("IC卡权限申请")
    if not legal:
        why = _("取得法人卡后办理。")
        return [
            Task("card_filings", filing_label, NOT_YET, why, ""),
            Task("card_permissions", permission_label, NOT_YET, why, ""),
        ]
    if not filed:
        filing_task = Task("card_filings", filing_label, NOT_YET, _("企业海关备案或外汇备案通过后办理。"), "")
    else:
        unfiled = [c for c in cards if not filed <= {f.filing for f in c.filings.all()}]
        if unfiled:
            detail = _("%(n)d 张IC卡尚未备案。") % {"n": len(unfiled)}
            state = ACTION
        else:
            detail, state = _("本企业的IC卡均已备案。"), DONE
        if state == ACTION and not by_card:
            detail += _("请用法人卡登录办理。")
        screen = "web:card_customs_filing" if Filing.CUSTOMS in filed else "web:card_forex_filing"
        filing_task = Task(
            "card_filings", filing_label, state, detail, screen if by_card else "web:card_login"
        )
    with_filing = [c for c in cards if c.filings.all()]
    if not with_filing:
        permission_task = Task(
            "card_permissions", permission_label, NOT_YET, _("IC卡备案后申请子系统权限。"), ""
        )
    else:
        bare = [c for c in with_filing if not c.permissions.all()]
        if bare:
            detail = _("%(n)d 张已备案的IC卡尚未申请权限。") % {"n": len(bare)}
            if not by_card:
                detail += _("请用法人卡登录办理。")
            permission_task = Task(
                "card_permissions",
                permission_label,
                ACTION,
                detail,
                "web:card_permissions" if by_card else "web:card_login",
            )
        else:
            permission_task = Task(
                "card_permissions",
                permission_label,
                DONE,
                _("已备案的IC卡均已有子系统权限。"),
                "web:card_permissions",
            )
    return [filing_task, permission_task]


def enterprise_progress(actor) -> list[Task]:
    """The tasks of the actor's enterprise in order; refused like reading the enterprise (its card-less user,
    once it may read it, and its legal card)."""
    enterprise = enterprise_for_reading(actor)
    return [
        _account(actor),
        _entry(enterprise),
        _legal_card(enterprise),
        *_filings(enterprise),
        *_cards(actor, enterprise),
    ]


def next_task(tasks: list[Task]) -> Task | None:
    """What comes next: the first task waiting for the enterprise's move, else the first waiting for someone
    else's (None: all done, or nothing can start)."""
    return next((t for t in tasks if t.state == ACTION), None) or next(
        (t for t in tasks if t.state == IN_PROGRESS), None
    )
