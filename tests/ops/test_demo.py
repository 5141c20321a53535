"""`eport demo`: accounts and demo cards whose files really sign in; a second run changes nothing."""

import json

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from eport.cards.models import Card
from eport.cards.signin import card_sign_in
from eport.customs_registration.selectors import reminders
from eport.delegations.models import Broker
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
    assert [c["kind"] for c in cards] == ["legal", "operator"]  # codes, named in the reader's language
    for c in cards:
        kind = c["kind"]
        path, password = (data_dir / "demo-cards" / f"{kind}{ext}" for ext in (".p12", ".password"))
        assert oct(path.stat().st_mode & 0o777) == oct(password.stat().st_mode & 0o777) == "0o600"
        # The file opens with its card file password (what scripts/run gives the agent), never the PIN.
        assert password.read_text() == c["card_file_password"] != c["initial_pin"]
        key, _cert, _chain = pkcs12.load_key_and_certificates(path.read_bytes(), password.read_bytes())
        with pytest.raises(ValueError):
            pkcs12.load_key_and_certificates(path.read_bytes(), c["initial_pin"].encode())

        class Made:
            card = Card.objects.get(card_no=c["card_no"])
            initial_pin = c["initial_pin"]

        proof = f.card_proof(Made, key)
        assert card_sign_in(card_no=c["card_no"], pin=c["initial_pin"], **proof).must_change_pin
    before = Card.objects.count()
    create_demo()
    assert Card.objects.count() == before
    assert json.loads((data_dir / "demo_cards.json").read_text()) == cards


def test_demo_enterprise_is_filed_through_the_engine(data_dir):
    """Its filings went through the kinds (applications approved, steps recorded), and each card's menu
    shows exactly the subsystems its permission applications granted."""
    from eport.accounts.models import User
    from eport.applications.models import Application
    from eport.cards.selectors import card_may, card_subsystems
    from eport.filings.models import EnterpriseFiling

    create_demo()
    legal = Card.objects.get(kind="legal", enterprise__name="深圳市南山示范进出口有限公司")
    e = legal.enterprise
    assert set(EnterpriseFiling.objects.filter(enterprise=e).values_list("filing", flat=True)) == {
        "commerce",
        "customs",
        "forex",
    }
    kinds = set(Application.objects.filter(enterprise=e, status="APPROVED").values_list("kind", flat=True))
    assert {
        "commerce_filing",
        "customs_filing",
        "forex_filing",
        "card_customs_filing",
        "card_forex_filing",
        "card_permission",
    } <= kinds
    operator = Card.objects.get(kind="operator", enterprise=e)
    assert {s["code"] for s in card_subsystems(operator) if s["enabled"]} == {
        "paperless_delegation",
        "paperless_documents",
        "export_receipt",
        "enterprise_mgmt",
        "express",
    }
    assert {s["code"] for s in card_subsystems(legal) if s["enabled"]} == {
        "paperless_signing",
        "paperless_delegation",
        "paperless_documents",
        "processing_trade",
        "enterprise_mgmt",
    }
    # 海关企业管理: the registration ends within 90 days, so the cards see the 报关有效期提醒 after sign-in
    assert "registration_expiring" in [r["code"] for r in reminders(legal)]
    assert User.objects.get(username="qiguan_sz").unit_id == "customs:5300"
    # 报关单录入 and 报关申报 within 随附单据; an approved broker to delegate to (深圳报关协会 approved it)
    assert card_may(operator, "paperless_documents", "entry") and card_may(
        operator, "paperless_documents", "declare"
    )
    broker = Broker.objects.get(customs_code="5300980001")
    assert broker.application.status == "APPROVED" and broker.unit_id == "assoc:5300"
    count = Application.objects.count()
    create_demo()
    assert Application.objects.count() == count


def test_demo_express_declarations_to_try(data_dir):
    """快件通关: the operator card uploaded an import (with its 舱单) and an export; customs_sz released one,
    returned one, and one waits in its queue. A second run adds nothing."""
    from eport.accounts.models import User
    from eport.express import selectors
    from eport.express.models import Declaration, ManifestLine

    create_demo()
    states = sorted(Declaration.objects.values_list("direction", "state"))
    assert states == [("E", "received"), ("I", "received"), ("I", "released"), ("I", "returned")]
    assert ManifestLine.objects.count() == 3
    assert selectors.customs_queue(User.objects.get(username="customs_sz")).count() == 2
    create_demo()
    assert Declaration.objects.count() == 4


def test_the_demo_operator_card_has_export_receipt_forms_in_every_state(data_dir):
    from eport.export_receipts.models import FormRequest, ReceiptForm

    create_demo()
    e = Card.objects.get(kind="operator", enterprise__name="深圳市南山示范进出口有限公司").enterprise
    states = sorted(ReceiptForm.objects.filter(enterprise=e).values_list("state", flat=True))
    assert states == sorted(["issued", "filed", "declared", "handed_in", "written_off", "lost"])
    assert sorted(FormRequest.objects.filter(enterprise=e).values_list("state", flat=True)) == [
        "issued",
        "requested",
    ]
    create_demo()
    assert ReceiptForm.objects.filter(enterprise=e).count() == 6
