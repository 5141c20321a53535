"""Card making, card sign-in with every refusal, PIN rules, and the transition table (services)."""

import datetime as dt
import logging
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.utils import timezone

from eport.audit.models import AuditEvent
from eport.cards import actions, cardfile, making, proof, signin
from eport.cards.challenges import challenge_issue
from eport.cards.models import Card, CardState
from eport.cards.numbers import card_no_valid
from eport.errors import Conflict, Forbidden, InvalidInput, NotFound
from eport.pki.ca import issuing_ca
from eport.pki.models import CertStatus
from tests import factories as f

pytestmark = pytest.mark.django_db

NEW_PIN = "20261124"


def sign_in(made, pin=None, key=None, **over):
    proof = f.card_proof(made, key)
    over.setdefault("ip", "127.0.0.1")
    args = {"card_no": made.card.card_no, "pin": made.initial_pin if pin is None else pin, **proof, **over}
    return signin.card_sign_in(**args)


def refused(code, fn, *args, **kwargs):
    with pytest.raises(proof.CardRefused) as e:
        fn(*args, **kwargs)
    assert e.value.code == code, e.value.message
    return e.value


def audited(code) -> int:
    return AuditEvent.objects.filter(action="card.sign_in_refused", reason=code).count()


# --- making ------------------------------------------------------------------------------------


def test_legal_card_is_made_with_key_certificate_and_pin():
    e = f.enterprise_in_network(name="深圳前海制卡测试有限公司")
    made = f.make_card("legal", e)
    card = made.card
    assert card_no_valid(card.card_no) and card.card_no.startswith("15300")
    assert card.holder_name == "张三" and card.issuer_id == "ra:5300" and card.state == CardState.NORMAL
    assert card.must_change_pin and len(made.initial_pin) == 12 and made.initial_pin not in card.pin_hash
    key, cert, chain = pkcs12.load_key_and_certificates(made.card_file, made.card_file_password.encode())
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    ca = issuing_ca()
    assert [c.subject for c in chain] == [ca.certificate.subject, ca.root.subject]
    cert.verify_directly_issued_by(ca.certificate)
    subject = {a.oid: a.value for a in cert.subject}
    assert subject[NameOID.SERIAL_NUMBER] == card.card_no
    assert subject[NameOID.COMMON_NAME] == "张三"
    assert subject[NameOID.ORGANIZATION_IDENTIFIER] == e.uscc
    assert subject[NameOID.ORGANIZATION_NAME] == "深圳前海制卡测试有限公司"
    assert cert.not_valid_before_utc.date() <= card.valid_from
    assert cert.not_valid_after_utc.astimezone(making.CHINA).date() == card.valid_to
    assert format(cert.serial_number, "x") == card.certificate.serial
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and not ku.key_cert_sign
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert any(d.access_location.value.endswith("/pki/ocsp") for d in aia)
    assert AuditEvent.objects.filter(action="card.make", object_id=str(card.pk)).exists()


def test_the_card_file_opens_with_its_own_password_never_with_the_pin(caplog, mailoutbox):
    """A copied card file is guessed offline at GPU speed, with no lock after 5 tries: a 12-digit PIN
    falls in a day or two. The file has its own ~119-bit password, shown once, kept nowhere."""
    with caplog.at_level(logging.DEBUG):
        made = f.make_card("legal")
    password = made.card_file_password
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){5}", password)  # no 0 O 1 I L
    assert len(set(cardfile.ALPHABET)) == 31 and cardfile.ENTROPY_BITS > 118
    for wrong in (made.initial_pin, "00000000", password.lower(), password.replace("-", "")):
        with pytest.raises(ValueError):
            pkcs12.load_key_and_certificates(made.card_file, wrong.encode())
    key, cert, _chain = pkcs12.load_key_and_certificates(made.card_file, password.encode())
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    other = f.make_card("legal")
    assert other.card_file_password != password
    # The server keeps it nowhere: not on the card's row, not in the audit, the log or the mails.
    assert password not in str(Card.objects.filter(pk=made.card.pk).values().get())
    assert password not in str(list(AuditEvent.objects.values()))
    assert password not in caplog.text
    assert not any(password in m.body or password in m.subject for m in mailoutbox)


def test_operator_card_takes_an_approved_operator():
    e = f.enterprise_in_network()
    op = f.operator(e, name="王五")
    made = f.make_card("operator", e, operator_no=op.operator_no)
    assert made.card.operator == op and made.card.holder_name == "王五" and made.card.card_no.startswith("2")
    with pytest.raises(Conflict) as c:
        f.make_card("operator", e, operator_no=op.operator_no)
    assert c.value.code == "operator_card_exists"
    draft = f.operator(e, name="赵六", approved=False)
    with pytest.raises(Conflict) as c:
        f.make_card("operator", e, operator_no=draft.operator_no)
    assert c.value.code == "operator_not_approved"
    other = f.operator(f.enterprise_in_network())
    with pytest.raises(NotFound):  # another enterprise's operator
        f.make_card("operator", e, operator_no=other.operator_no)


def test_making_refusals():
    ra = f.ra_officer()
    e = f.enterprise_in_network()
    with pytest.raises(Forbidden):
        making.card_make(actor=f.cardless(), kind="legal", enterprise_uscc=e.uscc)
    with pytest.raises(InvalidInput):
        making.card_make(actor=ra, kind="gold", enterprise_uscc=e.uscc)
    with pytest.raises(NotFound):  # 北京's sub-centre does not make 深圳's cards
        making.card_make(actor=f.ra_officer("ra:0100"), kind="legal", enterprise_uscc=e.uscc)
    outside = f.cardless()
    with pytest.raises(NotFound):
        making.card_make(actor=ra, kind="legal", enterprise_uscc=outside.enterprise.uscc)
    f.make_card("legal", e, ra=ra)
    with pytest.raises(Conflict) as c:
        f.make_card("legal", e, ra=ra)
    assert c.value.code == "legal_card_exists"
    national = f.ra_officer("ra:0000")  # the national centre covers every sub-centre
    assert f.make_card("legal", f.enterprise_in_network(), ra=national).card.issuer_id == "ra:5300"


def test_not_in_network_is_refused():
    e = f.enterprise_in_network()
    e.network_status = "not_in_network"
    e.save()
    with pytest.raises(Conflict) as c:
        f.make_card("legal", e)
    assert c.value.code == "enterprise_not_in_network"


# --- sign-in ------------------------------------------------------------------------------------


def test_sign_in_with_the_card_key_and_pin():
    made = f.make_card()
    card = sign_in(made)
    assert card.pk == made.card.pk and card.must_change_pin
    assert Card.objects.get(pk=card.pk).last_sign_in_at is not None
    assert AuditEvent.objects.filter(action="card.sign_in", object_id=str(card.pk)).count() == 1


def test_challenge_refusals(settings):
    made = f.make_card()
    key = f.card_key(made)
    c = challenge_issue(made.card.card_no)
    proof = {"challenge_id": c["challenge_id"], "signature": f.sign_nonce(key, c["nonce"])}
    signin.card_sign_in(card_no=made.card.card_no, pin=made.initial_pin, **proof)
    refused(
        "challenge_replayed", signin.card_sign_in, card_no=made.card.card_no, pin=made.initial_pin, **proof
    )
    refused(
        "challenge_invalid",
        signin.card_sign_in,
        card_no=made.card.card_no,
        pin=made.initial_pin,
        challenge_id=proof["challenge_id"][:-2] + "xx",
        signature=proof["signature"],
    )
    other = f.make_card()  # a challenge issued for another card number
    c2 = challenge_issue(other.card.card_no)
    refused(
        "challenge_invalid",
        signin.card_sign_in,
        card_no=made.card.card_no,
        pin=made.initial_pin,
        challenge_id=c2["challenge_id"],
        signature=f.sign_nonce(key, c2["nonce"]),
    )
    settings.CARD_CHALLENGE_SECONDS = -1  # every challenge is already too old
    refused("challenge_expired", sign_in, made)
    assert audited("challenge_replayed") == 1 and audited("challenge_expired") == 1


def test_signature_by_another_cards_key_is_refused():
    made, other = f.make_card(), f.make_card()
    refused("signature_invalid", sign_in, made, key=f.card_key(other))
    refused("signature_invalid", sign_in, made, signature="bm90IGEgc2lnbmF0dXJl")
    refused(
        "card_unknown",
        signin.card_sign_in,
        card_no="153000000999990",
        pin="1",
        **_proof_for("153000000999990"),
    )
    refused("card_no_invalid", signin.card_sign_in, card_no="12345", pin="1", challenge_id="x", signature="x")
    assert audited("signature_invalid") == 2


def _proof_for(card_no):
    key = ec.generate_private_key(ec.SECP256R1())
    c = challenge_issue(card_no)
    return {"challenge_id": c["challenge_id"], "signature": f.sign_nonce(key, c["nonce"])}


def test_certificate_not_from_our_ca_is_refused():
    """A card whose stored certificate another CA signed (same card key): the chain check refuses it."""
    from cryptography.hazmat.primitives import hashes, serialization

    made = f.make_card()
    key = f.card_key(made)
    rogue_ca = ec.generate_private_key(ec.SECP256R1())
    mine = x509.load_der_x509_certificate(bytes(made.card.certificate.der))
    forged = (
        x509.CertificateBuilder()
        .subject_name(mine.subject)
        .issuer_name(issuing_ca().certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(mine.not_valid_before_utc)
        .not_valid_after(mine.not_valid_after_utc)
        .sign(rogue_ca, hashes.SHA256())
    )
    cert = made.card.certificate
    cert.der = forged.public_bytes(serialization.Encoding.DER)
    cert.save(update_fields=["der"])
    refused("certificate_untrusted", sign_in, made, key=key)
    assert audited("certificate_untrusted") == 1


@pytest.mark.parametrize(
    "state,code",
    [
        (CardState.LOST, "card_lost"),
        (CardState.LOST_FROZEN, "card_lost"),
        (CardState.FROZEN, "card_frozen"),
        (CardState.VOIDED, "card_voided"),
    ],
)
def test_unusable_states_are_refused(state, code):
    made = f.make_card()
    Card.objects.filter(pk=made.card.pk).update(state=state)
    e = refused(code, sign_in, made)
    assert e.status == 403 and audited(code) == 1


def test_held_or_revoked_certificate_is_refused():
    made = f.make_card()
    cert = made.card.certificate
    cert.status = CertStatus.HOLD
    cert.save()
    refused("certificate_on_hold", sign_in, made)
    cert.status = CertStatus.REVOKED
    cert.save()
    refused("certificate_revoked", sign_in, made)


def test_expired_and_not_yet_valid_cards_are_refused():
    made = f.make_card()
    today = timezone.localdate()
    Card.objects.filter(pk=made.card.pk).update(valid_to=today - dt.timedelta(days=1))
    refused("card_expired", sign_in, made)
    Card.objects.filter(pk=made.card.pk).update(
        valid_from=today + dt.timedelta(days=1), valid_to=today + dt.timedelta(days=9)
    )
    refused("card_not_yet_valid", sign_in, made)


def test_wrong_pins_count_and_lock_at_the_limit(settings):
    settings.CARD_PIN_LIMIT = 5
    made = f.make_card()
    for left in (4, 3, 2, 1):
        e = refused("pin_wrong", sign_in, made, pin="99999999")
        assert f"还可以尝试{left}次" in str(e.message)
    e = refused("card_locked", sign_in, made, pin="99999999")
    card = Card.objects.get(pk=made.card.pk)
    assert card.pin_locked and card.pin_failures == 5 and card.display_state == "锁定"
    refused("card_locked", sign_in, made)  # even the right PIN: locked until unlocked
    assert card.certificate.status == CertStatus.GOOD  # a PIN lock is not a certificate matter
    assert AuditEvent.objects.filter(action="card.pin_locked", object_id=str(card.pk)).count() == 1


def test_the_pin_lock_is_a_move_of_the_table(settings):
    """Locking at the limit goes through the one move helper: the version moves (a screen that saw the card
    before is refused), the card is signed out everywhere, and the audit has the before and after."""
    from eport.accounts.models import ApiToken
    from eport.accounts.services import token_issue

    settings.CARD_PIN_LIMIT = 2
    ra = f.ra_officer()
    made = f.make_card(ra=ra)
    seen = Card.objects.get(pk=made.card.pk).version
    token_issue(user=made.card.user)
    refused("pin_wrong", sign_in, made, pin="1")
    assert Card.objects.get(pk=made.card.pk).version == seen  # a wrong PIN is a count, not a move
    refused("card_locked", sign_in, made, pin="1")
    card = Card.objects.get(pk=made.card.pk)
    assert card.version == seen + 1 and card.pin_locked and card.state == CardState.NORMAL
    assert not ApiToken.objects.filter(user_id=card.user_id).exists()
    ev = AuditEvent.objects.get(action="card.pin_locked", object_id=str(card.pk))
    assert ev.actor is None and ev.before["pin_locked"] is False and ev.after["pin_locked"] is True
    with pytest.raises(Conflict) as e:
        actions.card_act(actor=ra, card_no=card.card_no, action="unlock", version=seen)
    assert e.value.code == "stale_version"
    with pytest.raises(NotFound):  # the system's move is no one's action
        actions.card_act(actor=ra, card_no=card.card_no, action="pin_locked")
    assert "pin_locked" not in actions.card_actions(ra, card)


def test_a_right_pin_resets_the_counter():
    made = f.make_card()
    refused("pin_wrong", sign_in, made, pin="11111111")
    sign_in(made)
    assert Card.objects.get(pk=made.card.pk).pin_failures == 0


def test_configurable_limit(settings):
    settings.CARD_PIN_LIMIT = 2
    made = f.make_card()
    refused("pin_wrong", sign_in, made, pin="1")
    refused("card_locked", sign_in, made, pin="1")


# --- PIN change ---------------------------------------------------------------------------------


def test_pin_change_rules():
    made = f.make_card()
    card = sign_in(made)
    user = card.user
    for bad, code in (
        ("", "pin_required"),
        ("12ab56", "pin_format"),
        ("123", "pin_format"),
        ("888888", "pin_too_simple"),
        ("123456", "pin_too_simple"),
        (made.initial_pin, "pin_unchanged"),
    ):
        with pytest.raises(InvalidInput) as e:
            signin.card_pin_change(actor=user, old_pin=made.initial_pin, new_pin=bad)
        assert e.value.code == code and e.value.field == "new_pin"
    refused("pin_wrong", signin.card_pin_change, actor=user, old_pin="00000000", new_pin=NEW_PIN)
    signin.card_pin_change(actor=user, old_pin=made.initial_pin, new_pin=NEW_PIN)
    card.refresh_from_db()
    assert not card.must_change_pin and card.pin_failures == 0
    refused("pin_wrong", sign_in, made)  # the initial PIN no longer works
    assert not sign_in(made, pin=NEW_PIN).must_change_pin
    with pytest.raises(Forbidden):
        signin.card_pin_change(actor=f.cardless(), old_pin="1", new_pin=NEW_PIN)


def test_pin_verifier_is_keyed(settings):
    made = f.make_card()
    card = Card.objects.get(pk=made.card.pk)
    assert card.pin_hash.startswith("h1$")
    settings.PIN_PEPPER = "another pepper"  # a database copy without the pepper checks nothing
    refused("pin_wrong", sign_in, made)


# --- the transition table -------------------------------------------------------------------------


def act(actor, made, action, **kw):
    return actions.card_act(actor=actor, card_no=made.card.card_no, action=action, **kw).card


def test_ra_runs_the_legal_cards_own_operations():
    ra = f.ra_officer()
    made = f.make_card(ra=ra)
    serial = made.card.certificate.serial
    card = act(ra, made, "report-lost")
    assert card.state == CardState.LOST and card.certificate.status == CertStatus.HOLD
    assert card.certificate.reason == "certificate_hold"
    with pytest.raises(Conflict) as c:
        act(ra, made, "report-lost")
    assert c.value.code == "state_conflict" and "已挂失" in str(c.value.message)
    card = act(ra, made, "cancel-lost")
    assert card.state == CardState.NORMAL and card.certificate.status == CertStatus.GOOD
    proof = f.renewal(made)  # in the last weeks of its validity
    old_to = made.card.valid_to
    card = act(ra, made, "renew", **proof)
    assert card.valid_to == old_to + dt.timedelta(days=730) and card.certificate.serial != serial
    from eport.pki.models import Certificate

    old = Certificate.objects.get(serial=serial)
    assert old.status == CertStatus.REVOKED and old.reason == "superseded"
    new = x509.load_der_x509_certificate(bytes(card.certificate.der))
    assert new.not_valid_after_utc.astimezone(making.CHINA).date() == card.valid_to
    assert new.public_key().public_numbers() == f.card_key(made).public_key().public_numbers()
    sign_in(made)  # the same card (key) signs in with its new certificate
    card = act(ra, made, "void", reason="key_compromise")
    assert card.state == CardState.VOIDED and card.certificate.status == CertStatus.REVOKED
    assert card.certificate.reason == "key_compromise" and not card.user.is_active
    with pytest.raises(Conflict) as c:
        act(ra, made, "unfreeze")
    assert c.value.code == "card_voided"
    actions = list(
        AuditEvent.objects.filter(object_type="cards.card", object_id=str(card.pk)).values_list(
            "action", flat=True
        )
    )
    assert ["card.report-lost", "card.cancel-lost", "card.renew", "card.void"] == [
        a for a in actions if a in ("card.report-lost", "card.cancel-lost", "card.renew", "card.void")
    ]


def test_renew_needs_the_card_itself_in_its_last_months():
    ra = f.ra_officer()
    made, other = f.make_card(ra=ra), f.make_card(ra=ra)
    with pytest.raises(Conflict) as c:  # a new card (two years left) is not renewed yet
        act(ra, made, "renew", **f.card_proof(made, purpose="renew"))
    assert c.value.code == "renew_too_early" and "90天内" in str(c.value.message)
    refused("signature_invalid", act, ra, made, "renew", **f.renewal(made, f.card_key(other)))
    refused("challenge_invalid", act, ra, made, "renew", **f.card_proof(made))  # a sign-in challenge
    assert AuditEvent.objects.filter(action="card.renew_refused", reason="signature_invalid").count() == 1
    Card.objects.filter(pk=made.card.pk).update(valid_to=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(Conflict) as c:
        act(ra, made, "renew", **f.card_proof(made, purpose="renew"))
    assert c.value.code == "card_expired"


def test_renew_never_goes_beyond_the_issuing_ca(settings):
    ra = f.ra_officer()
    made = f.make_card(ra=ra)
    settings.CARD_RENEW_DAYS = 365 * 40
    card = act(ra, made, "renew", **f.renewal(made))
    ca_end = issuing_ca().certificate.not_valid_after_utc.astimezone(making.CHINA).date()
    assert card.valid_to == ca_end - dt.timedelta(days=1)
    settings.CARD_RENEW_WINDOW_DAYS = 365 * 40
    with pytest.raises(Conflict) as c:
        act(ra, made, "renew", **f.card_proof(made, purpose="renew"))
    assert c.value.code == "ca_expiring"


def test_lost_and_frozen_combine():
    ra = f.ra_officer()
    made = f.make_card(ra=ra)
    assert act(ra, made, "freeze").state == CardState.FROZEN
    card = act(ra, made, "report-lost")
    assert card.state == CardState.LOST_FROZEN and card.certificate.status == CertStatus.HOLD
    card = act(ra, made, "cancel-lost")
    assert card.state == CardState.FROZEN and card.certificate.status == CertStatus.HOLD  # still frozen
    card = act(ra, made, "unfreeze")
    assert card.state == CardState.NORMAL and card.certificate.status == CertStatus.GOOD


def test_unlock_gives_a_new_one_time_pin(settings):
    """A card locks because its holder forgot the PIN: 解锁 resets the counter and sets a new one-time
    PIN (shown once to whoever unlocked), which the holder must change at the next sign-in."""
    settings.CARD_PIN_LIMIT = 2
    ra = f.ra_officer()
    made = f.make_card(ra=ra)
    with pytest.raises(Conflict):
        act(ra, made, "unlock")  # not locked
    refused("pin_wrong", sign_in, made, pin="1")
    refused("card_locked", sign_in, made, pin="1")
    done = actions.card_act(actor=ra, card_no=made.card.card_no, action="unlock")
    card, pin = done.card, done.one_time_pin
    assert not card.pin_locked and card.pin_failures == 0 and card.must_change_pin
    assert len(pin) == len(made.initial_pin) and pin not in Card.objects.get(pk=card.pk).pin_hash
    refused("pin_wrong", sign_in, made)  # the forgotten PIN is gone
    assert sign_in(made, pin=pin).must_change_pin


def test_who_may_act():
    ra = f.ra_officer()
    e = f.enterprise_in_network()
    legal = f.make_card("legal", e, ra=ra)
    operator = f.make_card("operator", e, ra=ra)
    legal_user, operator_user = legal.card.user, operator.card.user
    # The legal card runs its operator cards (IC卡自主管理), not itself, and never voids.
    assert act(legal_user, operator, "freeze").state == CardState.FROZEN
    with pytest.raises(Forbidden) as c:
        act(legal_user, legal, "report-lost")
    assert c.value.code == "legal_card_at_subcentre" and "数据分中心" in str(c.value.message)
    with pytest.raises(Forbidden):
        act(legal_user, operator, "void")
    with pytest.raises(Forbidden):
        act(operator_user, operator, "unfreeze")
    # Another enterprise's legal card, another sub-centre: the card does not exist for them.
    stranger = f.make_card("legal", f.enterprise_in_network(), ra=ra).card.user
    for actor in (stranger, f.ra_officer("ra:0100")):
        with pytest.raises(NotFound):
            act(actor, operator, "unfreeze")
    # A reviewer and a card-less user have no card business at all.
    for actor in (f.staff("reviewer", "aic:440300"), f.cardless()):
        with pytest.raises(Forbidden) as c:
            act(actor, operator, "unfreeze")
        assert c.value.code == "card_reader_required"
    assert Card.objects.get(pk=operator.card.pk).state == CardState.FROZEN
    with pytest.raises(NotFound):
        act(ra, operator, "explode")
    with pytest.raises(InvalidInput):
        act(ra, operator, "void", reason="because")


def test_card_gate():
    ra = f.ra_officer()
    made = f.make_card(ra=ra)
    user = made.card.user
    assert signin.card_gate(user) == "pin_change_required"
    signin.card_pin_change(actor=user, old_pin=made.initial_pin, new_pin=NEW_PIN)
    assert signin.card_gate(user) is None
    act(ra, made, "freeze")
    assert signin.card_gate(user) == "card_unusable"


def test_a_hold_by_the_sub_centre_is_lifted_there_only():
    ra = f.ra_officer()
    e = f.enterprise_in_network()
    legal, op = f.make_card("legal", e, ra=ra), f.make_card("operator", e, ra=ra)
    act(ra, op, "freeze")
    act(ra, op, "report-lost")
    for action in ("unfreeze", "cancel-lost"):
        with pytest.raises(Forbidden) as c:
            act(legal.card.user, op, action)
        assert c.value.code == "held_by_subcentre"
        assert action not in actions.card_actions(legal.card.user, Card.objects.get(pk=op.card.pk))
    act(ra, op, "cancel-lost")
    act(ra, op, "unfreeze")
    act(legal.card.user, op, "freeze")  # the enterprise's own freeze it lifts itself
    assert act(legal.card.user, op, "unfreeze").state == CardState.NORMAL


def test_refused_sign_ins_from_one_address_are_throttled(settings):
    settings.THROTTLE_ADDRESS_FAILURES = 3
    made = f.make_card()
    for _ in range(3):
        refused("pin_wrong", sign_in, made, pin="00000000", ip="203.0.113.7")
    rows = AuditEvent.objects.filter(action="card.sign_in_refused", ip="203.0.113.7").count()
    from eport.errors import Throttled

    with pytest.raises(Throttled) as t:
        sign_in(made, ip="203.0.113.7", key=f.card_key(f.make_card()))
    assert t.value.status == 429 and t.value.code == "card_login_throttled"
    assert AuditEvent.objects.filter(action="card.sign_in_refused", ip="203.0.113.7").count() == rows
    assert sign_in(made, ip="203.0.113.7")  # the holder (key and PIN) still signs in from there
    assert sign_in(made, ip="198.51.100.1")


def test_a_registered_username_like_a_card_number_blocks_nothing():
    from eport.enterprises.registration import account_register

    account_register(
        data={
            "username": "153000000000013",
            "password": "Kx7#mPort2026",
            "uscc": f.new_uscc(),
            "enterprise_name": "抢注测试有限公司",
            "contact_name": "王",
            "phone": "13800138000",
            "email": "x@example.com",
        }
    )
    made = f.make_card()
    assert made.card.user.username == f"card:{made.card.card_no}"


def test_a_card_without_certificate_is_refused_not_crashed():
    ra = f.ra_officer()
    made = f.make_card(ra=ra)
    Card.objects.filter(pk=made.card.pk).update(certificate=None)
    with pytest.raises(Conflict) as c:
        act(ra, made, "freeze")
    assert c.value.code == "card_incomplete"


def test_an_action_on_a_card_changed_since_it_was_seen_is_refused():
    from eport.errors import Conflict as _Conflict

    ra = f.ra_officer()
    made = f.make_card("legal", ra=ra)
    seen = made.card.version
    actions.card_act(actor=ra, card_no=made.card.card_no, action="freeze", version=seen)
    with pytest.raises(_Conflict) as err:
        actions.card_act(actor=ra, card_no=made.card.card_no, action="void", version=seen)
    assert err.value.code == "stale_version" and "冻结" in str(err.value.message)
    assert Card.objects.get(pk=made.card.pk).state == CardState.FROZEN
