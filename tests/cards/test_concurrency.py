"""Cards under concurrent use (PostgreSQL only: the card row lock is what these tests are about)."""

import pytest
from django.db import connection

from eport.audit.models import AuditEvent
from eport.cards.actions import card_act
from eport.cards.making import card_make
from eport.cards.models import Card, CardState
from eport.cards.signin import card_sign_in
from eport.errors import DomainError
from eport.pki.models import Certificate, CertStatus
from tests import factories as f
from tests.applications.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locking is only meaningful on PostgreSQL"
    ),
]


def test_ra_voiding_while_the_legal_card_freezes_one_wins():
    ra = f.ra_officer()
    e = f.enterprise_in_network()
    legal, op = f.make_card("legal", e, ra=ra), f.make_card("operator", e, ra=ra)
    no = op.card.card_no
    results = run_together(
        lambda: card_act(actor=legal.card.user, card_no=no, action="freeze"),
        lambda: card_act(actor=ra, card_no=no, action="void"),
    )
    assert not [r for r in results if isinstance(r, BaseException) and not isinstance(r, DomainError)], (
        results
    )
    card = Card.objects.get(card_no=no)
    assert card.state == CardState.VOIDED  # either order ends voided: void is allowed from frozen
    assert Certificate.objects.get(pk=card.certificate_id).status == CertStatus.REVOKED
    assert AuditEvent.objects.filter(action="card.void", object_id=str(card.pk)).count() == 1


def test_two_freezes_at_once_exactly_one_wins_the_other_409():
    ra = f.ra_officer()
    made = f.make_card(ra=ra)
    results = run_together(*[lambda: card_act(actor=ra, card_no=made.card.card_no, action="freeze")] * 2)
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and refused[0].status == 409 and refused[0].code == "state_conflict"
    assert Card.objects.get(pk=made.card.pk).version == made.card.version + 1


def test_concurrent_wrong_pins_are_all_counted(settings):
    settings.CARD_PIN_LIMIT = 5
    made = f.make_card()
    key = f.card_key(made)
    proofs = [f.card_proof(made, key) for _ in range(4)]
    results = run_together(
        *[(lambda p=p: card_sign_in(card_no=made.card.card_no, pin="00000000", **p)) for p in proofs]
    )
    assert all(isinstance(r, DomainError) and r.code == "pin_wrong" for r in results), results
    card = Card.objects.get(pk=made.card.pk)
    assert card.pin_failures == 4 and not card.pin_locked


def test_one_challenge_answered_twice_at_once_signs_in_once():
    made = f.make_card()
    proof = f.card_proof(made)
    results = run_together(
        *[lambda: card_sign_in(card_no=made.card.card_no, pin=made.initial_pin, **proof)] * 2
    )
    codes = sorted(getattr(r, "code", "ok") for r in results)
    assert codes == ["challenge_replayed", "ok"], results


def test_two_sub_centre_officers_make_the_same_legal_card_at_once():
    e = f.enterprise_in_network()
    officers = [f.ra_officer(), f.ra_officer()]
    results = run_together(
        *[(lambda o=o: card_make(actor=o, kind="legal", enterprise_uscc=e.uscc)) for o in officers]
    )
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and refused[0].code == "legal_card_exists" and refused[0].status == 409
    assert Card.objects.filter(enterprise=e).count() == 1


# --- IC卡自主管理 under concurrent use ------------------------------------------------------------------


def _legal_and_operator():
    ra = f.ra_officer()
    e = f.enterprise_in_network()
    legal, op = f.make_card("legal", e, ra=ra), f.make_card("operator", e, ra=ra)
    return ra, legal.card.user, op.card


def test_two_legal_card_sessions_freeze_one_card_exactly_one_wins():
    _ra, legal, card = _legal_and_operator()
    results = run_together(*[lambda: card_act(actor=legal, card_no=card.card_no, action="freeze")] * 2)
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and refused[0].status == 409, results
    after = Card.objects.get(pk=card.pk)
    assert after.state == CardState.FROZEN and after.version == card.version + 1
    assert AuditEvent.objects.filter(action="card.freeze", object_id=str(card.pk)).count() == 1


def test_report_lost_and_freeze_at_once_end_in_a_state_of_the_table():
    """挂失 and 冻结 of the same card by two legal-card sessions: both may win in either order, and the
    card ends lost and frozen, its certificate on hold once."""
    _ra, legal, card = _legal_and_operator()
    results = run_together(
        lambda: card_act(actor=legal, card_no=card.card_no, action="report-lost"),
        lambda: card_act(actor=legal, card_no=card.card_no, action="freeze"),
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    after = Card.objects.get(pk=card.pk)
    assert after.state == CardState.LOST_FROZEN and after.version == card.version + 2
    assert Certificate.objects.get(pk=after.certificate_id).status == CertStatus.HOLD


def test_a_storm_of_actions_keeps_every_step_in_the_transition_table():
    """Eight sessions (legal card and RA) fire random actions at one card at once, several rounds: each
    action either wins or is refused with 409, and the audit trail replays through the table exactly."""
    import random

    from eport.cards import transitions

    ra, legal, card = _legal_and_operator()
    rng = random.Random(7)
    actions = ["report-lost", "cancel-lost", "freeze", "unfreeze"]
    for _round in range(4):
        calls = []
        for i in range(8):
            actor = ra if i % 3 == 0 else legal
            action = rng.choice(actions + (["void"] if _round == 3 and actor is ra else []))
            calls.append(lambda a=actor, x=action: card_act(actor=a, card_no=card.card_no, action=x))
        results = run_together(*calls)
        odd = [
            r
            for r in results
            if isinstance(r, BaseException) and not (isinstance(r, DomainError) and r.status in (403, 409))
        ]
        assert not odd, odd
    state = CardState.NORMAL
    events = AuditEvent.objects.filter(
        object_type="cards.card", object_id=str(card.pk), action__in=[f"card.{a}" for a in (*actions, "void")]
    ).order_by("id")
    for ev in events:
        move = transitions.move_for(ev.action.removeprefix("card."), ev.before["state"])
        assert ev.before["state"] == state and move is not None and ev.after["state"] == move.new_state, ev
        state = ev.after["state"]
    after = Card.objects.get(pk=card.pk)
    assert after.state == state and after.version == card.version + events.count()
    cert = Certificate.objects.get(pk=after.certificate_id).status
    expected = {CardState.NORMAL: CertStatus.GOOD, CardState.VOIDED: CertStatus.REVOKED}.get(
        state, CertStatus.HOLD
    )
    assert cert == expected


def test_ra_voids_while_the_enterprise_freezes_from_the_same_screen_exactly_one_wins():
    """Both looked at the same card (its version on their screens): one action lands, the other gets 409
    stale_version — even though the table would allow 作废 after 冻结."""
    ra, legal, card = _legal_and_operator()
    seen = card.version
    results = run_together(
        lambda: card_act(actor=legal, card_no=card.card_no, action="freeze", version=seen),
        lambda: card_act(actor=ra, card_no=card.card_no, action="void", version=seen),
    )
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (
        len(refused) == 1 and refused[0].status == 409 and refused[0].code in ("stale_version", "card_voided")
    )
    after = Card.objects.get(pk=card.pk)
    assert after.state in (CardState.FROZEN, CardState.VOIDED) and after.version == seen + 1
    assert (
        AuditEvent.objects.filter(object_id=str(card.pk), action__in=["card.freeze", "card.void"]).count()
        == 1
    )


def test_one_document_completed_twice_at_once_is_signed_once():
    """Two completions of one sign_id race: one signed PDF, one sign_id_used, one audit of the signing."""
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    from eport.cards.documents import document_complete, document_prepare
    from tests.sample_pdf import sample_pdf

    made = f.pin_changed(f.make_card())
    sign_id, to_sign = document_prepare(sample_pdf(), made.card)
    signature = base64.b64encode(f.card_key(made).sign(to_sign, ec.ECDSA(hashes.SHA256()))).decode()
    results = run_together(*[lambda: document_complete(sign_id, signature, made.card)] * 2)
    signed = [r for r in results if isinstance(r, bytes)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(signed) == 1 and len(refused) == 1 and refused[0].code == "sign_id_used", results
    assert AuditEvent.objects.filter(action="card.document_sign", object_id=str(made.card.pk)).count() == 1


def test_a_card_voided_while_its_document_completes_never_signs_after_the_void():
    """complete() and 作废 lock the card row: either the signature lands before the void, or it is refused."""
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    from eport.cards.documents import document_complete, document_prepare
    from tests.sample_pdf import sample_pdf

    ra = f.ra_officer()
    made = f.pin_changed(f.make_card(ra=ra))
    sign_id, to_sign = document_prepare(sample_pdf(), made.card)
    signature = base64.b64encode(f.card_key(made).sign(to_sign, ec.ECDSA(hashes.SHA256()))).decode()
    results = run_together(
        lambda: document_complete(sign_id, signature, made.card),
        lambda: card_act(actor=ra, card_no=made.card.card_no, action="void"),
    )
    assert not [r for r in results if isinstance(r, BaseException) and not isinstance(r, DomainError)], (
        results
    )
    signed = AuditEvent.objects.filter(action="card.document_sign", object_id=str(made.card.pk)).first()
    voided = AuditEvent.objects.get(action="card.void", object_id=str(made.card.pk))
    if signed is not None:
        assert signed.pk < voided.pk
    else:
        assert isinstance(results[0], DomainError) and results[0].code == "card_voided"
