"""Two 签约 of one 关区 at once (PostgreSQL: the partial unique index under real concurrency): one
agreement, one clean 409 — never a 500, never two live agreements."""

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection

from eport.agreements.models import Agreement
from eport.agreements.services import agreement_prepare, agreement_sign
from eport.applications.models import Application
from eport.errors import DomainError
from tests.agreements.helpers import signing_card
from tests.applications.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the race is only meaningful on PostgreSQL"),
]


def _signature(key, to_sign: bytes) -> bytes:
    return key.sign(to_sign, ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize("second", [["5300"], ["0100", "5300"]])
def test_two_signings_of_one_customs_at_once_make_one_agreement(second):
    made, key, _api = signing_card()
    user = made.card.user
    prepared = [agreement_prepare(user, ["5300"]), agreement_prepare(user, second)]
    results = run_together(
        *[(lambda p=p: agreement_sign(user, p[0], _signature(key, p[1]))) for p in prepared]
    )
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1, results
    assert isinstance(refused[0], DomainError), refused
    assert refused[0].status == 409 and refused[0].code == "agreement_exists"
    assert "该关区已签约" in refused[0].message
    assert Agreement.objects.filter(customs="5300").count() == 1
    # the winner's 关区 all signed; the loser's whole signing undone (no 0100 when it lost asking for both)
    [won] = [r for r in results if not isinstance(r, BaseException)]
    assert sorted(Agreement.objects.values_list("customs", flat=True)) == [a.customs for a in won]
    assert Application.objects.filter(kind="paperless_agreement").count() == Agreement.objects.count()
