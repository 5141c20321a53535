"""Reads of cards, scoped to what the actor may see: a kind with no card business is refused (403); a card
not yours is missing alike (404)."""

from django.db import connection
from django.db.models import BooleanField, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from eport.accounts.models import UserKind
from eport.accounts.permissions import CARD_KINDS, jurisdiction_units, require_reader
from eport.applications.codes import Code as AppCode
from eport.applications.models import Application, Status
from eport.cards.codes import Code
from eport.dbrouter import primary
from eport.errors import Forbidden, NotFound
from eport.filters import filter_choice, filter_given
from eport.pagination import paginate, planned_for_values
from eport.refdata.models import Dept

from . import menu
from .models import LEGAL_CARD_REQUEST, Card, CardKind, CardState, Subsystem
from .proof import usable_refusal
from .subsystems import SUBSYSTEM_RIGHTS, rights_of


def cards_visible(actor) -> QuerySet:
    """RA: cards issued by its sub-centre or one below; legal card: its enterprise's; operator card: itself."""
    require_reader(actor, "cards")
    kind = getattr(actor, "kind", None)
    if kind == UserKind.RA and actor.unit_id:
        issuers = ra_issuers(actor)
        return Card.objects.all() if issuers is None else Card.objects.filter(issuer_id__in=issuers)
    if kind == UserKind.LEGAL_CARD and actor.enterprise_id:
        return Card.objects.filter(enterprise_id=actor.enterprise_id)
    if kind == UserKind.OPERATOR_CARD:
        return Card.objects.filter(user_id=actor.pk)
    return Card.objects.none()


def ra_issuers(actor) -> list[str] | None:
    """The sub-centres whose cards an RA officer sees, as a list of ids (a few dozen at most: the planner
    then knows how many cards that is, which a join on the unit path prefix hides from it); None for the
    national centre, the root of the sub-centres, which sees every card (every card's issuer is below it)."""
    if actor.unit.parent_id is None and actor.unit.dept == Dept.RA:
        return None
    return list(jurisdiction_units(actor).values_list("id", flat=True))


def card_get(actor, card_no: str, *, for_update: bool = False) -> Card:
    qs = cards_visible(actor).select_related("enterprise", "issuer", "certificate", "operator", "user")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    card = qs.filter(card_no=(card_no or "").strip()).first()
    if card is None:
        raise NotFound(Code.CARD_NOT_FOUND, _("没有这张IC卡，或您无权查看。"))
    return card


def live_cards(operator) -> QuerySet:
    """The operator's cards in use: not voided (one at most, as 制卡 refuses a second)."""
    return operator.cards.exclude(state=CardState.VOIDED)


def live_card_of(operator) -> Card | None:
    """The operator's card in use, if any: the one answer for 制卡 (not a second), 注销申报 (not while it
    has one) and the sub-centre's next step after approving its declaration (make one)."""
    return live_cards(operator).order_by("id").first()


def live_legal_card(enterprise) -> Card | None:
    """The enterprise's legal card in use (not voided), if any: it decides 申领 or 补办法人卡, and whether the
    enterprise still waits for one."""
    if enterprise is None or enterprise.pk is None:
        return None
    legal = Card.objects.filter(enterprise=enterprise, kind=CardKind.LEGAL)
    return legal.exclude(state=CardState.VOIDED).order_by("id").first()


def legal_card_queue(actor) -> QuerySet[Application]:
    """待制法人卡: approved legal card requests (申领/补办) of the enterprises of the RA's sub-centre (and those
    below it) that no card has fulfilled yet, oldest first. Anyone else is refused (ra_only)."""
    if getattr(actor, "kind", None) != UserKind.RA or not actor.unit_id:
        raise Forbidden(Code.RA_ONLY, _("只有数据分中心（操作中心）可以办理。"))
    return (
        Application.objects.filter(
            kind=LEGAL_CARD_REQUEST,
            status=Status.APPROVED,
            made_card__isnull=True,
            enterprise__card_issuer__path__startswith=actor.unit.path,
        )
        .select_related("enterprise", "enterprise__card_issuer")
        .order_by("decided_at", "id")
    )


def legal_card_request_for_making(actor, request_id) -> Application:
    """A request of the RA's queue, for 制卡; another sub-centre's, a fulfilled or unknown one is not found,
    like any record the actor may not see."""
    try:
        pk = int(request_id)
    except (TypeError, ValueError):
        pk = -1
    app = legal_card_queue(actor).filter(pk=pk).first()
    if app is None:
        raise NotFound(AppCode.APPLICATION_NOT_FOUND, _("没有找到这条申请。"), "request")
    return app


def card_of(user) -> Card:
    """The card a card holder's account belongs to."""
    return Card.objects.select_related("enterprise", "issuer", "certificate", "operator").get(user_id=user.pk)


def card_shown(card: Card, user=None) -> Card:
    """A card as /me and the card's pages show it: the row as read (fresh), its menu from the cache
    (menu.with_menu). `user`: its account, whose enterprise, when loaded with it, is the card's."""
    if (
        user is not None
        and card.enterprise_id == user.enterprise_id
        and user._meta.get_field("enterprise").is_cached(user)
    ):
        card.enterprise = user.enterprise
    return menu.with_menu(card)


def signed_in_card(user) -> Card:
    """The signed-in holder's card as shown: the one loaded with the account (the API's token look-up reads
    it in the same query), else read now."""
    cached = user._state.fields_cache.get("card")
    return card_shown(cached if cached is not None else card_of(user), user)


def cards_query(
    actor,
    *,
    card_no: str = "",
    holder_name: str = "",
    id_no: str = "",
    state: str = "",
    kind: str = "",
    uscc: str = "",
    first: int | None = None,
) -> QuerySet:
    """综合查询: exact card number / ID number / USCC, fuzzy holder name, state and kind.

    `first`: the caller reads no more than the first N of the list (a page and a capped count), which
    lets a search by name alone take the newest N matches straight from the gram table."""
    qs = filter_given(
        cards_visible(actor), card_no=card_no, holder_id_no=id_no.upper(), enterprise__uscc=uscc.upper()
    )
    if holder_name.strip():
        # An enterprise's few thousand cards are read by LIKE; a sub-centre's million need the grams.
        ra = getattr(actor, "kind", None) == UserKind.RA
        alone = not (card_no.strip() or id_no.strip() or uscc.strip() or state or kind)
        qs = holder_name_contains(
            qs,
            holder_name.strip(),
            indexed=ra,
            issuers=ra_issuers(actor) if ra else None,
            first=first if alone else None,
        )
    qs = filter_choice(qs, "state", state, CardState.values, Code.STATE_INVALID, _("卡状态不正确。"))
    qs = filter_choice(qs, "kind", kind, CardKind.values, Code.KIND_INVALID, _("卡类型不正确。"))
    return qs.select_related("enterprise", "issuer").order_by("-id")


# 综合查询 counts no further than this: a sub-centre holds a million cards and a common surname matches a
# hundred thousand of them; the screens then say "1000+" (pagination.paginate count_limit).
COUNT_LIMIT = 1000


def holder_name_contains(
    qs, name: str, *, indexed: bool = True, issuers: list[str] | None = None, first: int | None = None
) -> QuerySet:
    """Fuzzy holder name (substring, case-insensitive). On PostgreSQL through the GIN index of the name's
    one- and two-character grams (`eport_name_grams`, led by the issuer: migrations 0005-0006): Chinese names are two or three
    characters, too short for trigrams. A query of one or two characters is one gram, and the gram test
    alone is exact — and lets the planner use the grams' statistics (a common surname: walk the newest
    cards; a rare one: the index). A longer query needs all its two-character grams, then the LIKE."""
    if not indexed or connection.vendor != "postgresql":
        return qs.filter(holder_name__icontains=name)
    q = name.upper()
    if len(q) <= 2:
        # One gram, and the gram test alone is exact: the card ids from the gram table (CardNameGram), newest
        # first. With `first` (nothing but the name filters the list), only the newest N: one index range.
        sql = "SELECT card_id FROM cards_cardnamegram WHERE gram = %s"
        params: list = [q]
        if issuers is not None and len(issuers) == 1:
            # Equality, not ANY: the index then returns the range already in card order (a LIMIT reads
            # only the newest N entries); PostgreSQL reads an ANY list whole and sorts it.
            sql += " AND issuer_id = %s"
            params.append(issuers[0])
        elif issuers is not None:
            sql += " AND issuer_id = ANY(%s)"
            params.append(issuers)
        if first is not None:
            sql += " ORDER BY card_id DESC LIMIT %s"
            params.append(first)
        return qs.filter(id__in=RawSQL(sql, params))
    grams = [q] if len(q) <= 2 else sorted({q[i : i + 2] for i in range(len(q) - 1)})
    qs = qs.filter(
        RawSQL(
            'eport_name_grams(UPPER("cards_card"."holder_name"::text)) @> %s::text[]',
            (grams,),
            output_field=BooleanField(),
        )
    )
    return qs if len(q) <= 2 else qs.filter(holder_name__icontains=name)


def cards_page(
    actor, *, page=1, page_size=20, deferred_join: bool = False, **filters
) -> tuple[list, int, bool]:
    """One page of 综合查询, its total and whether the total stopped at COUNT_LIMIT (more match), as the
    API and the screens show it; planned for the searched values (pagination.planned_for_values)."""
    try:  # what paginate reads at most: the page, and the count up to COUNT_LIMIT + 1 (it validates them)
        first = max(COUNT_LIMIT + 1, int(page or 1) * int(page_size or 20))
    except (TypeError, ValueError):
        first = None
    qs = cards_query(actor, first=first, **filters).select_related("certificate", "operator")
    with planned_for_values(qs.model):
        items, total = paginate(qs, page, page_size, deferred_join=deferred_join, count_limit=COUNT_LIMIT)
    prefetch_related_objects(items, "filings", "permissions__subsystem")  # 综合查询 shows them
    return items, min(total, COUNT_LIMIT), total > COUNT_LIMIT


def subsystem_card(actor, code: str) -> Card:
    """The signed-in card, when it may use subsystem `code` today (the menu's rule: a permission valid
    today, for a subsystem accepting the card's kind, and the card usable); refused otherwise. Every
    subsystem's services ask this first."""
    card = getattr(actor, "card", None) if getattr(actor, "kind", None) in CARD_KINDS else None
    subsystem = Subsystem.objects.filter(code=code).first()
    name = subsystem.label if subsystem else code
    if card is None:
        raise Forbidden(Code.SUBSYSTEM_NOT_GRANTED, _("请使用有“%(s)s”权限的IC卡登录。") % {"s": name})
    with primary():  # the primary decides: never the cached menu, nor a lagging replica in a list's request
        allowed = card_may(card, code)
    if not allowed:
        raise Forbidden(Code.SUBSYSTEM_NOT_GRANTED, _("本卡没有使用“%(s)s”的权限。") % {"s": name})
    if (refusal := usable_refusal(card)) is not None:
        raise refusal
    return card


def granted_today(card: Card, today=None) -> dict[str, list[str]]:
    """The subsystems the card holds a permission for valid today, each with the rights granted within it,
    from its permissions as loaded (the cached menu's, when the card was read with it)."""
    today = today or timezone.localdate()
    return {p.subsystem_id: p.rights or [] for p in card.permissions.all() if p.active_on(today)}


def card_subsystems(card: Card) -> list[dict]:
    """The menu of a card (SPEC §1): every subsystem, enabled (dark) only where the card holds a
    permission valid today and the subsystem accepts the card's kind."""
    granted = granted_today(card)
    out = []
    for s in menu.subsystems():
        enabled = card.kind in s.card_kinds and s.code in granted
        row = {"code": s.code, "name": s.label, "enabled": enabled}
        if s.code in SUBSYSTEM_RIGHTS:  # the rights within it the card holds (none while not enabled)
            row["rights"] = [r for r in rights_of(s.code) if enabled and r in granted[s.code]]
        out.append(row)
    return out


def card_may(card: Card, code: str, right: str | None = None) -> bool:
    """Whether the card may use the subsystem `code` today (a permission valid today, a card kind it
    accepts) and, with `right`, holds that right within it (subsystems.SUBSYSTEM_RIGHTS)."""
    subsystem = Subsystem.objects.filter(code=code).first()
    if subsystem is None or card.kind not in subsystem.card_kinds:
        return False
    p = card.permissions.filter(subsystem_id=code).first()
    if p is None or not p.active_on(timezone.localdate()):
        return False
    return right is None or right in (p.rights or [])


def right_labels(code: str, rights) -> list[str]:
    """The names of the rights held within a subsystem, in the reader's language and the defined order."""
    names = dict(SUBSYSTEM_RIGHTS.get(code, []))
    return [gettext(names[r]) for r in rights_of(code) if r in (rights or [])]
