"""One-time sign-in challenges. A challenge is signed by the server (Django's TimestampSigner), not
stored: issuing one costs no database write and reveals nothing about the card number asked for.
Answering one records it as used until it would have expired, so each is good once."""

import base64
import hashlib
import random
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.cards.codes import Code
from eport.errors import InvalidInput

from .models import UsedChallenge
from .numbers import card_no_valid

PREFIX = b"eport-card-challenge:v1:"  # the card agent signs nothing that does not start with this
_SALT = "eport.cards.challenge"
LOGIN, RENEW = "login", "renew"  # what a challenge is for: a signature for one is no use for the other
PURPOSES = (LOGIN, RENEW)


class ChallengeRefused(Exception):
    def __init__(self, code: str, message):
        super().__init__(code)
        self.code, self.message = code, message


def challenge_issue(card_no: str, purpose: str = LOGIN) -> dict:
    """A one-time challenge for the card to sign, for signing in or for 延期 (`purpose`)."""
    card_no = (card_no or "").strip()
    if not card_no_valid(card_no):
        raise InvalidInput(Code.CARD_NO_INVALID, _("IC卡号格式不正确。"), "card_no")
    if purpose not in PURPOSES:
        raise InvalidInput(Code.PURPOSE_INVALID, _("用途须为 login 或 renew。"), "purpose")
    nonce = PREFIX + purpose.encode() + b":" + secrets.token_bytes(32)
    challenge_id = signing.dumps(
        {"c": card_no, "p": purpose, "n": base64.b64encode(nonce).decode()}, salt=_SALT
    )
    return {
        "challenge_id": challenge_id,
        "nonce": base64.b64encode(nonce).decode(),
        "expires_in": settings.CARD_CHALLENGE_SECONDS,
    }


def challenge_nonce(challenge_id: str, card_no: str, purpose: str = LOGIN) -> bytes:
    """The nonce of a challenge issued for this card number and purpose, still fresh."""
    try:
        payload = signing.loads(challenge_id or "", salt=_SALT, max_age=settings.CARD_CHALLENGE_SECONDS)
    except signing.SignatureExpired:
        raise ChallengeRefused(Code.CHALLENGE_EXPIRED, _("IC卡验证挑战已过期，请重试。")) from None
    except signing.BadSignature:
        raise ChallengeRefused(Code.CHALLENGE_INVALID, _("IC卡验证挑战无效，请重试。")) from None
    if not isinstance(payload, dict) or payload.get("c") != card_no or payload.get("p") != purpose:
        raise ChallengeRefused(Code.CHALLENGE_INVALID, _("IC卡验证挑战无效，请重试。"))
    return base64.b64decode(payload["n"])


def challenge_use(challenge_id: str) -> None:
    """Mark a challenge used; a second use is a replay. INSERT … ON CONFLICT DO NOTHING (PostgreSQL and
    SQLite alike) tells a replay by the row count, without a savepoint in the caller's transaction."""
    key = hashlib.sha256(challenge_id.encode()).hexdigest()
    now = timezone.now()
    q = connection.ops.quote_name
    expires = now + timedelta(seconds=settings.CARD_CHALLENGE_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(UsedChallenge._meta.db_table)} ({q('key')}, {q('expires_at')}) "
            "VALUES (%s, %s) ON CONFLICT DO NOTHING",
            [key, connection.ops.adapt_datetimefield_value(expires)],
        )
        if cursor.rowcount != 1:
            raise ChallengeRefused(Code.CHALLENGE_REPLAYED, _("IC卡验证挑战已使用过，请重试。"))
    if random.random() < 0.01:  # now and then, forget challenges that can no longer be replayed anyway
        UsedChallenge.objects.filter(expires_at__lt=now).delete()
