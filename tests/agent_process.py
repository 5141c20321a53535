"""The card agent as a real subprocess (``eport-card-agent --port 0``): used by the agent's own tests
and by the real-browser journeys."""

import http.client
import json
import os
import selectors
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

AGENT = Path(sys.executable).parent / "eport-card-agent"
# Secrets the tests pass explicitly; inherited ones would change what the agent does.
_AGENT_ENV = ("EPORT_CARD_PASSWORD", "EPORT_TOKEN_PIN", "EPORT_PORTAL_ORIGIN")


def agent_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _AGENT_ENV}
    env.update(extra)
    return env


@dataclass
class Agent:
    proc: subprocess.Popen
    port: int
    card_no: str
    stderr_path: Path

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout=10)
        finally:
            self.proc.stdout.close()

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def call(self, method, path, body=None, headers=None, *, host=None) -> "Response":
        """One request; ``body`` may be a dict (sent as JSON) or bytes. ``host`` overrides the Host header."""
        headers = dict(headers or {})
        headers["Host"] = host or f"127.0.0.1:{self.port}"
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return Response(resp.status, resp.headers, resp.read())
        finally:
            conn.close()


def start_agent(args, env, stderr_path: Path) -> Agent:
    """Start the agent, wait for its one stdout line and read the port from it."""
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen(
            [str(AGENT), "--port", "0", *map(str, args)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,
        )
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        ready = sel.select(timeout=20)
    line = proc.stdout.readline().decode() if ready else ""
    if not line.startswith("eport-card-agent listening on http://127.0.0.1:"):
        proc.kill()
        proc.wait()
        proc.stdout.close()
        pytest.fail(f"agent did not start: {line!r}\n{stderr_path.read_text(errors='replace')}")
    url, card = line.split()[-2:]
    return Agent(proc, int(url.rsplit(":", 1)[1]), card.removeprefix("card="), stderr_path)


# --- HTTP ----------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))
