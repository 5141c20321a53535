"""The E-Port cluster on one machine, on loopback (docs/operations.md, "Deployment (cluster)").

    deploy/cluster up [--nodes 2] [--workers 2] [--dir /tmp/eport-cluster] [--base-port 57000] [--s3]
    deploy/cluster status | down | env [N]
    deploy/cluster kill-node N | start-node N | stop-redis | start-redis | restart-redis
    deploy/cluster stop-replica | start-replica | stop-worker | start-worker

What `up` starts, each on a port of its own (base + offset) and with its pid file, log and data under the
cluster dir:
  +0     HAProxy: round robin over the nodes, health checks on GET /healthz
  +2     PostgreSQL primary (initdb; wal_level=replica, a replication entry in pg_hba, trust on loopback)
  +3     PostgreSQL streaming replica (pg_basebackup -R from the primary)
  +4     PgBouncer, transaction pooling, databases `eport` (the primary) and `eport_replica` (the replica)
  +5     redis-server, no persistence (cache, sessions, throttles; the task broker on database 1)
  +6     with --s3: moto's S3 server standing in for MinIO or S3, the uploaded files in its bucket
         (EPORT_STORAGE=s3); else one shared directory linked as each node's files/
  +10+N  app node N: `eport serve` with its own data dir (the CA copied from node 1)
and the Celery worker with beat when the app has `eport worker` (its own data dir, the broker Redis db 1).
PostgreSQL and PgBouncer run as the `postgres` user when this runs as root. Only the standard library here
(it runs in the app's Python, which the nodes use too: EPORT_PYTHON, else the checkout's .venv).
"""

import argparse
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("EPORT_PG_BIN", "/usr/lib/postgresql/15/bin"))
DB = "eport"
SECRETS = ("EPORT_SECRET_KEY", "EPORT_PIN_PEPPER", "EPORT_CA_PASSPHRASE")
OFFSETS = {"haproxy": 0, "primary": 2, "replica": 3, "pgbouncer": 4, "redis": 5, "s3": 6}
NODE_OFFSET = 10


def app_python() -> str:
    """The interpreter of the app: EPORT_PYTHON, else the checkout's .venv, else this one."""
    venv = ROOT / ".venv" / "bin" / "python"
    return os.environ.get("EPORT_PYTHON") or (str(venv) if venv.exists() else sys.executable)


def log(msg: str) -> None:
    print(msg, flush=True)


class Cluster:
    def __init__(self, directory: Path):
        self.dir = directory.resolve()
        self.run = self.dir / "run"
        self.logs = self.dir / "logs"
        self.state_file = self.dir / "cluster.json"
        self.state: dict = json.loads(self.state_file.read_text()) if self.state_file.exists() else {}

    # ---------------------------------------------------------------------------- layout and state

    def port(self, what: str) -> int:
        return self.state["base_port"] + OFFSETS[what]

    def node_port(self, n: int) -> int:
        return self.state["base_port"] + NODE_OFFSET + n

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port('haproxy')}"

    def save(self) -> None:
        self.state_file.write_text(json.dumps(self.state, indent=1))

    @property
    def as_postgres(self) -> dict:
        """Popen arguments that run PostgreSQL's programs as `postgres` when we are root (it refuses root)."""
        return {"user": "postgres", "group": "postgres", "extra_groups": []} if os.geteuid() == 0 else {}

    def chown_pg(self, path: Path) -> None:
        if os.geteuid() == 0:
            shutil.chown(path, "postgres", "postgres")

    def secrets_env(self) -> dict:
        """The secrets every node shares, generated once into the cluster dir (0600)."""
        path = self.dir / "secrets.json"
        if not path.exists():
            values = {k: secrets.token_urlsafe(48) for k in SECRETS}
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(values, fh)
        return json.loads(path.read_text())

    def app_has(self, *command: str) -> bool:
        """Whether the app knows a command (e.g. `eport help worker`): pieces not yet built are skipped."""
        r = subprocess.run(
            [app_python(), "-m", "eport.cli", "help", *command],
            env=self.node_env(1),
            capture_output=True,
            timeout=60,
        )
        return r.returncode == 0

    def app_setting(self, name: str) -> bool:
        """Whether the app's settings read an environment variable (a feature another branch adds)."""
        return name in (Path(self.state["root"]) / "src" / "eport" / "settings.py").read_text()

    def node_env(self, n: int) -> dict:
        pgb = self.port("pgbouncer")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("EPORT_", "DATABASE_", "DJANGO_")) or k == "EPORT_PYTHON"
        }
        env.update(self.secrets_env())
        env.update(
            PYTHONPATH=str(Path(self.state["root"]) / "src"),
            DJANGO_SETTINGS_MODULE="eport.settings",
            EPORT_DATA_DIR=str(self.dir / f"node{n}"),
            # The audit's signed checkpoints, whichever node writes one, in one place to copy off the machine.
            EPORT_AUDIT_CHECKPOINT_DIR=str(self.dir / "audit-checkpoints"),
            # Through PgBouncer in transaction mode: no server-side prepared statements.
            DATABASE_URL=f"postgresql://postgres@127.0.0.1:{pgb}/{DB}",
            DATABASE_REPLICA_URL=f"postgresql://postgres@127.0.0.1:{pgb}/{DB}_replica",
            EPORT_PG_PREPARED="0",
            EPORT_REDIS_URL=f"redis://127.0.0.1:{self.port('redis')}/0",
            EPORT_BROKER_URL=f"redis://127.0.0.1:{self.port('redis')}/1",
            # HAProxy connects from loopback and appends the client's address to X-Forwarded-For.
            EPORT_TRUSTED_PROXIES="127.0.0.1",
            EPORT_PUBLIC_URL=self.url,
            EPORT_ALLOWED_HOSTS="127.0.0.1,localhost",
        )
        env.update(self.state.get("extra_env", {}))
        return env

    # ------------------------------------------------------------------------------- processes

    def pidfile(self, name: str) -> Path:
        return self.run / f"{name}.pid"

    def pid(self, name: str) -> int | None:
        try:
            pid = int(self.pidfile(name).read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return pid

    def spawn(self, name: str, argv: list[str], env: dict | None = None, **kw) -> int:
        """Start a long-running program in a session of its own (so it and its children stop together)."""
        self.logs.mkdir(parents=True, exist_ok=True)
        out = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            argv,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            **kw,
        )
        out.close()
        self.pidfile(name).write_text(str(proc.pid))
        return proc.pid

    def wait_started(self, name: str, check, timeout: float) -> None:
        """Until `check()` holds, while the program we started runs (another's on its port does not count)."""
        wait_for(lambda: self.pid(name) is not None and check(), timeout, name, self.logs / f"{name}.log",
                 lambda: self.pid(name) is not None)  # fmt: skip

    def stop(self, name: str, sig: int = signal.SIGTERM, wait: float = 20) -> bool:
        """Stop a program and its session; SIGKILL after `wait` seconds. Safe when it is not running."""
        pid = self.pid(name)
        if pid is None:
            self.pidfile(name).unlink(missing_ok=True)
            return False
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and group_alive(pid):
            time.sleep(0.02)
        if group_alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        reap(pid)
        self.pidfile(name).unlink(missing_ok=True)
        return True

    # ------------------------------------------------------------------------------- components

    def pg_dir(self, which: str) -> Path:
        return self.dir / "pg" / which

    def pg_run(self, *argv: str) -> None:
        subprocess.run(argv, check=True, capture_output=True, **self.as_postgres)

    def init_primary(self) -> None:
        data = self.pg_dir("primary")
        if (data / "PG_VERSION").exists():
            return
        (self.dir / "pg").mkdir(exist_ok=True)
        self.chown_pg(self.dir / "pg")
        log("initdb: the primary")
        self.pg_run(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with (data / "postgresql.conf").open("a") as fh:
            fh.write(
                "\n# deploy/cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{data}'\n"
                "wal_level = replica\nmax_wal_senders = 5\nwal_keep_size = '256MB'\nhot_standby = on\n"
                "max_connections = 200\n"
            )
        with (data / "pg_hba.conf").open("w") as fh:
            fh.write(
                "# deploy/cluster: loopback only, trusted; the replica streams over `replication`\n"
                "local all all trust\n"
                "host all all 127.0.0.1/32 trust\n"
                "host replication all 127.0.0.1/32 trust\n"
            )

    def start_pg(self, which: str) -> None:
        if self.pid(which):
            return
        data = self.pg_dir(which)
        self.spawn(
            which,
            [str(PG_BIN / "postgres"), "-D", str(data), "-p", str(self.port(which))],
            **self.as_postgres,
        )
        self.wait_started(which, lambda: pg_ready(self.port(which)), 60)

    def stop_pg(self, which: str) -> None:
        self.stop(which, signal.SIGINT, wait=30)  # SIGINT: fast shutdown

    def create_database(self) -> None:
        port = str(self.port("primary"))
        sql = f"SELECT 1 FROM pg_database WHERE datname = '{DB}'"
        have = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-tAc", sql],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not have:
            subprocess.run(
                [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", port, "-U", "postgres", DB], check=True
            )
            # Through a transaction pooler a session's SET does not stay with the client: the database's own
            # time zone is already UTC, so Django never needs to set it.
            subprocess.run(
                [
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    port,
                    "-U",
                    "postgres",
                    "-qc",
                    f"ALTER DATABASE {DB} SET timezone TO 'UTC'",
                ],
                check=True,
            )

    def init_replica(self) -> None:
        data = self.pg_dir("replica")
        if (data / "PG_VERSION").exists():
            return
        log("pg_basebackup: the replica")
        self.pg_run(
            str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port("primary")), "-U", "postgres",
            "-D", str(data), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        with (data / "postgresql.auto.conf").open("a") as fh:
            fh.write(f"unix_socket_directories = '{data}'\n")

    def start_pgbouncer(self) -> None:
        if self.pid("pgbouncer"):
            return
        d = self.dir / "pgbouncer"
        d.mkdir(exist_ok=True)
        self.chown_pg(d)
        (d / "userlist.txt").write_text('"postgres" ""\n')
        (d / "pgbouncer.ini").write_text(
            "; deploy/cluster: transaction pooling in front of the primary and the replica\n"
            "[databases]\n"
            f"{DB} = host=127.0.0.1 port={self.port('primary')} dbname={DB}\n"
            f"{DB}_replica = host=127.0.0.1 port={self.port('replica')} dbname={DB}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port('pgbouncer')}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {d / 'userlist.txt'}\nadmin_users = postgres\nstats_users = postgres\n"
            "pool_mode = transaction\nmax_client_conn = 1000\ndefault_pool_size = 20\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            # A client waits for a server connection at most this long. The pool outnumbers the app's workers, so
            # only a server that is down makes one wait: the router then reads from the primary after 1 s instead
            # of PgBouncer's default 120 (a stopped server answers no error of its own: its clients queue).
            "server_connect_timeout = 2\nserver_login_retry = 1\nquery_wait_timeout = 1\n"
            "stats_period = 1\n"
        )
        for f in d.iterdir():
            self.chown_pg(f)
        self.spawn("pgbouncer", ["pgbouncer", str(d / "pgbouncer.ini")], **self.as_postgres)
        self.wait_started("pgbouncer", lambda: port_open(self.port("pgbouncer")), 20)

    def start_redis(self) -> None:
        if self.pid("redis"):
            return
        d = self.dir / "redis"
        d.mkdir(exist_ok=True)
        self.spawn(
            "redis",
            ["redis-server", "--port", str(self.port("redis")), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(d), "--daemonize", "no"],
        )  # fmt: skip
        self.wait_started("redis", lambda: port_open(self.port("redis")), 20)

    def start_s3(self) -> None:
        """moto's S3 server on loopback standing in for MinIO or S3 (in memory: a restart loses the files),
        its bucket made, and the nodes set to EPORT_STORAGE=s3."""
        if self.pid("s3"):
            return
        moto = Path(app_python()).parent / "moto_server"
        self.spawn("s3", [str(moto), "-H", "127.0.0.1", "-p", str(self.port("s3"))])
        endpoint = f"http://127.0.0.1:{self.port('s3')}"
        self.wait_started("s3", lambda: port_open(self.port("s3")), 30)
        self.state["extra_env"].update(
            EPORT_STORAGE="s3",
            EPORT_S3_BUCKET="eport",
            EPORT_S3_ENDPOINT_URL=endpoint,
            EPORT_S3_ACCESS_KEY="cluster",
            EPORT_S3_SECRET_KEY="cluster-secret",
        )
        self.save()
        make_bucket = (
            "import boto3, sys; boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', "
            "aws_access_key_id='cluster', aws_secret_access_key='cluster-secret').create_bucket(Bucket='eport')"
        )
        subprocess.run([app_python(), "-c", make_bucket, endpoint], check=True, capture_output=True)

    def node_dir(self, n: int) -> Path:
        return self.dir / f"node{n}"

    def prepare_dir(self, d: Path) -> None:
        """A data dir of a node (or the worker): its own, but the uploaded files and the CA are the cluster's."""
        d.mkdir(exist_ok=True, mode=0o700)
        shared = self.dir / "files"
        shared.mkdir(exist_ok=True, mode=0o700)
        if not (d / "files").exists():
            (d / "files").symlink_to(shared)  # uploaded files: one directory for every node (unless in S3)
        if d != self.node_dir(1) and not (d / "pki").exists():
            shutil.copytree(self.node_dir(1) / "pki", d / "pki")  # one CA for the whole cluster

    def start_node(self, n: int, wait: bool = True) -> None:
        if self.pid(f"node{n}"):
            return
        self.prepare_dir(self.node_dir(n))
        argv = [
            app_python(),
            "-m",
            "eport.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.node_port(n)),
        ]
        self.spawn(f"node{n}", [*argv, "--workers", str(self.state["workers"])], env=self.node_env(n))
        if wait:
            self.wait_node(n)

    def wait_node(self, n: int, timeout: float = 240) -> None:
        wait_for(
            lambda: http_status(f"http://127.0.0.1:{self.node_port(n)}/") is not None,
            timeout,
            f"node {n} on {self.node_port(n)}",
            self.logs / f"node{n}.log",
            lambda: self.pid(f"node{n}") is not None,
        )

    def kill_node(self, n: int) -> None:
        """SIGKILL to the node's gunicorn master and workers (its session): a crash, not a stop."""
        self.stop(f"node{n}", signal.SIGKILL, wait=5)

    def health_path(self) -> str:
        """GET /healthz where the app has it (200 when the node can serve), else the start page."""
        if "health_path" not in self.state:
            s = http_status(f"http://127.0.0.1:{self.node_port(1)}/healthz")
            self.state["health_path"] = "/healthz" if s == 200 else "/"
            if s != 200:
                log(f"note: GET /healthz answered {s}: HAProxy checks GET / instead")
            self.save()
        return self.state["health_path"]

    def haproxy_config(self) -> str:
        servers = "".join(
            f"    server node{n} 127.0.0.1:{self.node_port(n)} check\n"
            for n in range(1, self.state["nodes"] + 1)
        )
        return (
            "# deploy/cluster: the one entry point, round robin over the app nodes\n"
            "global\n"
            "    log stdout format raw local0 info\n"
            f"    stats socket {self.run / 'haproxy.sock'} mode 600 level admin\n"
            "    maxconn 2000\n"
            "defaults\n"
            "    mode http\n"
            "    log global\n"
            '    log-format "%tr %s %ST %Ta %rc %tsc %{+Q}r"\n'
            "    timeout connect 2s\n    timeout client 60s\n    timeout server 60s\n    timeout check 2s\n"
            "    # Retry only a connection that failed (the node never saw the request), on another node;\n"
            "    # a request that reached a node is never sent again.\n"
            "    retries 2\n    retry-on conn-failure\n    option redispatch 1\n"
            "frontend portal\n"
            f"    bind 127.0.0.1:{self.port('haproxy')}\n"
            "    default_backend eport\n"
            "backend eport\n"
            "    balance roundrobin\n"
            "    option forwardfor            # appends the client's address to X-Forwarded-For\n"
            f"    option httpchk\n    http-check send meth GET uri {self.health_path()} ver HTTP/1.1 hdr Host 127.0.0.1\n"
            "    http-check expect status 200\n"
            "    default-server inter 1s fall 2 rise 2\n"
            "    http-response set-header X-Eport-Node %[srv_name]\n"
            f"{servers}"
        )

    def start_haproxy(self) -> None:
        if self.pid("haproxy"):
            return
        cfg = self.dir / "haproxy.cfg"
        cfg.write_text(self.haproxy_config())
        self.spawn("haproxy", ["haproxy", "-db", "-f", str(cfg)])
        self.wait_started("haproxy", lambda: http_status(self.url + self.health_path()) == 200, 30)
        wait_for(
            lambda: all(v == "UP" for v in self.haproxy_servers().values()),
            30,
            "HAProxy's checks of every node",
            self.logs / "haproxy.log",
        )

    def worker_available(self) -> bool:
        if "worker" not in self.state:
            self.state["worker"] = self.app_has("worker")
            self.save()
        return self.state["worker"]

    def start_worker(self) -> None:
        if self.pid("worker") or not self.worker_available():
            return
        d = self.dir / "worker"
        self.prepare_dir(d)
        env = {**self.node_env(1), "EPORT_DATA_DIR": str(d)}
        self.spawn("worker", [app_python(), "-m", "eport.cli", "worker", "--beat"], env=env)

    def haproxy_servers(self) -> dict[str, str]:
        """{"node1": "UP", ...} from HAProxy's stats socket."""
        out = haproxy_cmd(self.run / "haproxy.sock", "show stat")
        head, *rows = [ln for ln in out.splitlines() if ln.strip()]
        cols = head.lstrip("# ").split(",")
        states = {}
        for row in rows:
            v = dict(zip(cols, row.split(","), strict=False))
            if v.get("pxname") == "eport" and v.get("svname", "").startswith("node"):
                states[v["svname"]] = v["status"]
        return states

    # ------------------------------------------------------------------------------- commands

    def up(self, nodes: int, workers: int, base_port: int, s3: bool = False) -> None:
        if self.state and self.pid("haproxy"):
            log(f"already up: {self.url}/")
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o711)  # postgres must reach its own directories; everything else stays ours
        self.run.mkdir(exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        self.state = {
            **self.state,
            "root": str(ROOT),
            "nodes": nodes,
            "workers": workers,
            "base_port": self.state.get("base_port", base_port),
        }
        self.state.setdefault("extra_env", {})
        self.state["s3"] = self.state.get("s3") or s3
        self.save()
        if self.state["s3"] and not self.app_setting("EPORT_STORAGE"):
            raise SystemExit(
                "--s3: this app has no EPORT_STORAGE setting (files stay in the shared directory)"
            )
        self.secrets_env()
        busy = [
            f"{name} {port}"
            for name, port in [*((k, self.port(k)) for k in OFFSETS if k != "s3" or self.state["s3"])]
            + [(f"node{n}", self.node_port(n)) for n in range(1, nodes + 1)]
            if self.pid(name) is None and not port_free(port)
        ]
        if busy:
            raise SystemExit(f"ports in use: {', '.join(busy)} (another cluster? --base-port moves them all)")
        t0 = time.monotonic()
        self.init_primary()
        self.start_pg("primary")
        self.create_database()
        self.init_replica()
        self.start_pg("replica")
        self.start_pgbouncer()
        self.start_redis()
        if self.state["s3"]:
            self.start_s3()
        log(f"node 1 (migrates, loads reference data, makes the CA) on {self.node_port(1)}")
        self.start_node(1)
        for n in range(2, nodes + 1):
            self.start_node(n, wait=False)
        for n in range(2, nodes + 1):
            self.wait_node(n)
        self.start_haproxy()
        self.start_worker()
        log(
            f"up in {time.monotonic() - t0:.0f} s: {self.url}/  ({nodes} nodes × {workers} workers; logs in {self.logs})"
        )

    def down(self) -> None:
        for name in ["haproxy", "worker", *(f"node{n}" for n in range(1, 100)), "pgbouncer", "redis", "s3"]:
            if self.stop(name):
                log(f"stopped {name}")
        for which in ("replica", "primary"):
            if self.pid(which):
                self.stop_pg(which)
                log(f"stopped PostgreSQL {which}")

    def status(self) -> int:
        if not self.state:
            log(f"no cluster in {self.dir}")
            return 1
        rows = [("haproxy", self.port("haproxy")), ("primary", self.port("primary")), ("replica", self.port("replica")),
                ("pgbouncer", self.port("pgbouncer")), ("redis", self.port("redis"))]  # fmt: skip
        rows += [(f"node{n}", self.node_port(n)) for n in range(1, self.state["nodes"] + 1)]
        rows += [("s3", self.port("s3"))] if self.state.get("s3") else []
        rows += [("worker", None)] if self.state.get("worker") else []
        try:
            checks = self.haproxy_servers() if self.pid("haproxy") else {}
        except OSError:
            checks = {}
        down = 0
        for name, port in rows:
            pid = self.pid(name)
            down += pid is None
            extra = f"  haproxy: {checks[name]}" if name in checks else ""
            log(f"{name:<10} {port or '':<6} {'pid ' + str(pid) if pid else 'not running'}{extra}")
        log(f"url: {self.url}/")
        return 1 if down else 0


# ----------------------------------------------------------------------------------------- helpers


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (our own child not yet reaped) is dead
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def group_alive(pgid: int) -> bool:
    """Whether any live process remains in the session's process group (gunicorn's master and workers)."""
    if alive(pgid):
        return True
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    f = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(f[2]) == pgid and f[0] != "Z":
                return True
    return False


def reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no owner
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pg_ready(port: int) -> bool:
    r = subprocess.run(
        [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q"],
        capture_output=True,
        check=False,
    )
    return r.returncode == 0


def http_status(url: str, timeout: float = 5) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


def haproxy_cmd(sock: Path, cmd: str) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(str(sock))
        s.sendall(cmd.encode() + b"\n")
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def wait_for(check, timeout: float, what: str, logfile: Path | None = None, running=None) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if running is not None and not running():
            raise SystemExit(f"{what} exited; its log:\n{tail(logfile)}")
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not answer within {timeout:.0f} s; its log:\n{tail(logfile)}")
        time.sleep(0.2)


def tail(path: Path | None, lines: int = 30) -> str:
    if path is None or not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="deploy/cluster", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "command",
        choices=["up", "down", "status", "env", "kill-node", "start-node", "stop-redis", "start-redis",
                 "restart-redis", "stop-replica", "start-replica", "stop-worker", "start-worker"],
    )  # fmt: skip
    p.add_argument("n", nargs="?", type=int, help="the node (kill-node, start-node, env)")
    p.add_argument("--dir", default=os.environ.get("EPORT_CLUSTER_DIR", "/tmp/eport-cluster"))
    p.add_argument("--nodes", type=int, default=2)
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers per node (default 2)")
    p.add_argument(
        "--s3", action="store_true", help="uploaded files in a bucket (moto's S3 server on base+6)"
    )
    p.add_argument(
        "--base-port", type=int, default=57000, help="HAProxy's port; the others follow it (default 57000)"
    )
    a = p.parse_args(argv)
    c = Cluster(Path(a.dir))
    if a.command == "up":
        c.up(a.nodes, a.workers, a.base_port, a.s3)
        return 0
    if not c.state:
        log(f"no cluster in {c.dir} (deploy/cluster up)")
        return 0 if a.command == "down" else 1
    if a.command == "down":
        c.down()
    elif a.command == "status":
        return c.status()
    elif a.command == "env":
        for k, v in sorted(c.node_env(a.n or 1).items()):
            if k.startswith(("EPORT_", "DATABASE_", "DJANGO_", "PYTHONPATH")):
                print(f"export {k}={shlex.quote(v)}")
    elif a.command in ("kill-node", "start-node"):
        if not a.n or not 1 <= a.n <= c.state["nodes"]:
            p.error(f"which node? 1-{c.state['nodes']}")
        c.kill_node(a.n) if a.command == "kill-node" else c.start_node(a.n)
    elif a.command == "stop-redis":
        c.stop("redis")
    elif a.command == "start-redis":
        c.start_redis()
    elif a.command == "restart-redis":
        c.stop("redis")
        c.start_redis()
    elif a.command == "stop-replica":
        c.stop_pg("replica")
    elif a.command == "start-replica":
        c.start_pg("replica")
    elif a.command == "stop-worker":
        c.stop("worker")
    elif a.command == "start-worker":
        c.start_worker()
    return 0


if __name__ == "__main__":
    sys.exit(main())
