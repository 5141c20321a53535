"""A signed-in card's menu from the shared cache (cards/menu.py): a card-token request costs the token's one
query, and every change of what the menu shows is seen on the next request, on any cache backend."""

import os
import threading
import uuid

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from eport.cards import menu
from eport.cards.models import CardPermission, Subsystem
from eport.filings.models import CardFiling
from tests import factories as f
from tests.api.helpers import Api
from tests.api.test_cards import signed_in

pytestmark = pytest.mark.django_db

REDIS = os.environ.get("EPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def enabled(api) -> set[str]:
    return {s["code"] for s in api.get("/me").json()["subsystems"] if s["enabled"]}


def count(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = call()
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries)


def test_me_with_a_card_token_is_one_query_like_a_staff_token():
    made = f.make_card()
    CardFiling.objects.create(card=made.card, filing="customs")
    CardPermission.objects.create(card=made.card, subsystem_id="paperless_signing")
    api = signed_in(made)
    api.get("/me")  # the menu read once into the cache
    assert count(lambda: api.get("/me")) == 1
    staff = Api(f.ra_officer())
    assert count(lambda: staff.get("/me")) == 1
    me = api.get("/me").json()
    assert me["card"]["filings"] == ["customs"] and me["card"]["issuer"]["id"] == "ra:5300"
    assert "paperless_signing" in enabled(api)


def _every_change_shows_at_once():
    made = f.make_card()
    api = signed_in(made)
    assert enabled(api) == set() and api.get("/me").json()["card"]["filings"] == []
    CardFiling.objects.create(card=made.card, filing="customs")
    assert api.get("/me").json()["card"]["filings"] == ["customs"]
    p = CardPermission.objects.create(card=made.card, subsystem_id="paperless_signing")
    assert enabled(api) == {"paperless_signing"}
    p.delete()
    assert enabled(api) == set()
    CardPermission.objects.create(card=made.card, subsystem_id="paperless_signing")
    s = Subsystem.objects.get(code="paperless_signing")
    s.name = "网上签约（新）"
    s.save()  # the catalogue: every card's menu
    names = {x["code"]: x["name"] for x in api.get("/me").json()["subsystems"]}
    assert names["paperless_signing"] == "网上签约（新）"
    s.card_kinds = ["operator"]
    s.save()
    assert enabled(api) == set()  # a legal card may no longer hold it


def test_every_change_of_the_menu_shows_on_the_next_request():
    _every_change_shows_at_once()


def test_every_change_shows_with_redis_as_the_cache():
    """The cluster's cache (EPORT_REDIS_URL): the same generations, in the machine's Redis (db 15, a prefix of
    this test's own)."""
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping()
    except redis.RedisError as e:
        pytest.skip(f"no Redis at {REDIS}: {e}")
    prefix = f"eport-test-{uuid.uuid4().hex}"
    backend = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS,
        "KEY_PREFIX": prefix,
    }
    with override_settings(CACHES={"default": backend}):
        try:
            _every_change_shows_at_once()
            assert redis.Redis.from_url(REDIS).keys(f"{prefix}:*"), "the menu went to Redis"
        finally:
            r = redis.Redis.from_url(REDIS)
            keys = r.keys(f"{prefix}:*")
            if keys:
                r.delete(*keys)
            caches["default"].close()


@pytest.mark.django_db(transaction=True)
def test_a_menu_read_while_a_grant_commits_is_not_served_after_it():
    """A reader that read the menu before the grant committed stores it under the generation of that moment;
    the commit starts another, so the next request reads the grant."""
    if connection.vendor != "postgresql":
        pytest.skip("a second connection reading beside an open write transaction: the PostgreSQL pass")
    made = f.make_card()
    api = signed_in(made)
    assert enabled(api) == set()
    with transaction.atomic():
        CardPermission.objects.create(card=made.card, subsystem_id="paperless_signing")
        seen = []

        def reader():  # another request, on its own connection: does not see the uncommitted grant
            from eport.cards.models import Card

            seen.append(
                {p.subsystem_id for p in menu.with_menu(Card.objects.get(pk=made.card.pk)).permissions.all()}
            )
            connection.close()

        t = threading.Thread(target=reader)
        t.start()
        t.join(10)
        assert seen == [set()]  # it read (and cached) the menu without the grant
    assert enabled(api) == {"paperless_signing"}


def test_a_cache_that_does_not_answer_fails_nothing():
    """Redis down (a closed port): the menu is read from the database; grants and saves go through."""
    closed = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/15",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
    made = f.make_card()
    api = signed_in(made)
    with override_settings(CACHES={"default": closed}):
        try:
            CardFiling.objects.create(card=made.card, filing="customs")
            CardPermission.objects.create(card=made.card, subsystem_id="paperless_signing")
            me = api.get("/me").json()
            assert me["card"]["filings"] == ["customs"]
            assert {s["code"] for s in me["subsystems"] if s["enabled"]} == {"paperless_signing"}
        finally:
            caches["default"].close()


def test_the_cached_menu_holds_no_pin_verifier_or_password_hash():
    """A permission's or filing's row caches its card, which would carry the PIN verifier and the account's
    password hash into the shared cache (Redis): the menu keeps plain rows."""
    from eport.cards.models import Card

    made = f.make_card()
    CardFiling.objects.create(card=made.card, filing="customs")
    CardPermission.objects.create(card=made.card, subsystem_id="paperless_signing")
    card = Card.objects.select_related("user", "certificate").get(pk=made.card.pk)  # as the sign-in reads it
    menu.with_menu(card)
    stored = b"".join(caches["default"]._cache.values())  # LocMemCache keeps each value pickled
    assert made.card.enterprise.uscc.encode() in stored  # the menu is there
    assert card.pin_hash.encode() not in stored
    assert card.user.password.encode() not in stored


def test_a_unit_list_written_in_bulk_renames_the_cards_issuer_at_once():
    """A reference-data load upserts the units in bulk (no post_save): the loaders say so, and the cards'
    menus, which show their issuer, follow."""
    from eport.refdata import loaders
    from eport.refdata.models import Unit

    made = f.make_card()
    api = signed_in(made)
    assert api.get("/me").json()["card"]["issuer"]["id"] == "ra:5300"
    unit = Unit.objects.get(pk="ra:5300")
    unit.name = "深圳数据分中心（新）"
    loaders._upsert_by_depth([unit], ["name"])
    assert api.get("/me").json()["card"]["issuer"]["name"] == "深圳数据分中心（新）"
