"""Races of 快件通关 on PostgreSQL: a release and a 修改类别 of the same declaration at once end in one final
state and one 409 (either the release saw a changed version, or the change found it released); the same
分运单 uploaded twice at once is saved once."""

import pytest
from django.db import connection

from eport.express import services
from eport.express.models import Declaration, State
from tests.concurrency import outcomes
from tests.express.helpers import customs, import_body, operator

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent row locks: PostgreSQL"),
]


def _heads(body):
    return {k: body[k] for k in ("direction", "category", "waybill")}


def _rows(items):
    return list(enumerate(items, 1))


@pytest.mark.parametrize("round_", range(3))
def test_release_and_change_category_at_once(round_):
    made, _api = operator()
    officer, _c = customs()
    body = import_body(subs=("SF0001",))
    services.upload(made.card.user, _heads(body), _rows(body["declarations"]), _rows(body["manifest"]))
    d = Declaration.objects.get()
    results = outcomes(
        lambda: services.release(officer, d.pk, d.version),
        lambda: services.change_category(made.card.user, d.pk, "C"),
    )
    d.refresh_from_db()
    assert results in (["ok", "released"], ["ok", "stale"])
    if results == ["ok", "released"]:  # released first: the category stays
        assert d.state == State.RELEASED and d.category == "KJ2" and d.version == 1
    else:  # changed first: not released, waits for a review of the new version
        assert d.state == State.RECEIVED and d.category == "C" and d.version == 2


def test_the_same_upload_twice_at_once_is_saved_once():
    made, _api = operator()
    body = import_body(subs=("SF0001",))
    up = lambda: services.upload(  # noqa: E731
        made.card.user, _heads(body), _rows(body["declarations"]), _rows(body["manifest"])
    )
    results = outcomes(up, up)
    assert results in (["ok", "rows_invalid"],)
    assert Declaration.objects.count() == 1
