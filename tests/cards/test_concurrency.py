"""Cards under concurrent use (PostgreSQL only: the card row lock is what these tests are about)."""

import pytest
from django.db import connection

from eport.audit.models import AuditEvent
from eport.cards import services
from eport.cards.models import Card, CardState
from eport.errors import DomainError
from eport.pki.models import Certificate, CertStatus
from tests import factories as f
from tests.applications.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locking is only meaningful on PostgreSQL"),
]


def test_ra_voiding_while_the_legal_card_freezes_one_wins():
    ra = f.ra_officer()
    e = f.enterprise_in_network()
    legal, op = f.make_card("legal", e, ra=ra), f.make_card("operator", e, ra=ra)
    no = op.card.card_no
    results = run_together(
        lambda: services.card_act(actor=legal.card.user, card_no=no, action="freeze"),
        lambda: services.card_act(actor=ra, card_no=no, action="void"),
    )
    assert not [r for r in results if isinstance(r, BaseException) and not isinstance(r, DomainError)], results
    card = Card.objects.get(card_no=no)
    assert card.state == CardState.VOIDED  # either order ends voided: void is allowed from frozen
    assert Certificate.objects.get(pk=card.certificate_id).status == CertStatus.REVOKED
    assert AuditEvent.objects.filter(action="card.void", object_id=str(card.pk)).count() == 1


def test_two_freezes_at_once_exactly_one_wins_the_other_409():
    ra = f.ra_officer()
    made = f.make_card(ra=ra)
    results = run_together(*[lambda: services.card_act(actor=ra, card_no=made.card.card_no, action="freeze")] * 2)
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and refused[0].status == 409 and refused[0].code == "state_conflict"
    assert Card.objects.get(pk=made.card.pk).version == made.card.version + 1


def test_concurrent_wrong_pins_are_all_counted(settings):
    settings.CARD_PIN_LIMIT = 5
    made = f.make_card()
    key = f.card_key(made)
    proofs = [f.card_proof(made, key) for _ in range(4)]
    results = run_together(*[
        (lambda p=p: services.card_sign_in(card_no=made.card.card_no, pin="00000000", **p)) for p in proofs])
    assert all(isinstance(r, DomainError) and r.code == "pin_wrong" for r in results), results
    card = Card.objects.get(pk=made.card.pk)
    assert card.pin_failures == 4 and not card.pin_locked


def test_one_challenge_answered_twice_at_once_signs_in_once():
    made = f.make_card()
    proof = f.card_proof(made)
    results = run_together(*[lambda: services.card_sign_in(card_no=made.card.card_no, pin=made.initial_pin,
                                                           **proof)] * 2)
    codes = sorted(getattr(r, "code", "ok") for r in results)
    assert codes == ["challenge_replayed", "ok"], results


def test_two_sub_centre_officers_make_the_same_legal_card_at_once():
    e = f.enterprise_in_network()
    officers = [f.ra_officer(), f.ra_officer()]
    results = run_together(*[
        (lambda o=o: services.card_make(actor=o, kind="legal", enterprise_uscc=e.uscc)) for o in officers])
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and refused[0].code == "legal_card_exists" and refused[0].status == 409
    assert Card.objects.filter(enterprise=e).count() == 1
