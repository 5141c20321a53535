"""`eport serve` as real processes: two instances (their own data dirs and ports) run side by side, each
with its gunicorn control socket inside its own data dir, not one shared under the home directory."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from gunicorn.ctl.client import ControlClient

# The servers run on SQLite databases of their own whatever the suite's database is: once is enough.
pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs in the SQLite pass only")

EPORT = Path(sys.executable).parent / "eport"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def test_two_instances_each_keep_their_control_socket_in_their_data_dir(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    # Each its own SQLite database (not the suite's PostgreSQL), and a home of its own to see that
    # nothing lands there.
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "XDG_RUNTIME_DIR"}}
    env["HOME"] = str(home)
    servers = []
    try:
        for name in ("a", "b"):
            data, port = tmp_path / name, free_port()
            log = (tmp_path / f"{name}.log").open("wb")
            proc = subprocess.Popen(
                [str(EPORT), "serve", "--port", str(port), "--workers", "1"],
                env={**env, "EPORT_DATA_DIR": str(data)},
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
            servers.append((proc, data, port, log))
        deadline = time.monotonic() + 90
        for proc, data, port, _log in servers:
            while not answers(port):
                assert proc.poll() is None, (tmp_path / f"{data.name}.log").read_text()
                assert time.monotonic() < deadline, (tmp_path / f"{data.name}.log").read_text()
                time.sleep(0.2)
        for proc, data, port, _log in servers:
            ctl = data / "gunicorn.ctl"
            while not ctl.is_socket():  # gunicorn's arbiter opens it beside the workers, a moment later
                assert time.monotonic() < deadline, (tmp_path / f"{data.name}.log").read_text()
                time.sleep(0.1)
            assert oct(ctl.stat().st_mode & 0o777) == "0o600"
            with ControlClient(str(ctl), timeout=5) as client:  # it is this instance's own
                assert client.send_command("show stats")["pid"] == proc.pid
                assert client.send_command("show config")["bind"] == [f"127.0.0.1:{port}"]
            assert answers(port)  # both still serving
        assert not (home / ".gunicorn").exists()
    finally:
        for proc, _data, _port, _log in servers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, _data, _port, log in servers:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            log.close()
    for _proc, data, _port, _log in servers:
        assert not (data / "gunicorn.ctl").exists()  # removed on a clean stop
