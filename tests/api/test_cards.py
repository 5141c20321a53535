"""The card API (API.md: sign-in, cards, /me): contract, refusals, and scoping."""

import base64

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from eport.cards.models import Card, CardState
from eport.pki.models import CertStatus
from tests import factories as f

from .helpers import Api, assert_error

pytestmark = pytest.mark.django_db

NEW_PIN = "20261124"


def card_login(made, pin=None, key=None):
    """Challenge + signature + PIN through the API, as the sign-in page does."""
    anon = Api()
    c = anon.post("/auth/card/challenge", {"card_no": made.card.card_no})
    assert c.status_code == 200, c.content
    body = c.json()
    assert base64.b64decode(body["nonce"]).startswith(b"eport-card-challenge:v1:")
    return anon.post(
        "/auth/card/login",
        {
            "challenge_id": body["challenge_id"],
            "card_no": made.card.card_no,
            "pin": made.initial_pin if pin is None else pin,
            "signature": f.sign_nonce(key or f.card_key(made), body["nonce"]),
        },
    )


def signed_in(made, change_pin=True) -> Api:
    r = card_login(made)
    assert r.status_code == 200, r.content
    api = Api(token=r.json()["token"])
    if change_pin:
        assert (
            api.post("/auth/card/pin", {"old_pin": made.initial_pin, "new_pin": NEW_PIN}).status_code == 204
        )
    return api


def test_ra_makes_a_card_and_it_signs_in():
    ra = Api(f.ra_officer())
    e = f.enterprise_in_network()
    r = ra.post("/cards", {"kind": "legal", "enterprise_uscc": e.uscc})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["card"]["state"] == "normal" and body["card"]["kind"] == "legal"
    assert body["card"]["enterprise"]["uscc"] == e.uscc and body["card"]["issuer"]["id"] == "ra:5300"
    card_file = base64.b64decode(body["card_file"])
    key, cert, chain = pkcs12.load_key_and_certificates(card_file, body["card_file_password"].encode())
    assert key is not None and len(chain) == 2
    with pytest.raises(ValueError):  # the PIN is for signing in, never the file's password
        pkcs12.load_key_and_certificates(card_file, body["initial_pin"].encode())

    class Made:  # what the card holder has: the file, the PIN
        card = Card.objects.get(card_no=body["card"]["card_no"])
        initial_pin = body["initial_pin"]

    r = card_login(Made, key=key)
    assert r.status_code == 200, r.content
    assert r.json()["must_change_pin"] is True and r.json()["card"]["card_no"] == Made.card.card_no


def test_initial_pin_must_be_changed_first():
    made = f.make_card()
    r = card_login(made)
    api = Api(token=r.json()["token"])
    me = api.get("/me").json()  # /me is open, so the screen can say why
    assert me["kind"] == "legal_card" and me["must_change_pin"] is True
    r = api.get("/cards")
    assert r.status_code == 403 and r.json()["error"]["code"] == "pin_change_required"
    r = api.post("/auth/card/pin", {"old_pin": made.initial_pin, "new_pin": "111111"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "new_pin"
    assert api.post("/auth/card/pin", {"old_pin": made.initial_pin, "new_pin": NEW_PIN}).status_code == 204
    assert api.get("/cards").status_code == 200
    assert card_login(made, pin=NEW_PIN).json()["must_change_pin"] is False


def test_me_lists_the_subsystems_enabled_by_permissions():
    from eport.cards.models import CardPermission, Subsystem

    made = f.make_card("operator")
    CardPermission.objects.create(card=made.card, subsystem=Subsystem.objects.get(code="export_receipt"))
    # A permission for a subsystem legal cards hold is no use to an operator card:
    CardPermission.objects.create(card=made.card, subsystem=Subsystem.objects.get(code="paperless_signing"))
    me = signed_in(made).get("/me").json()
    assert me["kind"] == "operator_card" and me["card"]["card_no"] == made.card.card_no
    enabled = {s["code"]: s["enabled"] for s in me["subsystems"]}
    assert len(enabled) == 7 and enabled["export_receipt"] is True
    assert enabled["paperless_signing"] is False and enabled["express"] is False


@pytest.mark.parametrize("pin,status,code", [("99999999", 401, "pin_wrong")])
def test_login_refusals_have_codes(pin, status, code):
    made = f.make_card()
    r = card_login(made, pin=pin)
    assert r.status_code == status and r.json()["error"]["code"] == code


def test_challenge_and_login_bad_input():
    anon = Api()
    r = anon.post("/auth/card/challenge", {"card_no": "12345"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "card_no"
    r = anon.post("/auth/card/challenge", {})
    assert r.status_code == 400 and r.json()["error"]["field"] == "card_no"
    r = anon.post(
        "/auth/card/login", {"challenge_id": "x", "card_no": "153000000000013", "pin": "1", "signature": "!!"}
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "challenge_invalid"


def test_five_wrong_pins_lock_and_the_lock_is_reported():
    made = f.make_card()
    codes = [card_login(made, pin="00000000").json()["error"]["code"] for _ in range(5)]
    assert codes == ["pin_wrong"] * 4 + ["card_locked"]
    r = card_login(made)
    assert r.status_code == 403 and r.json()["error"]["code"] == "card_locked"


def test_a_held_card_loses_its_token():
    ra_user = f.ra_officer()
    made = f.make_card(ra=ra_user)
    api = signed_in(made)
    assert api.get("/me").status_code == 200
    r = Api(ra_user).post(f"/cards/{made.card.card_no}/freeze")
    assert r.status_code == 200 and r.json()["state"] == "frozen" and r.json()["usable"] is False
    assert r.json()["certificate"]["status"] == "hold"
    assert api.get("/me").status_code == 401


def test_ra_card_list_and_actions():
    ra = Api(f.ra_officer())
    e = f.enterprise_in_network(name="查询测试有限公司")
    legal = f.make_card("legal", e)
    op = f.make_card("operator", e)
    r = ra.get("/cards", {"uscc": e.uscc})
    assert r.json()["total"] == 2
    assert (
        ra.get("/cards", {"holder_name": "李", "uscc": e.uscc}).json()["items"][0]["card_no"]
        == op.card.card_no
    )
    assert ra.get("/cards", {"card_no": legal.card.card_no}).json()["total"] == 1
    assert ra.get("/cards", {"state": "bogus"}).status_code == 400
    r = ra.post(f"/cards/{legal.card.card_no}/void", {"reason": "affiliation_changed"})
    assert r.status_code == 200 and r.json()["state"] == "voided"
    assert r.json()["certificate"] == {
        **r.json()["certificate"],
        "status": "revoked",
        "reason": "affiliation_changed",
    }
    r = ra.post(f"/cards/{legal.card.card_no}/void")
    assert r.status_code == 409 and r.json()["error"]["code"] == "card_voided"
    proof = f.renewal(op)
    r = ra.post(f"/cards/{op.card.card_no}/renew", {"challenge_id": "x", "signature": "y"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "challenge_invalid"
    r = ra.post(f"/cards/{op.card.card_no}/renew", proof)
    assert r.status_code == 200 and r.json()["valid_to"] > str(op.card.valid_to)
    assert ra.post(f"/cards/{op.card.card_no}/fly").status_code == 404
    # After voiding, the enterprise may get a new legal card.
    r = ra.post("/cards", {"kind": "legal", "enterprise_uscc": e.uscc})
    assert r.status_code == 201
    r = ra.post("/cards", {"kind": "legal", "enterprise_uscc": e.uscc})
    assert r.status_code == 409 and r.json()["error"]["code"] == "legal_card_exists"


def test_make_card_bad_input():
    ra = Api(f.ra_officer())
    for body, field in (
        ({"kind": "legal"}, "enterprise_uscc"),
        ({"kind": "x", "enterprise_uscc": "1"}, "kind"),
        ({"kind": "operator", "enterprise_uscc": f.enterprise_in_network().uscc}, "operator_no"),
    ):
        r = ra.post("/cards", body)
        assert r.status_code == 400 and r.json()["error"]["field"] == field, r.content


def test_scoping_matrix():
    """Every card endpoint with another enterprise's card, another sub-centre, a reviewer, a card-less user
    and an operator card: 404 for a card it does not see, 403 where it may not act — a reviewer and a
    card-less user have no card business at all (403 on every card endpoint) — and nothing changes."""
    e = f.enterprise_in_network()
    legal, op = f.make_card("legal", e), f.make_card("operator", e)
    other = f.make_card("legal", f.enterprise_in_network())
    actors = {
        "other legal card": signed_in(other),
        "operator card": signed_in(op),
        "other sub-centre": Api(f.ra_officer("ra:0100")),
        "reviewer": Api(f.staff("reviewer", "aic:440300")),
        "card-less": Api(f.cardless()),
    }
    for label, api in actors.items():
        for target in (legal, op):
            no = target.card.card_no
            own = label == "operator card" and target is op
            no_card_business = label in ("reviewer", "card-less")
            if no_card_business:
                assert_error(api.get(f"/cards/{no}"), 403, "card_reader_required")
            elif own:
                assert api.get(f"/cards/{no}").status_code == 200  # its own card
            else:
                assert api.get(f"/cards/{no}").status_code == 404, label
            for action in ("report-lost", "cancel-lost", "freeze", "unfreeze", "unlock", "void", "renew"):
                r = api.post(f"/cards/{no}/{action}", f.renewal(target) if action == "renew" else {})
                # A card the actor does not see is not found, whoever asks; its own card an operator card
                # sees but may not act on.
                want = (403, "card_action_forbidden") if own else (404, "card_not_found")
                if no_card_business:
                    want = (403, "card_reader_required")
                assert_error(r, *want)
        if label != "other sub-centre":
            r = api.post("/cards", {"kind": "legal", "enterprise_uscc": e.uscc})
            assert r.status_code == 403, label
        assert all(
            c["enterprise"]["uscc"] != e.uscc or label == "operator card"
            for c in api.get("/cards").json().get("items", [])
        ), label
    assert not Card.objects.filter(enterprise=e).exclude(state=CardState.NORMAL).exists()
    assert all(c.certificate.status == CertStatus.GOOD for c in Card.objects.filter(enterprise=e))
    r = Api(f.ra_officer("ra:0100")).post(
        "/cards", {"kind": "operator", "enterprise_uscc": e.uscc, "operator_no": f.operator(e).operator_no}
    )
    assert r.status_code == 404


def test_legal_card_acts_on_its_operator_cards_only():
    e = f.enterprise_in_network()
    legal, op = f.make_card("legal", e), f.make_card("operator", e)
    api = signed_in(legal)
    assert api.post(f"/cards/{op.card.card_no}/report-lost").json()["state"] == "lost"
    assert api.post(f"/cards/{op.card.card_no}/cancel-lost").json()["state"] == "normal"
    r = api.post(f"/cards/{legal.card.card_no}/report-lost")
    assert r.status_code == 403 and r.json()["error"]["code"] == "legal_card_at_subcentre"
    assert api.get("/cards").json()["total"] == 2


def test_unlock_answers_the_new_pin_once():
    ra = Api(f.ra_officer())
    made = f.make_card()
    for _ in range(5):
        card_login(made, pin="00000000")
    r = ra.post(f"/cards/{made.card.card_no}/unlock")
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    pin = r.json()["initial_pin"]
    assert len(pin) == len(made.initial_pin) and r.json()["pin_locked"] is False
    assert ra.get(f"/cards/{made.card.card_no}").json().get("initial_pin") is None
    assert card_login(made, pin=pin).json()["must_change_pin"] is True


def test_card_making_answer_is_not_cached():
    r = Api(f.ra_officer()).post(
        "/cards", {"kind": "legal", "enterprise_uscc": f.enterprise_in_network().uscc}
    )
    assert r.status_code == 201 and r["Cache-Control"] == "no-store"


def test_a_card_looks_up_only_its_own_registry_row():
    made = f.make_card()
    api = signed_in(made)
    assert api.get(f"/registry/{f.USCC_SZ}").status_code == 404


def test_renew_challenge_purpose():
    anon = Api()
    made = f.make_card()
    r = anon.post("/auth/card/challenge", {"card_no": made.card.card_no, "purpose": "renew"})
    assert r.status_code == 200 and base64.b64decode(r.json()["nonce"]).startswith(
        b"eport-card-challenge:v1:renew:"
    )
    r = anon.post("/auth/card/challenge", {"card_no": made.card.card_no, "purpose": "steal"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "purpose"


def test_openapi_describes_the_card_file_password():
    schemas = Api().get("/openapi.json").json()["components"]["schemas"]
    made = schemas["CardMakeOut"]
    assert {"card", "initial_pin", "card_file", "card_file_password"} <= set(made["required"])
    assert "card_file_password" in made["properties"]["card_file"]["description"]
    assert "PKCS#12" in made["properties"]["card_file_password"]["description"]
