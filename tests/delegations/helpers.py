"""Delegation scenarios: a consignor with an approved paperless agreement and a card holding the subsystem,
brokers approved by their association, and the card's real signature of the prepared 委托书."""

import datetime as dt

from django.utils import timezone

from eport.cards.models import CardPermission
from tests import factories as f
from tests.api.helpers import Api


def grant(made, *codes: str):
    for code in codes:
        CardPermission.objects.get_or_create(card=made.card, subsystem_id=code)
    return made


def agreement(enterprise, card, customs: str = "5300"):
    """An approved 三方协议 as the agreements app leaves it (its own tests sign it for real)."""
    return f.agreement_approved(enterprise, customs, card=card)


def broker(name: str = "深圳报关行有限公司", code: str = "4403980001", customs: str = "5300"):
    """An approved broker (the registration's own tests go through its association): (broker, card, API)."""
    e = f.enterprise_in_network(name=name)
    e.contact_email = f"broker{code}@example.com"
    e.save(update_fields=["contact_email"])
    b = f.broker(e, customs)
    b.customs_code = code  # the tests name it
    b.save(update_fields=["customs_code"])
    made = grant(f.operator_card(e, name="报关员甲"), "paperless_delegation")
    return b, made, Api(made.card.user)


def consignor(customs: str = "5300", kind: str = "operator"):
    """An enterprise with its agreement for `customs` approved and a card that may delegate: (made, API)."""
    legal = f.legal_card()
    e = legal.card.enterprise
    e.contact_email = f"consignor{e.pk}@example.com"
    e.save(update_fields=["contact_email"])
    agreement(e, legal.card, customs)
    made = legal if kind == "legal" else f.operator_card(e)
    grant(made, "paperless_delegation")
    return made, Api(made.card.user)


def body(broker_code: str = "4403980001", **over) -> dict:
    today = timezone.localdate()
    data = {
        "broker": broker_code,
        "customs": "5301",
        "direction": "I",
        "mode": "long_term",
        "valid_from": today.isoformat(),
        "valid_to": (today + dt.timedelta(days=180)).isoformat(),
        "goods": "电子元件",
        "remarks": "",
        "accept_terms": True,
    }
    data.update(over)
    return data


def card_sign(made, to_sign_b64: str) -> str:
    """The card's signature of `to_sign`, as the agent makes it (the same as over a challenge's nonce)."""
    return f.sign_nonce(f.card_key(made), to_sign_b64)


def delegate(made, api, **over) -> dict:
    """POST /paperless/delegations then sign it with the card: the created delegation (201)."""
    r = api.post("/paperless/delegations", body(**over))
    assert r.status_code == 202, r.content
    prep = r.json()
    r = api.post(
        "/paperless/delegations/sign",
        {"sign_id": prep["sign_id"], "signature": card_sign(made, prep["to_sign"])},
    )
    assert r.status_code == 201, r.content
    return r.json()
