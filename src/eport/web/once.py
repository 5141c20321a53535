"""One-time secrets (制卡's card file, its password and the initial PIN; 解锁's new PIN) by post/redirect/get.

The POST keeps what it made in the session under a random key and answers 303 to a page that shows it
once: `show()` hands the secrets to that page and leaves only a marker behind, so a reload says "already
shown" and makes nothing again. A card file stays for one download from that page (`take_file()`); a
reload of the page drops it. Nothing secret goes in an address, a message or a log, and another session
(even the same user's) has nothing under the key.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

PREFIX = "once:"


@dataclass(frozen=True)
class Shown:
    card_no: str
    secret: dict[str, Any] | None  # None: shown before (a reload)
    has_file: bool = False


def keep(
    request: HttpRequest, kind: str, card_no: str, secret: dict[str, Any], *, card_file: bytes | None = None
) -> str:
    """Keep `secret` (JSON values) for one showing; the key goes in the page's address, the secret does not."""
    key = secrets.token_urlsafe(18)
    entry: dict[str, Any] = {"kind": kind, "user": request.user.pk, "card_no": card_no, "secret": secret}
    if card_file is not None:
        entry["card_file"] = base64.b64encode(card_file).decode()
    request.session[PREFIX + key] = entry
    return key


def _entry(request: HttpRequest, kind: str, key: str) -> dict[str, Any] | None:
    entry = request.session.get(PREFIX + key)
    if not isinstance(entry, dict) or entry.get("kind") != kind or entry.get("user") != request.user.pk:
        return None
    return entry


def show(request: HttpRequest, kind: str, key: str) -> Shown | None:
    """The secrets the first time; then only the card number (secret None); None when there is nothing."""
    entry = _entry(request, kind, key)
    if entry is None:
        return None
    request.session.modified = True
    if "secret" not in entry:  # a reload: the file was offered on the page shown before, not on this one
        entry.pop("card_file", None)
        return Shown(entry["card_no"], None)
    return Shown(entry["card_no"], entry.pop("secret"), "card_file" in entry)


def take_file(request: HttpRequest, kind: str, key: str) -> tuple[str, bytes] | None:
    """(card number, card file), once, and only after its page was shown in this session."""
    entry = _entry(request, kind, key)
    if entry is None or "secret" in entry or "card_file" not in entry:
        return None
    request.session.modified = True
    return entry["card_no"], base64.b64decode(entry.pop("card_file"))
