import pytest

from eport.agreements.models import Agreement
from tests.agreements.helpers import approve, customs_reviewer, sign_via_api, signing_card

pytestmark = pytest.mark.django_db


def test_smoke():
    made, key, api = signing_card()
    body = sign_via_api(api, key, ["5300", "0100"])
    assert [i["customs"] for i in body["items"]] == ["0100", "5300"], body
    assert {i["state"] for i in body["items"]} == {"RECEIVED"}, body
    a = Agreement.objects.get(customs="5300")
    approve(a, customs_reviewer())
    a.refresh_from_db()
    assert a.state == "APPROVED"
