"""The cluster drills as real processes (deploy/drill, docs/operations.md "Deployment (cluster)"): a cluster of
two app nodes behind HAProxy, PgBouncer, a PostgreSQL primary and its streaming replica and Redis, all of it
started here on loopback on ports of its own; then one node killed under card sign-in load (only its requests
in flight fail), Redis stopped and started again (sign-ins go on, a flood of wrong proofs is still refused) and
the replica stopped and started again (the reads still answer, from the primary, then from the replica)."""

import os
import pwd
import random
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("EPORT_PG_BIN", "/usr/lib/postgresql/15/bin"))
# The cluster has PostgreSQL clusters of its own whatever the suite's database is: once is enough, and in the
# PostgreSQL pass, whose machines have the PostgreSQL binaries.
pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="runs in the PostgreSQL pass only"
)


def missing() -> list[str]:
    """What the cluster needs and this machine lacks, with its Debian package."""
    need = {
        "haproxy": "haproxy",
        "pgbouncer": "pgbouncer",
        "redis-server": "redis-server",
        "psql": "postgresql-client-15",
    }
    lacking = [f"{cmd} (apt-get install {pkg})" for cmd, pkg in need.items() if shutil.which(cmd) is None]
    lacking += [
        f"{PG_BIN / b} (apt-get install postgresql-15)"
        for b in ("initdb", "postgres", "pg_basebackup", "pg_isready", "createdb")
        if not (PG_BIN / b).exists()
    ]
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            lacking.append("a `postgres` user to run PostgreSQL as (root may not)")
    return lacking


def free_base_port(span: int = 16) -> int:
    """A base port with the span above it free on loopback (the cluster's ports are base + offsets)."""
    for _ in range(50):
        base = random.randrange(40000, 60000 - span)
        try:
            for port in range(base, base + span):
                with socket.socket() as s:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    pytest.skip("no free run of ports on loopback")


CHUNKED_READS = """
import threading
import django
django.setup()
from django.db import connection
from eport.refdata.models import Unit
total, results = Unit.objects.count(), []
def read():
    try:
        n = sum(1 for _ in Unit.objects.order_by("pk").iterator(chunk_size=50))
        results.append("ok" if n == total else f"read-{n}-of-{total}")
    except Exception as e:
        results.append(f"{type(e).__name__}: {e}")
    finally:
        connection.close()
threads = [threading.Thread(target=read) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("\\n".join(results))
"""


def test_the_drills_pass_on_a_cluster_of_two_nodes():
    lacking = missing()
    if lacking:
        pytest.skip("the cluster drills need " + ", ".join(lacking))
    # Not pytest's tmp_path: PostgreSQL runs as `postgres` and must reach its directories (under a 0700 parent).
    cluster_dir = Path(tempfile.mkdtemp(prefix="eport-drill-"))
    env = {**os.environ, "EPORT_PYTHON": sys.executable}
    args = ["--dir", str(cluster_dir)]
    try:
        run = subprocess.run(
            [str(ROOT / "deploy" / "drill"), "all", "--keep", *args, "--base-port", str(free_base_port())]
            + ["--nodes", "2", "--workers", "1", "--clients", "3"],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        out = run.stdout + run.stderr
        print(out)  # the numbers, in the test's report
        assert run.returncode == 0, out
        for drill in ("node", "redis", "replica"):
            assert f"{drill} drill PASSED" in out, out
        # Long lists read in chunks (QuerySet.iterator(): the exports, the CRL), several at once, through the
        # cluster's PgBouncer in transaction mode: each chunk may come from another server connection.
        node_env = subprocess.run(
            [str(ROOT / "deploy" / "cluster"), "env", "1", *args],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        cluster_env = {
            k: shlex.split(v)[0]
            for k, v in (ln.removeprefix("export ").split("=", 1) for ln in node_env.splitlines())
        }
        chunks = subprocess.run(
            [sys.executable, "-c", CHUNKED_READS],
            env={**env, **cluster_env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert chunks.stdout.splitlines() == ["ok"] * 4, chunks.stdout + chunks.stderr
    finally:
        subprocess.run([str(ROOT / "deploy" / "cluster"), "down", *args], env=env, timeout=120, check=False)
        shutil.rmtree(cluster_dir, ignore_errors=True)
