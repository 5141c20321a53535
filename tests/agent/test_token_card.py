"""The card agent on a PKCS#11 token (SoftHSM2): the key stays on the token, signing happens there."""

import base64
import datetime
import shutil
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .conftest import agent_env, make_card

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "123456"
PREFIX = b"eport-card-challenge:v1:"

# Stores a certificate object on a token; run in a child process so this test process never loads the
# module (python-pkcs11 keeps one initialised instance per module for the life of the process).
STORE_CERT = textwrap.dedent("""
    import sys
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    module, label, pin, pem = sys.argv[1:]
    cert = x509.load_pem_x509_certificate(open(pem, "rb").read())
    token = pkcs11.lib(module).get_token(token_label=label)
    with token.open(rw=True, user_pin=pin) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True,
            Attribute.ID: b"\\x01",
            Attribute.LABEL: "cardcert",
            Attribute.SUBJECT: cert.subject.public_bytes(),
            Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
        })
""")


def _softhsm(*args, env):
    result = subprocess.run(
        ["softhsm2-util", *map(str, args)], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def tokens(ca, tmp_path_factory):
    """Two SoftHSM2 tokens: "card" with the card key and certificate, "nocert" with a key only."""
    if not shutil.which("softhsm2-util") or not Path(MODULE).exists():
        pytest.skip(f"SoftHSM2 is not installed (softhsm2-util and {MODULE})")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    env = agent_env(SOFTHSM2_CONF=str(conf))
    cards = {}
    for label in ("card", "nocert"):
        card = cards[label] = make_card(folder / label, ca, card_no=f"880000000000010{len(cards)}")
        _softhsm("--init-token", "--free", "--label", label, "--so-pin", "87654321", "--pin", PIN, env=env)
        _softhsm(
            "--import",
            card.key_pem,
            "--token",
            label,
            "--label",
            f"{label}key",
            "--id",
            "01",
            "--pin",
            PIN,
            env=env,
        )
    store = subprocess.run(
        [sys.executable, "-c", STORE_CERT, MODULE, "card", PIN, cards["card"].cert_pem],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert store.returncode == 0, store.stderr
    return env["SOFTHSM2_CONF"], cards


def token_args(label, *extra):
    return ["--pkcs11-module", MODULE, "--token-label", label, *extra]


def check_agent(agent, card):
    info = agent.call("GET", "/card").json()
    assert info["card_no"] == card.card_no == agent.card_no
    assert info["certificate"] == card.certificate.public_bytes(serialization.Encoding.PEM).decode()
    challenge = PREFIX + b"token-test-0123456789"
    resp = agent.call("POST", "/sign", {"nonce": base64.b64encode(challenge).decode()})
    assert resp.status == 200, resp.body
    assert resp.json()["card_no"] == card.card_no
    signature = base64.b64decode(resp.json()["signature"])
    card.certificate.public_key().verify(signature, challenge, ec.ECDSA(hashes.SHA256()))
    assert agent.call("POST", "/sign", {"nonce": base64.b64encode(b"not a challenge").decode()}).status == 400


def test_token_with_certificate(tokens, launch):
    conf, cards = tokens
    agent = launch(token_args("card"), SOFTHSM2_CONF=conf, EPORT_TOKEN_PIN=PIN)
    check_agent(agent, cards["card"])


def test_token_signs_concurrent_requests(tokens, launch):
    """One PKCS#11 session serves the threaded server; requests in parallel all get valid signatures."""
    conf, cards = tokens
    agent = launch(token_args("card"), SOFTHSM2_CONF=conf, EPORT_TOKEN_PIN=PIN)
    challenges = [PREFIX + b"parallel-%d" % i for i in range(16)]

    def sign(challenge):
        return agent.call("POST", "/sign", {"nonce": base64.b64encode(challenge).decode()})

    with ThreadPoolExecutor(max_workers=8) as pool:
        for challenge, resp in zip(challenges, pool.map(sign, challenges), strict=True):
            assert resp.status == 200, resp.body
            cards["card"].certificate.public_key().verify(
                base64.b64decode(resp.json()["signature"]), challenge, ec.ECDSA(hashes.SHA256())
            )


def test_token_key_by_label_and_pin_file(tokens, launch, tmp_path):
    conf, cards = tokens
    pin_file = tmp_path / "pin"
    pin_file.write_text(PIN + "\n")
    agent = launch(token_args("card", "--key-label", "cardkey", "--pin-file", pin_file), SOFTHSM2_CONF=conf)
    check_agent(agent, cards["card"])


def test_token_without_certificate_uses_cert_file(tokens, launch, run_agent):
    conf, cards = tokens
    result = run_agent(token_args("nocert"), SOFTHSM2_CONF=conf, EPORT_TOKEN_PIN=PIN)
    assert result.returncode == 2 and "--cert" in result.stderr and "Traceback" not in result.stderr

    agent = launch(
        token_args("nocert", "--cert", cards["nocert"].cert_pem), SOFTHSM2_CONF=conf, EPORT_TOKEN_PIN=PIN
    )
    check_agent(agent, cards["nocert"])

    # a certificate of another key is caught by the start-up self-test
    result = run_agent(
        token_args("nocert", "--cert", cards["card"].cert_pem), SOFTHSM2_CONF=conf, EPORT_TOKEN_PIN=PIN
    )
    assert result.returncode == 2
    assert "does not match" in result.stderr and "Traceback" not in result.stderr


def test_token_failures(tokens, run_agent):
    conf, _ = tokens
    cases = [
        (token_args("card"), "999999", "wrong token PIN"),
        (token_args("missing"), PIN, "token not found"),
        (token_args("card", "--key-label", "nokey"), PIN, "no EC private key"),
        (
            ["--pkcs11-module", "/nonexistent/libnothing.so", "--token-label", "card"],
            PIN,
            "cannot load the PKCS#11 module",
        ),
    ]
    for args, pin, message in cases:
        result = run_agent(args, SOFTHSM2_CONF=conf, EPORT_TOKEN_PIN=pin)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_token_signs_documents(tokens, launch):
    """A PKCS#11 token signs document attributes as the card file does, and refuses what is not them."""
    import hashlib

    from eport.pki.documents import signed_attrs_build

    conf, cards = tokens
    agent = launch(token_args("card"), SOFTHSM2_CONF=conf, EPORT_TOKEN_PIN=PIN)
    card = cards["card"]
    der = signed_attrs_build(
        hashlib.sha256(b"doc").digest(), card.certificate, datetime.datetime.now(datetime.UTC)
    )
    resp = agent.call("POST", "/sign-document", {"signed_attrs": base64.b64encode(der).decode()})
    assert resp.status == 200, resp.body
    card.certificate.public_key().verify(
        base64.b64decode(resp.json()["signature"]), der, ec.ECDSA(hashes.SHA256())
    )
    challenge = PREFIX + b"token-test-0123456789"
    resp = agent.call("POST", "/sign-document", {"signed_attrs": base64.b64encode(challenge).decode()})
    assert resp.status == 400 and resp.json()["error"]["code"] == "not_signed_attributes"
    assert "signed document digest=" in agent.stderr()
