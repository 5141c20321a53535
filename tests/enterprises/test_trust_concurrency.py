"""Trust races (PostgreSQL only: row locks, and the audit chain's head held to the commit, are what is tested)."""

import pytest
from django.db import connection

from eport.accounts.models import User
from eport.enterprises import trust
from eport.errors import DomainError
from tests import factories as f
from tests.applications.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locking is only meaningful on PostgreSQL"
    ),
]


def test_two_approvals_at_once_verify_exactly_one_and_never_deadlock():
    """Two sessions of the legal card approve two different pending accounts at the same moment: one is
    verified, the other (closed by the first) refused with 409 — no deadlock, no half state."""
    e = f.enterprise_in_network()
    legal = f.make_card("legal", e).card.user
    accounts = [f.cardless(uscc=e.uscc, verified=False) for _ in range(2)]
    for _ in range(3):
        User.objects.filter(pk__in=[a.pk for a in accounts]).update(
            verified_at=None, verified_by="", closed_at=None, closed_reason=""
        )
        results = run_together(
            *[lambda a=a: trust.account_approve(actor=legal, account_id=a.pk) for a in accounts]
        )
        lost = [r for r in results if isinstance(r, BaseException)]
        assert len(lost) == 1 and isinstance(lost[0], DomainError) and lost[0].status == 409, results
        states = sorted(trust.account_state(User.objects.get(pk=a.pk)) for a in accounts)
        assert states == ["closed", "verified"]
