"""Sessions in a cluster (EPORT_REDIS_URL): read from Redis, written through to the database, so any app
node serves any session and a Redis restart signs nobody out; and every way a session ends still ends it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

import eport
from eport.cards.actions import card_act
from tests import factories as f
from tests.web.test_card_screens import NEW_PIN, post_card_login

pytestmark = pytest.mark.django_db

SRC = str(Path(eport.__file__).resolve().parents[1])  # the source under test


def engine_with(redis_url: str) -> str:
    """The session engine the settings choose in a fresh process, as a server started with this environment."""
    env = {
        **os.environ,
        "PYTHONPATH": SRC,
        "DJANGO_SETTINGS_MODULE": "eport.settings",
        "EPORT_REDIS_URL": redis_url,
    }
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SESSION_ENGINE)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_the_session_engine_follows_eport_redis_url():
    assert engine_with("redis://127.0.0.1:6379/0") == "eport.sessions"  # Django's cached_db (below)
    assert engine_with("") == "django.contrib.sessions.backends.db"  # one machine: as before


def session_keys(r, settings):
    return [k for k in r.scan_iter(f"{settings.REDIS_PREFIX}:*") if b"sessions" in k]


def test_a_session_is_in_redis_and_in_the_database_and_survives_a_redis_restart(
    client, redis_settings, settings
):
    user = f.cardless()
    assert client.post("/login/", {"username": user.username, "password": f.PASSWORD}).status_code == 302
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()  # written through
    assert len(session_keys(redis_settings, settings)) == 1  # and read from Redis
    for k in session_keys(redis_settings, settings):
        redis_settings.delete(k)  # Redis restarted empty
    assert client.get("/account/").status_code == 200  # still signed in: read back from the database
    client.post("/logout/")
    assert not Session.objects.filter(session_key=key).exists() and not session_keys(redis_settings, settings)
    assert client.get("/account/").status_code == 302


def test_a_frozen_card_is_signed_out_with_sessions_in_redis(client, redis_settings):
    ra = f.ra_officer()
    made = f.make_card(ra=ra)
    post_card_login(client, made)
    client.post("/card/pin/", {"old_pin": made.initial_pin, "new_pin": NEW_PIN, "new_pin2": NEW_PIN})
    assert client.get("/card/").status_code == 200
    card_act(actor=ra, card_no=made.card.card_no, action="freeze")
    card_act(actor=ra, card_no=made.card.card_no, action="unfreeze")  # usable again, but the session is over
    r = client.get("/card/")
    assert r.status_code == 302 and r["Location"].startswith("/card/login/")


def test_a_pin_change_ends_the_cards_other_sessions_with_sessions_in_redis(client, redis_settings):
    made = f.make_card()
    other = Client()
    post_card_login(client, made)
    post_card_login(other, made)
    client.post("/card/pin/", {"old_pin": made.initial_pin, "new_pin": NEW_PIN, "new_pin2": NEW_PIN})
    assert client.get("/card/").status_code == 200
    assert other.get("/card/").status_code == 302


def test_while_redis_does_not_answer_sessions_are_served_from_the_database(client, settings):
    """Redis down (a closed port): signing in, being signed in and signing out work from the database alone."""
    closed = "redis://127.0.0.1:1/15"
    settings.REDIS_URL = closed  # the throttles count in the database meanwhile
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": closed,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.SESSION_ENGINE = "eport.sessions"
    user = f.cardless()
    assert client.post("/login/", {"username": user.username, "password": f.PASSWORD}).status_code == 302
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()
    assert client.get("/account/").status_code == 200
    client.post("/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/account/").status_code == 302
