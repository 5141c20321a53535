"""A signed-in card's menu, from the shared cache: what /me and every page of a card show besides the card
row itself (its filings, its subsystem permissions, the subsystem catalogue, its issuer and operator, and the
parts other apps add, e.g. 海关企业管理's reminder row).

The card row is read fresh on every request (with the token or the session's account), so a card lost,
frozen or locked stops at once; only what changes rarely is cached. Decisions do not read the cache: a
subsystem's services ask the database (selectors.subsystem_card), the menu is what the holder is shown.

Invalidation is by generation, not by deleting entries: an entry's key names the generation of its
enterprise and of the catalogue, and every change of a card's permission or filing, an operator, the
enterprise's registration… sets a new generation after its commit (`changed`). A reader that raced the change
stored what it read under the old generation, which nobody reads any more; so no stale menu outlives the
commit that changed it, on any node, whatever the cache backend (settings.CACHES: Redis in a cluster).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from eport.dbrouter import primary

if TYPE_CHECKING:
    from .models import Card, Subsystem

log = logging.getLogger("eport.cards.menu")

VERSION = 3  # of the entries' content: bump it with any change of what _read stores (an older release's entries go unread)
TIMEOUT = 3600  # an entry unused this long goes; a generation never expires on its own

# Parts of the menu other apps add (their AppConfig.ready): name -> how to read it from the database for a
# card. A part must change only with a change that calls `changed` for the card's enterprise.
PARTS: dict[str, Callable[[Card], Any]] = {}

CATALOGUE = "catalogue"


def _generation_key(scope: str) -> str:
    return f"card-menu:gen:{scope}"


def _enterprise_scope(enterprise_id: int) -> str:
    return f"e{enterprise_id}"


class _NoCache(Exception):
    """The shared cache did not answer (Redis down or out of reach)."""


_last_warned = 0.0


def _unavailable(what: str) -> _NoCache:
    """A cache that does not answer never fails a request or a change: the menu is then read from the
    database. Logged once a minute per process, not per request."""
    global _last_warned
    if time.monotonic() - _last_warned > 60:
        _last_warned = time.monotonic()
        log.warning("the shared cache does not answer (%s): cards' menus are read from the database", what)
    return _NoCache(what)


def _generations(*scopes: str) -> list[int]:
    keys = [_generation_key(s) for s in scopes]
    try:
        found = cache.get_many(keys)
        out = []
        for key in keys:
            gen = found.get(key)
            if gen is None:  # never set, or evicted: a fresh one, so no entry of an older one can answer
                gen = secrets.randbits(62)
                if not cache.add(key, gen, timeout=None):
                    gen = cache.get(key, gen)
            out.append(gen)
        return out
    except Exception as e:  # noqa: BLE001 - each cache backend raises its own errors
        raise _unavailable(f"generations: {e}") from e


def _bump(scope: str) -> None:
    try:
        cache.set(_generation_key(scope), secrets.randbits(62), timeout=None)
    except Exception as e:  # noqa: BLE001
        # Not fatal to the change: a Redis that restarts comes back empty (every generation new); one only
        # out of reach keeps the old generation, whose entries expire within TIMEOUT.
        log.error("a card menu generation could not be renewed (%s): %s", scope, e)


def _cached(key: str, read: Callable[[], Any]) -> Any:
    """The entry under `key`, read and stored on a miss; read from the database when the cache fails."""
    try:
        value = cache.get(key)
    except Exception as e:  # noqa: BLE001
        _unavailable(f"get: {e}")
        return read()
    if value is None:
        value = read()
        try:
            cache.set(key, value, TIMEOUT)
        except Exception as e:  # noqa: BLE001
            _unavailable(f"set: {e}")
    return value


def changed(enterprise_id: int | None) -> None:
    """What the menus of the enterprise's cards show changed (None: the catalogue, i.e. every card's): a new
    generation now, and another once the change commits, so that what a reader stored meanwhile (read before
    the commit) is never read."""
    scope = CATALOGUE if enterprise_id is None else _enterprise_scope(enterprise_id)
    _bump(scope)
    transaction.on_commit(lambda: _bump(scope))


def card_changed(card_id: int | None) -> None:
    """`changed` for the enterprise of a card given by id."""
    from .models import Card

    if card_id is None:
        return
    enterprise_id = Card.objects.filter(pk=card_id).values_list("enterprise_id", flat=True).first()
    if enterprise_id is not None:
        changed(enterprise_id)


def on_change(model: type[Model], enterprise_of: Callable[[Any], int | None | object]) -> None:
    """Every save and delete of `model` is a change of the menus of its enterprise's cards (`enterprise_of(row)`
    gives the enterprise id; CATALOGUE: every card's). Called from the apps' ready()."""

    def receiver(sender: type, instance: Any, **kwargs: Any) -> None:
        if kwargs.get("raw"):  # loading fixtures
            return
        who = enterprise_of(instance)
        if who is CATALOGUE:
            changed(None)
        elif who is not None:
            changed(who)  # type: ignore[arg-type]

    uid = f"card-menu:{model._meta.label_lower}"
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":save")
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":delete")


def of_card(row: Any) -> int | None:
    """`enterprise_of` for a row with a `card` (a permission, a card filing)."""
    if type(row)._meta.get_field("card").is_cached(row):
        return row.card.enterprise_id
    card_changed(row.card_id)
    return None


def connect() -> None:
    """The cards' own rows the menu shows (CardsConfig.ready)."""
    from eport.enterprises.models import Enterprise
    from eport.operators.models import Operator
    from eport.refdata.loaders import units_changed
    from eport.refdata.models import Unit

    from .models import CardPermission, Subsystem

    on_change(CardPermission, of_card)
    on_change(Subsystem, lambda s: CATALOGUE)
    on_change(Unit, lambda u: CATALOGUE)  # a card's issuer
    units_changed.connect(lambda **kwargs: changed(None), weak=False, dispatch_uid="card-menu:units")
    on_change(Operator, lambda o: o.enterprise_id)
    on_change(Enterprise, lambda e: e.pk)  # its name and network status, on the card's answer


def subsystems() -> list[Subsystem]:
    """The subsystem catalogue in menu order."""
    from .models import Subsystem

    def read() -> list[Subsystem]:
        with primary():
            return list(Subsystem.objects.all())

    try:
        (gen,) = _generations(CATALOGUE)
    except _NoCache:
        return read()
    return _cached(f"card-menu:v{VERSION}:catalogue:{gen}", read)


def _plain(obj: Any, keep: tuple[str, ...] = ()) -> Any:
    """The row without the related rows Django cached on it (a permission's or filing's card would carry
    the card's PIN verifier and its account's password hash into the cache)."""
    if obj is not None:
        obj._state.fields_cache = {k: v for k, v in obj._state.fields_cache.items() if k in keep}
    return obj


def _read(card: Card) -> dict[str, Any]:
    with primary():  # kept for every request and node: never from a lagging replica
        permissions = list(card.permissions.all())
        by_code = {s.code: s for s in subsystems()}
        for p in permissions:
            p.subsystem = by_code.get(p.subsystem_id) or p.subsystem
        return {
            "enterprise": _plain(card.enterprise),
            "filings": [_plain(f) for f in card.filings.all()],  # filings.CardFiling's relation
            "permissions": [_plain(p, keep=("subsystem",)) for p in permissions],
            "issuer": _plain(card.issuer),
            "operator": _plain(card.operator) if card.operator_id else None,
            "parts": {name: read(card) for name, read in PARTS.items()},
        }


def with_menu(card: Card) -> Card:
    """The card with its menu from the cache (read from the database and stored on a miss): card.filings.all()
    and card.permissions.all() (each with its subsystem), card.enterprise, card.issuer and card.operator then
    run no query."""
    from .models import Card

    try:
        gen_e, gen_c = _generations(_enterprise_scope(card.enterprise_id), CATALOGUE)
        menu = _cached(f"card-menu:v{VERSION}:card:{card.pk}:{gen_e}:{gen_c}", lambda: _read(card))
    except _NoCache:
        menu = _read(card)
    prefetched = {"filings": menu["filings"], "permissions": menu["permissions"]}
    card._prefetched_objects_cache = prefetched  # type: ignore[attr-defined]  # where prefetch_related puts them
    if not Card._meta.get_field("enterprise").is_cached(card):  # one read with the card is fresher
        card.enterprise = menu["enterprise"]
    card.issuer = menu["issuer"]
    if menu["operator"] is not None:
        card.operator = menu["operator"]
    card._menu_parts = menu["parts"]  # type: ignore[attr-defined]
    return card


def part(card: Card, name: str) -> Any:
    """A part other apps added, from the cached menu when the card was read with_menu, else the database."""
    parts = getattr(card, "_menu_parts", None)
    if parts is not None and name in parts:
        return parts[name]
    return PARTS[name](card)
