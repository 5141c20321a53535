"""The system CA: files and permissions, the two CA certificates, idempotent init, what card certificates
carry, `issued_by_us`, and the published CA certificates."""

import datetime as dt
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from eport.pki.ca import CaNotReady, ca_init, issue_end_entity, issued_by_us, issuing_ca
from tests import factories as f

FILES = ("root.pem", "root.key.pem", "issuing.pem", "issuing.key.pem", "passphrase")


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def tmp_ca(settings, tmp_path, monkeypatch):
    """A CA of its own under tmp_path; the session's CA is back in place (and reloaded) afterwards."""
    monkeypatch.delenv("EPORT_CA_PASSPHRASE", raising=False)  # the passphrase goes into a file
    settings.PKI_DIR = tmp_path / "pki"
    issuing_ca.cache_clear()
    issued_by_us.cache_clear()
    yield settings.PKI_DIR
    issuing_ca.cache_clear()
    issued_by_us.cache_clear()


@pytest.fixture
def new_ca(tmp_ca):
    assert ca_init() is True
    return tmp_ca


# --- files ---------------------------------------------------------------------------------------


def test_ca_files_are_private(new_ca):
    assert _mode(new_ca) == 0o700
    for name in FILES:
        assert (new_ca / name).is_file(), name
    for name in ("root.key.pem", "issuing.key.pem", "passphrase"):
        assert _mode(new_ca / name) == 0o600, name
    assert len((new_ca / "passphrase").read_bytes().strip()) >= 32


def test_key_files_are_encrypted_with_the_passphrase(new_ca):
    passphrase = (new_ca / "passphrase").read_bytes().strip()
    for name in ("root.key.pem", "issuing.key.pem"):
        pem = (new_ca / name).read_bytes()
        assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----"), name
        with pytest.raises(TypeError):  # "private key is encrypted"
            serialization.load_pem_private_key(pem, password=None)
        with pytest.raises(ValueError):
            serialization.load_pem_private_key(pem, password=b"not-the-passphrase")
        assert isinstance(
            serialization.load_pem_private_key(pem, password=passphrase), ec.EllipticCurvePrivateKey
        )


def test_passphrase_from_the_environment_is_used_and_not_written(tmp_ca, monkeypatch):
    monkeypatch.setenv("EPORT_CA_PASSPHRASE", "correct horse battery staple")
    assert ca_init() is True
    assert not (tmp_ca / "passphrase").exists()
    serialization.load_pem_private_key(
        (tmp_ca / "issuing.key.pem").read_bytes(), password=b"correct horse battery staple"
    )
    assert issuing_ca().certificate.subject.rfc4514_string()


# --- the two CA certificates ----------------------------------------------------------------------


def _load(d, name) -> x509.Certificate:
    return x509.load_pem_x509_certificate((d / name).read_bytes())


def test_root_is_self_signed_ca_with_path_length_one(new_ca, settings):
    root = _load(new_ca, "root.pem")
    assert root.subject == root.issuer
    assert root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == settings.CA_ROOT_NAME
    root.verify_directly_issued_by(root)
    bc = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca is True and bc.value.path_length == 1
    ku = root.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign
    assert isinstance(root.public_key(), ec.EllipticCurvePublicKey)
    assert root.not_valid_after_utc - root.not_valid_before_utc > dt.timedelta(days=365 * 19)


def test_issuing_ca_is_signed_by_the_root_with_path_length_zero(new_ca, settings):
    root, issuing = _load(new_ca, "root.pem"), _load(new_ca, "issuing.pem")
    assert issuing.issuer == root.subject and issuing.subject != root.subject
    assert issuing.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == settings.CA_ISSUING_NAME
    issuing.verify_directly_issued_by(root)
    bc = issuing.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca is True and bc.value.path_length == 0
    ku = issuing.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign
    aki = issuing.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert issuing.not_valid_after_utc <= root.not_valid_after_utc
    loaded = issuing_ca()
    assert loaded.certificate == issuing and loaded.root == root
    assert (
        loaded.key_id
        == issuing.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex()
    )


def test_second_init_returns_false_and_changes_nothing(new_ca):
    before = {n: ((new_ca / n).read_bytes(), (new_ca / n).stat().st_mtime_ns) for n in FILES}
    assert ca_init() is False
    assert {n: ((new_ca / n).read_bytes(), (new_ca / n).stat().st_mtime_ns) for n in FILES} == before


def test_half_a_ca_is_refused_rather_than_overwritten(new_ca):
    key = (new_ca / "issuing.key.pem").read_bytes()
    (new_ca / "issuing.pem").unlink()
    issuing_ca.cache_clear()
    with pytest.raises(CaNotReady) as e:
        ca_init()
    assert e.value.code == "ca_incomplete"
    assert (new_ca / "issuing.key.pem").read_bytes() == key
    with pytest.raises(CaNotReady) as e:
        issuing_ca()
    assert e.value.code == "ca_not_initialised" and e.value.status == 503


def test_a_key_that_does_not_match_its_certificate_is_refused(new_ca):
    (new_ca / "issuing.pem").write_bytes((new_ca / "root.pem").read_bytes())
    issuing_ca.cache_clear()
    with pytest.raises(CaNotReady) as e:
        issuing_ca()
    assert e.value.code == "ca_key_mismatch"


# --- card certificates ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_card_certificate_points_to_crl_and_ocsp_at_the_public_url(settings):
    settings.PUBLIC_URL = "https://eport.example.cn/"
    made = f.make_card("legal")
    cert = x509.load_der_x509_certificate(bytes(made.card.certificate.der))
    dp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [n.value for p in dp for n in p.full_name] == ["https://eport.example.cn/pki/crl.der"]
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert {(d.access_method, d.access_location.value) for d in aia} == {
        (AuthorityInformationAccessOID.OCSP, "https://eport.example.cn/pki/ocsp"),
        (AuthorityInformationAccessOID.CA_ISSUERS, "https://eport.example.cn/pki/ca.pem"),
    }
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca is False
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]
    ca = issuing_ca()
    assert cert.issuer == ca.certificate.subject
    cert.verify_directly_issued_by(ca.certificate)
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier.hex() == ca.key_id


def _foreign_certificate(issuer_name: x509.Name) -> x509.Certificate:
    """A certificate that names our issuing CA as issuer but was signed by some other key."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "张三")]))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def test_issued_by_us_only_for_certificates_signed_by_our_issuing_ca():
    ca = issuing_ca()
    now = dt.datetime.now(dt.UTC)
    ours = issue_end_entity(
        public_key=ec.generate_private_key(ec.SECP256R1()).public_key(),
        subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "张三")]),
        not_before=now,
        not_after=now + dt.timedelta(days=1),
    )
    assert issued_by_us(_der(ours)) is True
    assert issued_by_us(_der(_foreign_certificate(ca.certificate.subject))) is False
    assert issued_by_us(_der(ca.root)) is False  # signed by the root, not by the issuing CA
    assert issued_by_us(b"not a certificate") is False


def test_a_ca_with_the_same_names_but_other_keys_is_not_us(settings, tmp_path, monkeypatch):
    """Another installation (same CA names, other keys) cannot make certificates this one accepts."""
    real = settings.PKI_DIR
    monkeypatch.delenv("EPORT_CA_PASSPHRASE", raising=False)
    settings.PKI_DIR = tmp_path / "pki"
    issuing_ca.cache_clear()
    issued_by_us.cache_clear()
    try:
        assert ca_init() is True
        now = dt.datetime.now(dt.UTC)
        theirs = _der(
            issue_end_entity(
                public_key=ec.generate_private_key(ec.SECP256R1()).public_key(),
                subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "张三")]),
                not_before=now,
                not_after=now + dt.timedelta(days=1),
            )
        )
        assert issued_by_us(theirs) is True  # for the installation in tmp_path
    finally:
        settings.PKI_DIR = real
        issuing_ca.cache_clear()
        issued_by_us.cache_clear()
    assert x509.load_der_x509_certificate(theirs).issuer == issuing_ca().certificate.subject
    assert issued_by_us(theirs) is False


# --- published CA certificates -------------------------------------------------------------------


def test_ca_pem_is_the_issuing_ca_then_the_root(client):
    ca = issuing_ca()
    r = client.get("/pki/ca.pem")
    assert r.status_code == 200 and r["Content-Type"] == "application/x-pem-file"
    assert x509.load_pem_x509_certificates(r.content) == [ca.certificate, ca.root]
    for name, cert in (("root", ca.root), ("issuing", ca.certificate)):
        r = client.get(f"/pki/{name}.cer")
        assert r.status_code == 200 and r["Content-Type"] == "application/pkix-cert"
        assert x509.load_der_x509_certificate(r.content) == cert
    assert client.get("/pki/other.cer").status_code == 404
    assert client.post("/pki/ca.pem").status_code == 405


def test_missing_or_wrong_passphrase_is_a_clear_503(new_ca, client, monkeypatch):
    """A CA whose key cannot be opened answers 503 with the reason, not a server error."""
    from eport.pki.ca import CaNotReady, issuing_ca

    monkeypatch.setenv("EPORT_CA_PASSPHRASE", "not the passphrase")
    issuing_ca.cache_clear()
    with pytest.raises(CaNotReady) as e:
        issuing_ca()
    assert e.value.code == "ca_passphrase_wrong"
    r = client.get("/pki/ca.pem")
    assert r.status_code == 503 and "口令不正确" in r.content.decode()
    monkeypatch.delenv("EPORT_CA_PASSPHRASE")
    (new_ca / "passphrase").unlink()
    issuing_ca.cache_clear()
    with pytest.raises(CaNotReady) as e:
        issuing_ca()
    assert e.value.code == "ca_passphrase_missing"
