"""The card agent on a PKCS#12 card file: the protocol, the browser-safety gate, start-up failures."""

import base64
import http.client
import os
import signal
import threading
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .conftest import ENTERPRISE, HOLDER, PORTAL, USCC, agent_env, make_card, start_agent

PREFIX = b"eport-card-challenge:v1:"


def nonce(data: bytes) -> str:
    return base64.b64encode(data).decode()


def verify(certificate, signature_b64: str, data: bytes) -> None:
    certificate.public_key().verify(base64.b64decode(signature_b64), data, ec.ECDSA(hashes.SHA256()))


def assert_error(resp, status: int, code: str) -> None:
    assert resp.status == status, resp.body
    error = resp.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"


# --- the protocol ---------------------------------------------------------------------------------------


def test_card(file_agent, card):
    assert file_agent.card_no == card.card_no
    resp = file_agent.call("GET", "/card")
    assert resp.status == 200
    info = resp.json()
    pem = card.certificate.public_bytes(serialization.Encoding.PEM).decode()
    assert info == {
        "card_no": card.card_no,
        "kind": "operator",
        "holder_name": HOLDER,
        "enterprise_name": ENTERPRISE,
        "uscc": USCC,
        "not_before": card.certificate.not_valid_before_utc.isoformat(),
        "not_after": card.certificate.not_valid_after_utc.isoformat(),
        "certificate": pem,
    }
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_sign(file_agent, card):
    challenge = PREFIX + os.urandom(32).hex().encode()
    resp = file_agent.call("POST", "/sign", {"nonce": nonce(challenge)})
    assert resp.status == 200, resp.body
    body = resp.json()
    assert body["card_no"] == card.card_no
    verify(card.certificate, body["signature"], challenge)
    # a fresh signature every time (ECDSA), each valid; charset in the content type is fine
    again = file_agent.call(
        "POST", "/sign", {"nonce": nonce(challenge)}, {"Content-Type": "application/json; charset=utf-8"}
    ).json()
    assert again["signature"] != body["signature"]
    verify(card.certificate, again["signature"], challenge)
    # the log says what happened, never the nonce or the signature
    log = file_agent.stderr()
    assert "POST /sign 200" in log
    assert nonce(challenge) not in log and challenge.decode() not in log and body["signature"] not in log


def test_sign_refuses_what_is_not_a_challenge(file_agent):
    cases = [
        ({"nonce": nonce(b"hello world, sign this contract")}, "nonce_not_challenge"),
        ({"nonce": nonce(b"x" + PREFIX)}, "nonce_not_challenge"),
        ({"nonce": nonce(PREFIX + b"a" * (257 - len(PREFIX)))}, "nonce_too_long"),
        ({"nonce": "not base64!"}, "nonce_invalid"),
        ({"nonce": nonce(PREFIX)[:-1]}, "nonce_invalid"),
        ({"nonce": 12}, "nonce_required"),
        ({}, "nonce_required"),
        (b"{not json", "invalid_json"),
        (b"[1, 2]", "nonce_required"),
    ]
    for body, code in cases:
        resp = file_agent.call("POST", "/sign", body, {"Content-Type": "application/json"})
        assert_error(resp, 400, code)
    # exactly 256 bytes is still fine
    assert (
        file_agent.call("POST", "/sign", {"nonce": nonce(PREFIX + b"a" * (256 - len(PREFIX)))}).status == 200
    )


def test_sign_needs_json_content_type(file_agent):
    body = b'{"nonce": "%s"}' % nonce(PREFIX + b"1").encode()
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ):
        assert_error(
            file_agent.call("POST", "/sign", body, {"Content-Type": content_type}),
            415,
            "unsupported_media_type",
        )
    assert_error(file_agent.call("POST", "/sign", body), 415, "unsupported_media_type")


def test_oversized_body(file_agent):
    body = b'{"nonce": "' + b"A" * 9000 + b'"}'
    assert_error(
        file_agent.call("POST", "/sign", body, {"Content-Type": "application/json"}), 413, "body_too_large"
    )


def test_unknown_path_and_wrong_method(file_agent):
    assert_error(file_agent.call("GET", "/"), 404, "not_found")
    assert_error(file_agent.call("GET", "/key"), 404, "not_found")
    resp = file_agent.call("POST", "/card", {"nonce": "x"})
    assert_error(resp, 405, "method_not_allowed")
    assert resp.headers["Allow"] == "GET, OPTIONS"
    assert_error(file_agent.call("GET", "/sign"), 405, "method_not_allowed")
    assert_error(file_agent.call("DELETE", "/card"), 405, "method_not_allowed")
    resp = file_agent.call("BREW", "/card")
    assert resp.status == 405 and resp.json()["error"]["code"] == "method_not_allowed"
    assert resp.headers["Cache-Control"] == "no-store"


# --- browser safety -----------------------------------------------------------------------------------


def test_allowed_origin_gets_cors_headers(file_agent, card):
    resp = file_agent.call("GET", "/card", headers={"Origin": PORTAL})
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] == PORTAL
    assert resp.headers["Vary"] == "Origin"
    resp = file_agent.call(
        "POST", "/sign", {"nonce": nonce(PREFIX + b"2")}, {"Origin": "http://localhost:8000"}
    )
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
    verify(card.certificate, resp.json()["signature"], PREFIX + b"2")
    # errors to an allowed origin are readable by the page too
    resp = file_agent.call("POST", "/sign", {"nonce": nonce(b"other")}, {"Origin": PORTAL})
    assert resp.status == 400 and resp.headers["Access-Control-Allow-Origin"] == PORTAL


def test_foreign_origin_is_refused(file_agent):
    for origin in (
        "https://evil.example",
        "http://127.0.0.1:8001",
        "null",
        "http://127.0.0.1:8000.evil.example",
    ):
        for method, path, body in (
            ("GET", "/card", None),
            ("POST", "/sign", {"nonce": nonce(PREFIX + b"3")}),
            ("OPTIONS", "/sign", None),
        ):
            resp = file_agent.call(method, path, body, {"Origin": origin})
            assert_error(resp, 403, "origin_not_allowed")
            assert "Access-Control-Allow-Origin" not in resp.headers
            assert "Access-Control-Allow-Private-Network" not in resp.headers


def test_preflight(file_agent):
    resp = file_agent.call(
        "OPTIONS",
        "/sign",
        headers={
            "Origin": PORTAL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
            "Access-Control-Request-Private-Network": "true",
        },
    )
    assert resp.status == 204
    assert resp.body == b""
    h = resp.headers
    assert h["Access-Control-Allow-Origin"] == PORTAL
    assert h["Vary"] == "Origin"
    assert h["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"
    assert h["Access-Control-Allow-Headers"] == "Content-Type"
    assert h["Access-Control-Max-Age"] == "600"
    assert h["Access-Control-Allow-Private-Network"] == "true"
    assert h["Cache-Control"] == "no-store" and h["X-Content-Type-Options"] == "nosniff"
    assert file_agent.call("OPTIONS", "/nowhere", headers={"Origin": PORTAL}).status == 404


def test_host_header_must_be_loopback_with_the_port(file_agent):
    port = file_agent.port
    for host in (
        "evil.example",
        f"evil.example:{port}",
        "127.0.0.1",
        f"127.0.0.1:{port + 1}",
        f"localhost.evil.example:{port}",
        f"0.0.0.0:{port}",
    ):
        resp = file_agent.call("GET", "/card", host=host, headers={"Origin": PORTAL})
        assert_error(resp, 403, "host_not_allowed")
        assert "Access-Control-Allow-Origin" not in resp.headers
    assert file_agent.call("GET", "/card", host=f"localhost:{port}").status == 200
    assert file_agent.call("GET", "/card", host=f"LOCALHOST:{port}").status == 200


def test_origins_from_the_command_line_and_the_environment(card, launch):
    agent = launch(
        ["--card", card.p12, "--origin", "https://Portal.Example/", "--origin", "https://10.0.0.5:8443"],
        EPORT_CARD_PASSWORD=card.password,
    )
    ok = agent.call("GET", "/card", headers={"Origin": "https://portal.example"})
    assert ok.status == 200 and ok.headers["Access-Control-Allow-Origin"] == "https://portal.example"
    assert agent.call("GET", "/card", headers={"Origin": "https://10.0.0.5:8443"}).status == 200
    assert agent.call("GET", "/card", headers={"Origin": PORTAL}).status == 403  # the defaults are replaced

    agent = launch(
        ["--card", card.p12],
        EPORT_CARD_PASSWORD=card.password,
        EPORT_PORTAL_ORIGIN="https://eport.example:443, http://127.0.0.1:9000/",
    )
    assert agent.call("GET", "/card", headers={"Origin": "https://eport.example"}).status == 200
    assert agent.call("GET", "/card", headers={"Origin": "http://127.0.0.1:9000"}).status == 200
    assert agent.call("GET", "/card", headers={"Origin": PORTAL}).status == 403


# --- start-up and shutdown ----------------------------------------------------------------------------


def test_password_file_and_clean_stop(card, launch, tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text(card.password + "\n")
    agent = launch(["--card", card.p12, "--password-file", password_file], EPORT_CARD_PASSWORD="wrong")
    assert agent.call("GET", "/card").status == 200
    agent.proc.send_signal(signal.SIGINT)
    assert agent.proc.wait(timeout=10) == 0


def _hammer(agent, done: threading.Event) -> None:
    while not done.is_set():
        try:
            agent.call("GET", "/card")
        except (OSError, http.client.HTTPException):  # the agent went away mid-answer
            return


def test_a_stop_signal_during_a_request_still_stops_the_agent(card, tmp_path):
    """SIGTERM that lands while the agent hands a request to its thread must not be taken for that
    request's error (it was: the agent logged "connection error: _Stop" and ran on)."""
    for i in range(5):
        agent = start_agent(
            ["--card", card.p12], agent_env(EPORT_CARD_PASSWORD=card.password), tmp_path / f"agent{i}.err"
        )
        done = threading.Event()
        worker = threading.Thread(target=_hammer, args=(agent, done))
        worker.start()
        time.sleep(0.2)
        try:
            assert agent.stop() == 0, agent.stderr()
        finally:
            done.set()
            worker.join()
            agent.proc.kill()  # when it did not stop
        assert "_Stop" not in agent.stderr()


def test_wrong_password(card, run_agent):
    result = run_agent(["--card", card.p12], EPORT_CARD_PASSWORD="87654321")
    assert result.returncode == 2
    assert "wrong card file password" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_no_password_at_all(card, run_agent):
    result = run_agent(["--card", card.p12])  # no terminal, stdin at EOF: the prompt gets nothing
    assert result.returncode == 2
    assert "no password given" in result.stderr and "Traceback" not in result.stderr


def test_files_that_are_not_cards(card, ca, run_agent, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("this is not a card\n")
    pem = card.cert_pem  # a certificate alone is not a card file either
    for path, message in (
        (text, "not a PKCS#12 card file"),
        (pem, "not a PKCS#12 card file"),
        (tmp_path / "missing.p12", "cannot read the card file"),
    ):
        result = run_agent(["--card", path], EPORT_CARD_PASSWORD=card.password)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr

    no_card_no = make_card(tmp_path / "nocardno", ca, card_no=None)
    result = run_agent(["--card", no_card_no.p12], EPORT_CARD_PASSWORD=no_card_no.password)
    assert result.returncode == 2
    assert "serialNumber" in result.stderr and "Traceback" not in result.stderr

    other = make_card(tmp_path / "other-curve", ca, key=ec.generate_private_key(ec.SECP384R1()))
    result = run_agent(["--card", other.p12], EPORT_CARD_PASSWORD=other.password)
    assert result.returncode == 2
    assert "P-256" in result.stderr and "Traceback" not in result.stderr


def test_bad_command_lines(card, run_agent):
    for args in (
        ["--card", card.p12, "--origin", "http://portal.example/login"],
        ["--card", card.p12, "--origin", "http://portal.example"],  # another host: https only
        ["--card", card.p12, "--token-label", "x"],
        ["--pkcs11-module", "/nonexistent.so"],
    ):
        result = run_agent(args, EPORT_CARD_PASSWORD=card.password)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr
    result = run_agent(["--card", card.p12], EPORT_CARD_PASSWORD=card.password, EPORT_PORTAL_ORIGIN="ftp://x")
    assert result.returncode == 2 and "EPORT_PORTAL_ORIGIN" in result.stderr
