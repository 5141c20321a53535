import pytest

from eport.accounts.models import UserKind
from eport.applications import selectors
from eport.pagination import paginate
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_deferred_join_pages_like_the_plain_query():
    for _ in range(5):
        f.submitted_entry(f.cardless())
    province = f.staff(UserKind.REVIEWER, "aic:440000")
    qs = selectors.review_queue(province, status="pending")
    for page in (1, 2, 3):
        plain = paginate(qs, page, 2)
        deferred = paginate(qs, page, 2, deferred_join=True)
        assert [s.pk for s in plain[0]] == [s.pk for s in deferred[0]] and plain[1] == deferred[1] == 5
    assert deferred[0][0].application.enterprise.name  # the joins still come with the rows
