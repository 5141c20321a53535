"""Card PINs: checked by the server (so it can count, lock, and let the legal card unlock), stored
as HMAC-SHA256(pepper, card number + PIN). The pepper lives outside the database (settings.PIN_PEPPER,
an HSM later): a copy of the database alone reveals no PIN, and a check costs microseconds."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils.translation import gettext as _

from eport.cards.codes import Code
from eport.errors import InvalidInput

VERSION = "h1"  # the verifier's scheme, so the pepper or algorithm can change later
MIN_LEN, MAX_LEN = 6, 12
# The initial PIN is only for signing in, where the server counts and locks wrong tries; it never protects
# the card file, which has its own high-entropy password (cardfile.py).
INITIAL_LEN = 12


def pin_verifier(card_no: str, pin: str) -> str:
    mac = hmac.new(settings.PIN_PEPPER.encode(), f"{card_no}\x00{pin}".encode(), hashlib.sha256).hexdigest()
    return f"{VERSION}${mac}"


def pin_matches(card, pin: str) -> bool:
    return hmac.compare_digest(card.pin_hash, pin_verifier(card.card_no, pin or ""))


def pin_initial() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(INITIAL_LEN))


def pin_rules() -> list[str]:
    """The rules of pin_check_new in words, for the screen to show beside the field."""
    return [
        _("须为%(a)d到%(b)d位数字。") % {"a": MIN_LEN, "b": MAX_LEN},
        _("不能全部相同或连续（如 111111、123456、654321）。"),
        _("不能与原IC卡密码相同。"),
    ]


def pin_check_new(new_pin: str, old_pin: str) -> None:
    """The rules for a PIN the holder chooses (in words: pin_rules)."""
    if not new_pin:
        raise InvalidInput(Code.PIN_REQUIRED, _("请输入新IC卡密码。"), "new_pin")
    if not (new_pin.isascii() and new_pin.isdigit() and MIN_LEN <= len(new_pin) <= MAX_LEN):
        raise InvalidInput(
            Code.PIN_FORMAT, _("新IC卡密码须为%(a)d到%(b)d位数字。") % {"a": MIN_LEN, "b": MAX_LEN}, "new_pin"
        )
    if len(set(new_pin)) == 1 or new_pin in "01234567890123" or new_pin in "98765432109876":
        raise InvalidInput(
            Code.PIN_TOO_SIMPLE, _("新IC卡密码过于简单（相同或连续的数字），请重新设置。"), "new_pin"
        )
    if new_pin == old_pin:
        raise InvalidInput(Code.PIN_UNCHANGED, _("新IC卡密码不能与原IC卡密码相同。"), "new_pin")
