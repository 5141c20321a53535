"""A PostgreSQL outage: 503 (JSON under /api/, plain under /pki/, the error page on screens), never a
500; no acknowledged write lost; the product recovers by itself when the database is back.

PostgreSQL pass only (DATABASE_URL is PostgreSQL). The last test runs the real server (`eport serve`,
gunicorn, two workers) on a throwaway cluster of its own, stops and starts that cluster under load.
"""

import glob
import http.client
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.test import Client

from eport.faults import OutageLogFilter, database_unavailable
from tests import factories as f

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="PostgreSQL pass only (DATABASE_URL is PostgreSQL)",
)

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dsn(**over) -> str:
    s = {**connection.settings_dict, **over}
    return f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} user={s['USER']} dbname={s['NAME']}"


# --- what counts as an outage: real errors from a real server -------------------------------------------


@pytest.mark.django_db
def test_only_a_lost_connection_counts_as_an_outage():
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(_dsn(PORT=free_port()), connect_timeout=3)
    assert database_unavailable(refused.value)

    # a connection whose server process is ended under it (as a restart does)
    victim = psycopg.connect(_dsn(), autocommit=True)
    with psycopg.connect(_dsn(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (victim.info.backend_pid,))
    with pytest.raises(psycopg.OperationalError) as lost:
        victim.execute("SELECT 1")
    assert database_unavailable(lost.value)
    with pytest.raises(psycopg.OperationalError) as closed:
        victim.execute("SELECT 1")
    assert database_unavailable(closed.value)
    victim.close()

    # through Django (which wraps the driver's errors): bugs and timeouts are not outages
    for statements in (
        ["SELEC 1"],
        ["SELECT 1/0"],
        ["SET LOCAL statement_timeout = 1", "SELECT pg_sleep(0.2)"],
    ):
        with pytest.raises(DatabaseError) as e:
            with transaction.atomic(), connection.cursor() as cur:
                for sql in statements:
                    cur.execute(sql)
        assert not database_unavailable(e.value), statements
    with psycopg.connect(_dsn()) as c:
        cur = c.cursor()
        cur.close()
        with pytest.raises(psycopg.InterfaceError) as misuse:  # a bug, not an outage
            cur.execute("SELECT 1")
    assert not database_unavailable(misuse.value)
    assert not database_unavailable(RuntimeError("server closed the connection unexpectedly"))


def test_an_outage_is_logged_as_one_line():
    try:
        psycopg.connect(f"host=127.0.0.1 port={free_port()} user=postgres dbname=x", connect_timeout=3)
    except psycopg.OperationalError as e:
        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "%s: %s",
            ("Service Unavailable", "/api/v1/me"),
            (type(e), e, e.__traceback__),
        )
    assert OutageLogFilter().filter(record)
    assert record.exc_info is None
    assert record.getMessage().startswith("Service Unavailable: /api/v1/me (database unavailable: ")
    assert "\n" not in record.getMessage()


# --- in process: the database's port stops answering ---------------------------------------------------


def test_every_place_answers_503_in_its_own_shape(django_db_blocker):
    """The default connection pointed at a port nobody listens on: every request that needs the database
    gets 503 with Retry-After, in the shape of the place asked, without a stack trace."""
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a" * 32  # any session cookie: the screens must read the session
    conn = connections["default"]
    with django_db_blocker.unblock():
        conn.close()
        saved = conn.settings_dict["PORT"]
        conn.settings_dict["PORT"] = str(free_port())
        try:
            api = client.post(
                "/api/v1/applications",
                "{}",
                content_type="application/json",
                headers={"Authorization": "Bearer whatever"},
            )
            screen = client.get("/")
            crl = client.get("/pki/crl.der")
        finally:
            conn.close()
            conn.settings_dict["PORT"] = saved

    assert api.status_code == 503
    assert api.json() == {
        "error": {"code": "database_unavailable", "message": api.json()["error"]["message"], "field": None}
    }
    assert re.search("[\u4e00-\u9fff]", api.json()["error"]["message"])
    assert screen.status_code == 503 and screen["Content-Type"].startswith("text/html")
    page = screen.content.decode()
    assert "数据库暂时无法连接" in page and "Traceback" not in page and "psycopg" not in page
    assert crl.status_code == 503 and crl["Content-Type"].startswith("text/plain")
    for resp in (api, screen, crl):
        assert int(resp["Retry-After"]) > 0


# --- the real server on a throwaway cluster, under load -------------------------------------------------

PGBINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(re.sub(r"\D", "", p) or 0))


class Cluster:
    """A PostgreSQL cluster in a temp dir, run as `postgres` when we are root (as .ci/run does)."""

    def __init__(self):
        self.bin = PGBINS[-1]
        self.dir = Path(tempfile.mkdtemp(prefix="eport-outage-pg-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.ctl("initdb", "--no-sync", "-D", self.dir / "data", "-A", "trust", "-U", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/eport"

    def ctl(self, program, *args):
        cmd = [f"{self.bin}/{program}", *map(str, args)]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)

    def start(self):
        self.ctl(
            "pg_ctl",
            "-D",
            self.dir / "data",
            "-l",
            self.dir / "log",
            "-w",
            "-s",
            "-o",
            # fsync=off saves time and loses nothing here: a stopped server's writes stay in the
            # kernel's cache, and a commit is still acknowledged only after its WAL is written.
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def stop(self, mode="fast"):
        self.ctl("pg_ctl", "-D", self.dir / "data", "-m", mode, "-w", "-s", "stop")

    def remove(self):
        try:
            if (self.dir / "data" / "postmaster.pid").exists():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    """`eport serve` as a subprocess with its own data dir and database."""

    def __init__(self, data_dir: Path, database_url: str):
        self.port = free_port()
        self.log = data_dir / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("EPORT_") and k != "DATABASE_URL"}
        self.env = {**env, "EPORT_DATA_DIR": str(data_dir), "DATABASE_URL": database_url}
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "eport"),
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    "2",
                ],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while self.request("GET", "/pki/ca.pem")[0] != 200:
            assert self.proc.poll() is None and time.monotonic() < deadline, self.log.read_text()[-3000:]
            time.sleep(0.2)

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body); status 0 when nothing answered."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        except OSError:
            return 0, {}, b""
        finally:
            conn.close()

    def python(self, code: str) -> str:
        """Run Django code against the server's database and data dir (as a management shell would)."""
        out = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()\n" + code],
            env={**self.env, "DJANGO_SETTINGS_MODULE": "eport.settings"},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        return out.stdout.strip()

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)  # gunicorn's quick shutdown
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)


@pytest.fixture
def served(tmp_path):
    if not PGBINS:
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    cluster = Cluster()
    server = None
    try:
        cluster.start()
        with psycopg.connect(cluster.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
            c.execute("CREATE DATABASE eport")
        server = Server(tmp_path, cluster.url)
        yield cluster, server
    finally:
        if server is not None:
            server.stop()
        cluster.remove()


class Driver:
    """Threads creating 操作员信息预录入 drafts through the API as fast as the server takes them; each
    request is recorded with when it started."""

    def __init__(self, server, token, threads=4):
        self.server, self.token, self.results, self.stop = server, token, [], threading.Event()
        self.ids = iter([f.resident_id() for _ in range(5000)])
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def create(self):
        with self.lock:
            id_no = next(self.ids)
        body = json.dumps(
            {
                "kind": "operator_declaration",
                "data": {"name": "王五", "id_type": "resident_id", "id_no": id_no},
            }
        )
        started = time.monotonic()
        status, headers, content = self.server.request(
            "POST",
            "/api/v1/applications",
            body,
            {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        return {"started": started, "status": status, "headers": headers, "body": content}

    def wait_for(self, predicate, count, timeout=30):
        """Until `count` recorded requests match (the machine may be slow: no fixed sleeps)."""
        deadline = time.monotonic() + timeout
        while sum(1 for r in list(self.results) if predicate(r)) < count:
            assert time.monotonic() < deadline, f"waited {timeout} s for {count} such requests"
            time.sleep(0.05)

    def _run(self):
        while not self.stop.is_set():
            result = self.create()
            with self.lock:
                self.results.append(result)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)


def test_the_server_rides_out_a_database_restart_under_load(served):
    cluster, server = served
    token = server.python(
        "from tests import factories as f\n"
        "from eport.accounts.services import token_issue\n"
        "user = f.cardless(); f.draft_entry(user)  # pre-entries follow a saved 三证合一 entry\n"
        "print(token_issue(user=user))"
    )
    session = {"Cookie": "sessionid=" + "a" * 32}  # the screens read the session from the database

    with Driver(server, token) as driver:
        driver.wait_for(lambda r: r["status"] == 201, count=4)
        down = time.monotonic()
        cluster.stop()
        driver.wait_for(lambda r: r["started"] > down and r["status"] == 503, count=20)
        # while it is down: the screens and the PKI too
        screen = server.request("GET", "/", headers=session)
        crl = server.request("GET", "/pki/crl.der")
        cluster.start()
        up = time.monotonic()
        driver.wait_for(lambda r: r["started"] > up, count=12)
    results = driver.results

    # a restart nobody sees: every worker's kept connection is dead, and is replaced at its next request
    cluster.stop()
    cluster.start()
    after_quiet_restart = [driver.create() for _ in range(8)]

    statuses = [r["status"] for r in results + after_quiet_restart]
    assert set(statuses) <= {201, 503}, sorted(set(statuses))
    assert any(r["status"] == 201 for r in results if r["started"] < down), "nothing worked before the outage"
    assert any(r["status"] == 503 for r in results if down < r["started"] < up), "the outage was not seen"
    for r in results:
        if r["status"] == 503:
            assert r["headers"]["content-type"].startswith("application/json"), r
            error = json.loads(r["body"])["error"]
            assert (error["code"], error["field"]) == ("database_unavailable", None) and error["message"]
            assert int(r["headers"]["retry-after"]) > 0
    # back by itself: everything started after the database was up again succeeded
    late = [r["status"] for r in results if r["started"] > up] + [r["status"] for r in after_quiet_restart]
    assert late and set(late) == {201}, late

    status, headers, page = screen
    assert status == 503 and headers["content-type"].startswith("text/html"), screen[:2]
    assert "数据库暂时无法连接" in page.decode() and "Traceback" not in page.decode()
    assert crl[0] == 503 and crl[1]["content-type"].startswith("text/plain")

    # every acknowledged write is there
    acknowledged = {json.loads(r["body"])["id"] for r in results + after_quiet_restart if r["status"] == 201}
    with psycopg.connect(cluster.url) as c:
        stored = {
            row[0]
            for row in c.execute(
                "SELECT id FROM applications_application WHERE id = ANY(%s)", (list(acknowledged),)
            )
        }
    assert stored == acknowledged
    assert "Traceback" not in server.log.read_text(errors="replace")
