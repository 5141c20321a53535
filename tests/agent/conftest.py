"""The card agent runs as a real subprocess (``eport-card-agent --port 0``) on throwaway test cards."""

import datetime
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from tests.agent_process import AGENT, Agent, Response, agent_env, start_agent  # noqa: F401 (tests import them from here)

CARD_PASSWORD = "12345678"
CARD_NO = "8800000000000001"
ENTERPRISE = "深圳示例贸易有限公司"
USCC = "91440300MA5DDEM15K"
HOLDER = "张三"
PORTAL = "http://127.0.0.1:8000"
CHALLENGE_PREFIX = b"eport-card-challenge:v1:"


@dataclass
class Card:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    p12: Path
    cert_pem: Path
    key_pem: Path  # unencrypted PKCS#8, for importing into a token
    password: str
    card_no: str


def _name(*pairs):
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs])


def make_ca():
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(
        (NameOID.COUNTRY_NAME, "CN"),
        (NameOID.ORGANIZATION_NAME, "Test E-Port CA"),
        (NameOID.COMMON_NAME, "Test E-Port Card CA"),
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_card(
    folder: Path, ca, *, card_no=CARD_NO, kind="operator", password=CARD_PASSWORD, key=None
) -> Card:
    """A card certificate with the E-Port subject, and its PKCS#12 card file (key, card cert, CA chain)."""
    ca_key, ca_cert = ca
    key = key or ec.generate_private_key(ec.SECP256R1())
    pairs = [
        (NameOID.COUNTRY_NAME, "CN"),
        (NameOID.ORGANIZATION_NAME, ENTERPRISE),
        (NameOID.ORGANIZATION_IDENTIFIER, USCC),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, kind),
        (NameOID.COMMON_NAME, HOLDER),
    ]
    if card_no:
        pairs.append((NameOID.SERIAL_NUMBER, card_no))
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(*pairs))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=730))
        .sign(ca_key, hashes.SHA256())
    )
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode())
    )
    folder.mkdir(parents=True, exist_ok=True)
    p12 = folder / "card.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"card", key, cert, [ca_cert], encryption))
    cert_pem = folder / "card.pem"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem = folder / "key.pem"
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return Card(key, cert, p12, cert_pem, key_pem, password, card_no)


@pytest.fixture(scope="session")
def ca():
    return make_ca()


@pytest.fixture(scope="session")
def card(ca, tmp_path_factory) -> Card:
    return make_card(tmp_path_factory.mktemp("card"), ca)


# --- the agent process ---------------------------------------------------------------------------------


@pytest.fixture
def run_agent():
    """``run_agent(args, **env)`` runs an agent that is expected not to start: its exit status and output."""

    def run(args, **env) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(AGENT), "--port", "0", *map(str, args)],
            env=agent_env(**env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=20,
            start_new_session=True,
        )

    return run


@pytest.fixture
def launch(tmp_path):
    """``launch(args, **env)`` starts an agent that is stopped (and must exit 0) after the test."""
    agents = []

    def launch(args, **env):
        agent = start_agent(args, agent_env(**env), tmp_path / f"agent{len(agents)}.err")
        agents.append(agent)
        return agent

    yield launch
    for agent in agents:
        assert agent.stop() == 0, agent.stderr()


@pytest.fixture(scope="module")
def file_agent(card, tmp_path_factory):
    """One agent on the test card file for a whole module, with the default portal origins."""
    agent = start_agent(
        ["--card", card.p12],
        agent_env(EPORT_CARD_PASSWORD=card.password),
        tmp_path_factory.mktemp("agent") / "agent.err",
    )
    yield agent
    assert agent.stop() == 0, agent.stderr()
