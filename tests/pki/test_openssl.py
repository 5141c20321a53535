"""The `openssl` command-line tool accepts what we publish, fetched from a live server: the CA chain,
the card file, the CRL, and the OCSP responder (what a customs or bank subsystem would check with)."""

import shutil
import subprocess
import urllib.request
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from django.conf import settings

from eport.cards.actions import card_act
from tests import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed"),
]


def openssl(*args, ok: bool = True) -> str:
    """Run openssl; stdout and stderr together (openssl writes verdicts to either)."""
    p = subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True, timeout=30)
    out = p.stdout + p.stderr
    if ok:
        assert p.returncode == 0, out
    return out


def fetch(url: str, path):
    with urllib.request.urlopen(url, timeout=10) as r:
        path.write_bytes(r.read())
    return path


class Site:
    """The live server's published files, downloaded into tmp_path."""

    def __init__(self, base: str, tmp_path):
        self.base, self.tmp = base, tmp_path
        host = urlsplit(base)
        self.ocsp_url = f"http://127.0.0.1:{host.port}/pki/ocsp"
        self.ca = fetch(base + "/pki/ca.pem", tmp_path / "ca.pem")
        issuing_der = fetch(base + "/pki/issuing.cer", tmp_path / "issuing.cer")
        self.issuing = tmp_path / "issuing.pem"
        openssl("x509", "-inform", "DER", "-in", issuing_der, "-out", self.issuing)

    def crl_der(self):
        return fetch(self.base + "/pki/crl.der", self.tmp / "crl.der")

    def crl_pem(self):
        return fetch(self.base + "/pki/crl.pem", self.tmp / "crl.pem")

    def card_pem(self, made, name: str):
        """The card certificate as openssl takes it out of the card file with its card file password."""
        p12 = self.tmp / f"{name}.p12"
        p12.write_bytes(made.card_file)
        pem = self.tmp / f"{name}.pem"
        openssl(
            "pkcs12",
            "-in",
            p12,
            "-passin",
            f"pass:{made.card_file_password}",
            "-nokeys",
            "-clcerts",
            "-out",
            pem,
        )
        return pem

    def ocsp(self, cert_pem, issuer=None) -> str:
        return openssl(
            "ocsp",
            "-issuer",
            issuer or self.issuing,
            "-cert",
            cert_pem,
            "-url",
            self.ocsp_url,
            "-CAfile",
            self.ca,
            "-timeout",
            10,
        )


@pytest.fixture
def site(live_server, settings, tmp_path):
    settings.PUBLIC_URL = live_server.url  # the CRL and OCSP addresses written into new certificates
    return Site(live_server.url, tmp_path)


@pytest.fixture
def ra():
    return f.ra_officer()


def act(ra, made, action, **kw):
    card_act(actor=ra, card_no=made.card.card_no, action=action, **kw)


def hex_serial(made) -> str:
    """The serial as `openssl crl -text` prints it: upper-case hex, even number of digits."""
    s = format(made.card.certificate.serial_int, "X")
    return s.rjust(len(s) + len(s) % 2, "0")


def test_openssl_verifies_the_card_certificate_and_opens_the_card_file(site, ra, tmp_path):
    made = f.make_card("legal", ra=ra)
    pem = site.card_pem(made, "card")
    assert x509.load_pem_x509_certificate(pem.read_bytes()).serial_number == made.card.certificate.serial_int
    assert openssl("verify", "-CAfile", site.ca, pem).strip() == f"{pem}: OK"
    # The same certificate from the database row (what the RA screens show) verifies too.
    der = tmp_path / "row.der"
    der.write_bytes(bytes(made.card.certificate.der))
    row = tmp_path / "row.pem"
    openssl("x509", "-inform", "DER", "-in", der, "-out", row)
    assert openssl("verify", "-purpose", "sslclient", "-CAfile", site.ca, row).strip() == f"{row}: OK"

    # Sealed under its own card file password (PBES2 AES-256-CBC, SHA-256 MAC), never under the PIN.
    p12 = tmp_path / "card.p12"
    password = tmp_path / "card.password"
    password.write_text(made.card_file_password + "\n")
    info = openssl("pkcs12", "-in", p12, "-passin", f"file:{password}", "-info", "-noout")
    assert "MAC: sha256, Iteration 2048" in info  # cryptography's fixed MAC count
    rounds = settings.CARD_FILE_KDF_ROUNDS
    assert (
        info.count(f"PBES2, PBKDF2, AES-256-CBC, Iteration {rounds}, PRF hmacWithSHA256") == 2
    )  # key and certificates
    keys = openssl("pkcs12", "-in", p12, "-passin", f"pass:{made.card_file_password}", "-nocerts", "-nodes")
    assert "-----BEGIN PRIVATE KEY-----" in keys
    for wrong in (made.initial_pin, "00000000"):
        refused = openssl("pkcs12", "-in", p12, "-passin", f"pass:{wrong}", "-nokeys", ok=False)
        assert "Mac verify error: invalid password?" in refused
    # The card file carries the chain: openssl can verify with what is inside it.
    chain = tmp_path / "chain.pem"
    openssl(
        "pkcs12",
        "-in",
        p12,
        "-passin",
        f"pass:{made.card_file_password}",
        "-nokeys",
        "-cacerts",
        "-out",
        chain,
    )
    assert openssl("verify", "-CAfile", chain, pem).strip() == f"{pem}: OK"


def test_openssl_reads_and_verifies_the_crl(site, ra):
    held, voided, good = (f.make_card("legal", ra=ra) for _ in range(3))
    act(ra, held, "report-lost")
    act(ra, voided, "void", reason="key_compromise")
    text = openssl("crl", "-inform", "DER", "-in", site.crl_der(), "-text", "-noout")
    assert "Issuer: C = CN, O = E-Port Identity Authentication System, CN = E-Port Card Issuing CA" in text
    entries = {}
    for block in text.split("Serial Number: ")[1:]:
        serial, _, rest = block.partition("\n")
        entries[serial.strip()] = rest
    assert "X509v3 CRL Reason Code:" in entries[hex_serial(held)]
    assert "Certificate Hold" in entries[hex_serial(held)]
    assert "Key Compromise" in entries[hex_serial(voided)]
    assert hex_serial(good) not in entries
    assert "verify OK" in openssl(
        "crl", "-inform", "DER", "-in", site.crl_der(), "-CAfile", site.ca, "-noout"
    )

    crl = site.crl_pem()
    good_pem, voided_pem = site.card_pem(good, "good"), site.card_pem(voided, "voided")
    ok = openssl("verify", "-crl_check", "-CRLfile", crl, "-CAfile", site.ca, good_pem)
    assert ok.strip() == f"{good_pem}: OK"
    for refused_pem in (voided_pem, site.card_pem(held, "held")):  # a hold is refused like a revocation
        refused = openssl("verify", "-crl_check", "-CRLfile", crl, "-CAfile", site.ca, refused_pem, ok=False)
        assert "error 23 at 0 depth lookup: certificate revoked" in refused
        assert f"{refused_pem}: verification failed" in refused


@pytest.mark.parametrize("issuer", ["issuing.pem", "ca.pem"])
def test_openssl_ocsp_follows_the_card(site, ra, tmp_path, issuer):
    made = f.make_card("legal", ra=ra)
    pem = site.card_pem(made, "card")
    issuer = tmp_path / issuer

    def ask():
        out = site.ocsp(pem, issuer)
        assert "Response verify OK" in out, out
        return out

    assert f"{pem}: good" in ask()
    act(ra, made, "freeze")
    out = ask()
    assert f"{pem}: revoked" in out and "Reason: certificateHold" in out
    act(ra, made, "unfreeze")
    assert f"{pem}: good" in ask()
    act(ra, made, "report-lost")
    assert "Reason: certificateHold" in ask()
    act(ra, made, "void", reason="key_compromise")
    out = ask()
    assert f"{pem}: revoked" in out and "Reason: keyCompromise" in out


def test_openssl_reads_the_delta_crl(site, ra):
    made = f.make_card("legal", ra=ra)
    act(ra, made, "report-lost")
    act(ra, made, "cancel-lost")
    delta = fetch(site.base + "/pki/delta-crl.der", site.tmp / "delta.der")
    text = openssl("crl", "-inform", "DER", "-in", delta, "-text", "-noout")
    assert "X509v3 Delta CRL Indicator: critical" in text
    entry = text.split(f"Serial Number: {hex_serial(made)}")[1].split("Serial Number:")[0]
    assert "Remove From CRL" in entry
    assert "verify OK" in openssl("crl", "-inform", "DER", "-in", delta, "-CAfile", site.ca, "-noout")
    full = openssl("crl", "-inform", "DER", "-in", site.crl_der(), "-text", "-noout")
    assert hex_serial(made) not in full and "Freshest CRL" in full


def test_openssl_ocsp_follows_the_legal_cards_self_service(site, ra):
    """IC卡自主管理: the enterprise's legal card reports its operator card lost over the API; openssl ocsp
    answers revoked (certificateHold) at once, and good again after 解挂."""
    from tests.api.helpers import Api

    e = f.enterprise_in_network()
    legal = f.make_card("legal", e, ra=ra)
    from eport.cards.models import Card

    Card.objects.filter(pk=legal.card.pk).update(must_change_pin=False)
    op = f.make_card("operator", e, ra=ra)
    pem = site.card_pem(op, "operator")
    api = Api(legal.card.user)
    assert f"{pem}: good" in site.ocsp(pem)
    assert api.post(f"/cards/{op.card.card_no}/report-lost").status_code == 200
    out = site.ocsp(pem)
    assert "Response verify OK" in out and f"{pem}: revoked" in out and "Reason: certificateHold" in out
    assert api.post(f"/cards/{op.card.card_no}/cancel-lost").status_code == 200
    out = site.ocsp(pem)
    assert "Response verify OK" in out and f"{pem}: good" in out
