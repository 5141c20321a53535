"""The card agent on a card file as 制卡 hands it out: it opens with the card file password (from
--password-file, as scripts/run starts it), not with the PIN, and its signature signs the card in."""

import pytest

from eport.cards.challenges import challenge_issue
from eport.cards.signin import card_sign_in
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(tmp_path):
    made = f.make_card("legal")
    (tmp_path / "card.p12").write_bytes(made.card_file)
    return made


def test_the_agent_opens_a_made_card_with_its_card_file_password_and_signs_in(made, launch, tmp_path):
    password_file = tmp_path / "card.password"
    password_file.write_text(made.card_file_password + "\n")
    agent = launch(["--card", tmp_path / "card.p12", "--password-file", password_file])
    assert agent.card_no == made.card.card_no
    challenge = challenge_issue(made.card.card_no)
    signed = agent.call("POST", "/sign", {"nonce": challenge["nonce"]})
    assert signed.status == 200, signed.body
    card = card_sign_in(
        card_no=made.card.card_no,
        pin=made.initial_pin,
        challenge_id=challenge["challenge_id"],
        signature=signed.json()["signature"],
    )
    assert card.must_change_pin


def test_the_pin_does_not_open_the_card_file(made, run_agent, tmp_path):
    pin_file = tmp_path / "card.pin"
    pin_file.write_text(made.initial_pin + "\n")
    result = run_agent(["--card", tmp_path / "card.p12", "--password-file", pin_file])
    assert result.returncode == 2 and "wrong card file password" in result.stderr
    assert "卡文件密码" in result.stderr and "Traceback" not in result.stderr


def test_the_card_file_password_may_be_typed_in_lower_case_without_dashes(made, launch, tmp_path):
    typed = made.card_file_password.replace("-", " ", 2).replace("-", "").lower()
    agent = launch(["--card", tmp_path / "card.p12"], EPORT_CARD_PASSWORD=f"  {typed} ")
    assert agent.call("GET", "/card").json()["card_no"] == made.card.card_no


def test_the_agent_signs_a_document_the_server_prepared(made, launch, tmp_path):
    """End to end: prepare on the server, the made card's agent signs the attributes, the server embeds;
    the agent's signature of that document is no sign-in proof, and a sign-in signature completes nothing."""
    import base64

    from eport.cards.documents import document_complete, document_prepare
    from eport.cards.proof import CardRefused
    from eport.pki.documents import embedded_signature
    from tests.sample_pdf import sample_pdf

    password_file = tmp_path / "card.password"
    password_file.write_text(made.card_file_password + "\n")
    agent = launch(["--card", tmp_path / "card.p12", "--password-file", password_file])
    sign_id, to_sign = document_prepare(sample_pdf(), made.card, purpose="paperless_agreement")
    signed = agent.call("POST", "/sign-document", {"signed_attrs": base64.b64encode(to_sign).decode()})
    assert signed.status == 200, signed.body
    pdf = document_complete(sign_id, signed.json()["signature"], made.card)
    assert embedded_signature(pdf)[0]

    # the document signature offered as a sign-in proof: refused
    challenge = challenge_issue(made.card.card_no)
    with pytest.raises(CardRefused) as e:
        card_sign_in(
            card_no=made.card.card_no,
            pin=made.initial_pin,
            challenge_id=challenge["challenge_id"],
            signature=signed.json()["signature"],
        )
    assert e.value.code == "signature_invalid"
    # a sign-in signature offered to complete a document: refused
    sign_id, _to_sign = document_prepare(sample_pdf(), made.card)
    login = agent.call("POST", "/sign", {"nonce": challenge_issue(made.card.card_no)["nonce"]})
    with pytest.raises(CardRefused) as e:
        document_complete(sign_id, login.json()["signature"], made.card)
    assert e.value.code == "signature_invalid"
