"""Issue 11's probes, re-run against a real `eport serve` (the findings as an attacker tried them).

Starts a server on a fresh data dir (SQLite, or --database-url), runs `eport demo` for an enterprise in the
network with its legal card, then tries each finding and prints what it got. Nothing is mocked.

    .venv/bin/python bench/probe_trust.py [--database-url postgresql://postgres@127.0.0.1:5432/eport_probe]
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EPORT = str(ROOT / ".venv" / "bin" / "eport")


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Client:
    def __init__(self, base):
        self.base, self.token = base, None

    def call(self, method, path, body=None, headers=None, raw=None, ctype="application/json"):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = {"Content-Type": ctype, **(headers or {})}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers

    def json(self, *a, **kw):
        status, body, _h = self.call(*a, **kw)
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body[:80]


def code(body):
    return body.get("error", {}).get("code") if isinstance(body, dict) else body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", default="")
    args = ap.parse_args()
    data = Path(tempfile.mkdtemp(prefix="eport-probe-"))
    port = free_port()
    env = {
        **os.environ,
        "EPORT_DATA_DIR": str(data),
        "EPORT_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "EPORT_TRUSTED_PROXIES": "127.0.0.1/32",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("EPORT_DEMO", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    subprocess.run([EPORT, "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    log = open(data / "server.log", "w+")
    server = subprocess.Popen(
        [EPORT, "serve", "--port", str(port), "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    out = []

    def report(finding, probe, result):
        out.append((finding, probe, result))
        print(f"[{finding}] {probe}: {result}", flush=True)

    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/pki/ca.pem", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        cards = json.loads((data / "demo_cards.json").read_text())
        uscc = subprocess.run(
            [EPORT, "shell", "-c", "from eport.ops.demo import CARD_USCC; print(CARD_USCC)"],
            env=env,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]

        # 1. Take-over by the public USCC
        anon = Client(base)
        reg = {
            "username": "stranger",
            "password": "Kx7#mPort2026q",
            "uscc": uscc,
            "enterprise_name": "x",
            "contact_name": "x",
            "phone": "13800138000",
            "email": "stranger@example.com",
        }
        s, b = anon.json("POST", "/api/v1/accounts", reg)
        report(
            1,
            "register a stranger with the USCC of an enterprise in the network",
            f"{s} {code(b) if s != 201 else ''}",
        )
        time.sleep(1)
        log.seek(0)
        link = re.findall(r"/accounts/confirm-email/([^/\s]+)/", log.read())
        s, b = anon.json("POST", "/api/v1/accounts/confirm-email", {"token": link[-1]})
        report(1, "confirm its e-mail with the mailed link", s)
        st = Client(base)
        s, b = st.json(
            "POST",
            "/api/v1/auth/login",
            {"username": "stranger", "password": reg["password"]},
            headers={"X-Forwarded-For": "198.18.0.1"},
        )
        st.token = b.get("token")
        for path in ("/api/v1/enterprise", "/api/v1/operators", "/api/v1/applications", "/api/v1/filings"):
            s, b = st.json("GET", path)
            report(1, f"GET {path} as the stranger", f"{s} {code(b)}")
        s, b = st.json(
            "POST", "/api/v1/applications", {"kind": "legal_card_reissue", "data": {"reason": "lost"}}
        )
        report(1, "file 补办法人卡 as the stranger", f"{s} {code(b)}")
        s, b = st.json("GET", "/api/v1/me")
        report(1, "GET /me as the stranger", f"verified={b.get('verified')}")

        # 2. Squatting, and the registration throttle
        from eport.validators import make_uscc

        new = make_uscc("91", "440300", "MA5DPRB2")
        first = anon.json("POST", "/api/v1/accounts", {**reg, "username": "squatter", "uscc": new})[0]
        second = anon.json("POST", "/api/v1/accounts", {**reg, "username": "realone", "uscc": new})[0]
        report(2, "squatter registers a new USCC first, the real enterprise second", f"{first}, {second}")
        statuses = {}
        started = time.monotonic()
        for i in range(40):
            s, b = anon.json(
                "POST",
                "/api/v1/accounts",
                {**reg, "username": f"flood{i}_{uuid.uuid4().hex[:6]}", "uscc": new},
                headers={"X-Forwarded-For": "198.18.0.9"},
            )
            statuses[s] = statuses.get(s, 0) + 1
        report(2, f"40 registrations from one address in {time.monotonic() - started:.1f} s", statuses)

        # 4. Sign-in as a denial of service
        flood = {}
        for i in range(40):
            s, b = anon.json(
                "POST",
                "/api/v1/auth/login",
                {"username": f"nobody{i}", "password": "x"},
                headers={"X-Forwarded-For": "198.18.1.1"},
            )
            flood[s] = flood.get(s, 0) + 1
        report(4, "40 sign-ins with random usernames from one address", flood)
        locked = {}
        for _ in range(8):
            s, b = anon.json(
                "POST",
                "/api/v1/auth/login",
                {"username": "ra_sz", "password": "wrong"},
                headers={"X-Forwarded-For": "198.18.2.1"},
            )
            locked[s] = locked.get(s, 0) + 1
        report(4, "8 wrong passwords for ra_sz from address A", locked)
        s, b = anon.json(
            "POST",
            "/api/v1/auth/login",
            {"username": "ra_sz", "password": "Eport@2026"},
            headers={"X-Forwarded-For": "198.18.3.1"},
        )
        report(4, "ra_sz signs in from address B right after", s)
        s, b = anon.json(
            "POST",
            "/api/v1/auth/login",
            {"username": "ra_sz", "password": "Eport@2026"},
            headers={"X-Forwarded-For": "203.0.113.7, 198.18.2.1"},
        )
        report(
            4,
            "then the right password from A, the client claiming to be 203.0.113.7 in X-Forwarded-For",
            f"{s} {code(b)}",
        )
        ra = Client(base)
        ra.token = json.loads(
            anon.call(
                "POST",
                "/api/v1/auth/login",
                {"username": "ra_sz", "password": "Eport@2026"},
                headers={"X-Forwarded-For": "198.18.4.1"},
            )[1]
        ).get("token")
        guesses = {}
        for _ in range(8):
            s, b = ra.json(
                "POST",
                "/api/v1/auth/password",
                {"old_password": "guess", "new_password": "N3w#Pass2026x"},
                headers={"X-Forwarded-For": "198.18.4.1"},
            )
            guesses[s] = guesses.get(s, 0) + 1
        report(4, "8 old_password guesses on /auth/password", guesses)

        # 5. The audit
        r = subprocess.run([EPORT, "audit", "verify"], env=env, capture_output=True, text=True)
        report(
            5,
            "eport audit verify",
            f"exit {r.returncode}: {r.stdout.strip().splitlines()[-1] if r.stdout else ''}",
        )
        r = subprocess.run(
            [
                EPORT,
                "shell",
                "-c",
                "from django.db import connection\n"
                "c = connection.cursor()\n"
                "try:\n c.execute(\"UPDATE audit_auditevent SET action='x' WHERE id=1\")\n print('updated')\n"
                "except Exception as e:\n print(type(e).__name__, str(e).splitlines()[0])",
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        report(5, "a direct SQL UPDATE of an audit row", r.stdout.strip().splitlines()[-1])
        r = subprocess.run([EPORT, "audit", "checkpoint"], env=env, capture_output=True, text=True)
        report(5, "eport audit checkpoint", f"exit {r.returncode}")
        cps = sorted((data / "audit" / "checkpoints").glob("*.json"))
        if cps:
            ca = data / "ca.pem"
            ca.write_bytes(urllib.request.urlopen(base + "/pki/ca.pem").read())
            r = subprocess.run(
                [
                    "openssl",
                    "cms",
                    "-verify",
                    "-binary",
                    "-inform",
                    "DER",
                    "-in",
                    str(cps[-1].with_suffix(".p7s")),
                    "-content",
                    str(cps[-1]),
                    "-CAfile",
                    str(ca),
                    "-out",
                    os.devnull,
                ],
                capture_output=True,
                text=True,
            )
            report(5, "openssl cms -verify of the latest checkpoint", (r.stderr or r.stdout).strip())

        # 6. The card file
        legal = next(c for c in cards if "法人" in c["kind"])
        p12 = Path(legal["file"])
        password = p12.with_suffix(".password").read_text().strip()
        pin = subprocess.run(
            ["openssl", "pkcs12", "-in", str(p12), "-noout", "-passin", f"pass:{legal['initial_pin']}"],
            capture_output=True,
            text=True,
        )
        good = subprocess.run(
            ["openssl", "pkcs12", "-in", str(p12), "-info", "-noout", "-passin", f"pass:{password}"],
            capture_output=True,
            text=True,
        )
        info = " | ".join(
            line for line in (good.stderr + good.stdout).splitlines() if "PBES2" in line or "MAC" in line
        )
        report(6, "openssl pkcs12 with the initial PIN", f"exit {pin.returncode}")
        report(6, "openssl pkcs12 with the card file password", f"exit {good.returncode}: {info}")

        # 7. Faults and edges
        s, b, h = anon.call("PUT", "/api/v1/auth/login", {})
        report(
            7, "PUT /api/v1/auth/login (wrong method)", f"{s} {h.get('Content-Type')} {code(json.loads(b))}"
        )
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            # The headers announce 7 MB; the server answers before reading it.
            sock.sendall(
                b"POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 7340032\r\nConnection: close\r\n\r\n{"
            )
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        report(
            7,
            "a 7 MB body",
            answer.split(b"\r\n", 1)[0].decode()
            + " "
            + re.search(rb'"code": "(\w+)"', answer).group(1).decode(),
        )
        s, b, h = anon.call(
            "POST", "/api/v1/accounts", raw=b"--x\r\nbroken", ctype="multipart/form-data; boundary=x"
        )
        report(7, "malformed multipart", f"{s} {code(json.loads(b))}")
        log.seek(0)
        report(7, "tracebacks in the server log", log.read().count("Traceback"))
        s, b, h = anon.call("GET", "/")
        report(7, "start page outside demo mode lists the demo password", "Eport@2026" in b.decode())
        report(
            7,
            "gunicorn control socket",
            str(data / "gunicorn.ctl") if (data / "gunicorn.ctl").exists() else "not in the data dir",
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
