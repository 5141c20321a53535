"""`eport demo`: accounts and demo cards whose files really sign in; a second run changes nothing."""

import json

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from eport.cards.models import Card
from eport.cards.services import card_sign_in
from eport.ops.demo import create_demo
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_demo_cards_sign_in_and_demo_is_idempotent(data_dir):
    create_demo()
    cards = json.loads((data_dir / "demo_cards.json").read_text())
    assert [c["kind"] for c in cards] == ["法人卡", "操作员卡"]
    for c in cards:
        path = data_dir / "demo-cards" / ("legal.p12" if c["kind"] == "法人卡" else "operator.p12")
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        key, _cert, _chain = pkcs12.load_key_and_certificates(path.read_bytes(), c["initial_pin"].encode())

        class Made:
            card = Card.objects.get(card_no=c["card_no"])
            initial_pin = c["initial_pin"]
        proof = f.card_proof(Made, key)
        assert card_sign_in(card_no=c["card_no"], pin=c["initial_pin"], **proof).must_change_pin
    before = Card.objects.count()
    create_demo()
    assert Card.objects.count() == before
    assert json.loads((data_dir / "demo_cards.json").read_text()) == cards
