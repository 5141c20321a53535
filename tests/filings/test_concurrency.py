"""Filing races (PostgreSQL only: the row locks and the partial unique index are what is tested)."""

import pytest
from django.db import connection

from eport.applications import services
from eport.applications.models import Application, Status
from eport.errors import DomainError
from eport.filings.models import EnterpriseFiling
from tests import factories as f
from tests.applications.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locking is only meaningful on PostgreSQL"
    ),
]


def file(actor, kind, data):
    app = services.application_create(actor=actor, kind=kind, data=data)
    return services.application_submit(actor=actor, application_id=app.id)


def test_the_cardless_user_and_the_legal_card_file_commerce_at_once_filed_exactly_once():
    made = f.make_card("legal", f.enterprise_in_network())
    e = made.card.enterprise
    cardless = f.cardless(uscc=e.uscc)
    results = run_together(
        lambda: file(cardless, "commerce_filing", {"authority": "440300"}),
        lambda: file(made.card.user, "commerce_filing", {"authority": "440000"}),
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], DomainError) and lost[0].status == 409, lost
    assert EnterpriseFiling.objects.filter(enterprise=e, filing="commerce").count() == 1
    assert (
        Application.objects.filter(enterprise=e, kind="commerce_filing", status=Status.APPROVED).count() == 1
    )
    # When the two did not overlap (the first filed before the second was created), the loser was refused at
    # 申报 and keeps its own draft; nothing else is left open.
    assert not Application.objects.filter(enterprise=e, kind="commerce_filing").exclude(
        status__in=[Status.APPROVED, Status.DRAFT]
    )
