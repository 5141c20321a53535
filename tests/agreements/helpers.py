"""三方协议 tests' helpers: a legal card holding 通关无纸化网上签约, its key, signing through the API, the
customs reviewers, and the two verifications of a signed PDF (pyHanko, openssl)."""

import io
import re

from pyhanko.pdf_utils.reader import PdfFileReader

from eport.accounts.models import UserKind
from eport.applications import services as engine
from eport.applications.models import ReviewStep, StepStatus
from eport.cards.models import CardPermission
from tests import factories as f
from tests.api.helpers import Api


def signing_card(enterprise=None, ra=None, granted: bool = True):
    """A legal card (of a new enterprise in the network by default) holding paperless_signing: (made, key, api)."""
    made = f.legal_card(enterprise, ra=ra)
    if granted:
        CardPermission.objects.create(card=made.card, subsystem_id="paperless_signing")
    return made, f.card_key(made), Api(made.card.user)


def card_sign(key, to_sign_b64: str) -> str:
    return f.sign_nonce(key, to_sign_b64)


def sign_via_api(api, key, customs) -> dict:
    """POST /paperless/agreements then /sign: the 201 body."""
    r = api.post("/paperless/agreements", {"customs": list(customs)})
    assert r.status_code == 202, r.content
    start = r.json()
    r = api.post(
        "/paperless/agreements/sign",
        {"sign_id": start["sign_id"], "signature": card_sign(key, start["to_sign"])},
    )
    assert r.status_code == 201, r.content
    return r.json()


def customs_reviewer(code: str = "5300"):
    return f.staff(UserKind.REVIEWER, f"customs:{code}")


def pending_step(agreement) -> ReviewStep:
    return ReviewStep.objects.get(application_id=agreement.application_id, status=StepStatus.PENDING)


def approve(agreement, reviewer, opinion="同意无纸化通关。"):
    return engine.step_approve(actor=reviewer, step_id=pending_step(agreement).id, opinion=opinion)


def return_(agreement, reviewer, opinion="企业信息有误，请重新签约。"):
    return engine.step_return(actor=reviewer, step_id=pending_step(agreement).id, opinion=opinion)


_LITERAL = re.compile(rb"\((?:\\.|[^\\)])*\)\s*Tj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(s: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(s):
        c = s[i : i + 1]
        if c != b"\\":
            out += c
            i += 1
            continue
        nxt = s[i + 1 : i + 2]
        if nxt.isdigit():
            j = i + 1
            while j < len(s) and j < i + 4 and s[j : j + 1].isdigit():
                j += 1
            out.append(int(s[i + 1 : j], 8) & 0xFF)
            i = j
        else:
            out += _ESCAPES.get(nxt, nxt)
            i += 2
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    """The text the agreement's pages show: reportlab writes the CID font's text as UCS-2 (UTF-16BE)
    literal strings shown with Tj, one run per line of a paragraph."""
    reader = PdfFileReader(io.BytesIO(pdf))
    runs = []
    for i in range(int(reader.root["/Pages"]["/Count"])):
        page = reader.find_page_for_modification(i)[0].get_object()
        data = page["/Contents"].get_object().data
        for m in _LITERAL.finditer(data):
            raw = _unescape(m.group(0)[1 : m.group(0).rindex(b")")])
            runs.append(
                raw.decode("utf-16-be", errors="replace") if len(raw) % 2 == 0 else raw.decode("latin1")
            )
    return "".join(runs)
