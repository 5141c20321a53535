#!/usr/bin/env python
"""Sign-in as a denial of service (issue 11, finding 4): a flood of random-username password sign-ins
against a real `eport serve`, and what it does to an unrelated request (GET /pki/ca.pem).

    python bench/bench_signin_flood.py                       # 16 threads, one client address, 15 s
    python bench/bench_signin_flood.py --addresses many      # every request from another address
    python bench/bench_signin_flood.py --before /tmp/before --floor # the code of another checkout first
    python bench/bench_signin_flood.py --threads 32 --seconds 20 --workers 3 --database-url postgresql://…
    python bench/bench_signin_flood.py --database-url postgresql://… --redis-url redis://127.0.0.1:6379/15

1. Starts `eport serve` (gunicorn, --workers) on a free port with its own data dir (default
   /tmp/eport-bench-flood/after, SQLite there unless --database-url), trusting 127.0.0.1 as its reverse
   proxy (EPORT_TRUSTED_PROXIES=127.0.0.1/32): the bench client plays the proxy and names the client in
   X-Forwarded-For, an address of 198.18.0.0/15 (the benchmarking range: a header only, no traffic goes
   there). --addresses one: one client address for the whole run (new each run); many: a new one per
   request, as a flood from many machines behind the proxy looks. With --before CHECKOUT it first
   does everything below against a server running that checkout's src/ (data dir .../before), so one
   run prints the numbers before and after a change (code before the change ignores the header: all
   its flood comes from 127.0.0.1). --floor adds a run whose flood is the cheapest request.
2. Idle: one client fetches GET /pki/ca.pem every --interval seconds for --idle seconds.
3. Flood: --threads threads post POST /api/v1/auth/login with a random username and password (a new
   connection each, closed loop) for --seconds, while the same single client keeps fetching ca.pem.
Prints the ca.pem latency (p50, p95, max) idle and under the flood, and the flood's answers by status.
Bounded: every loop stops after --seconds; only 127.0.0.1 is ever contacted.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

from benchlib import code_version, table  # bench/ is the script's own folder

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--seconds", type=float, default=15.0, help="length of the flood")
    p.add_argument("--idle", type=float, default=5.0, help="ca.pem sampled alone first, for this long")
    p.add_argument("--interval", type=float, default=0.1, help="pause between two ca.pem fetches")
    p.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3, as `eport serve`)")
    p.add_argument(
        "--addresses",
        choices=("one", "many"),
        default="one",
        help="one client address for the whole flood, or a new one per request behind a trusted proxy",
    )
    p.add_argument("--data-dir", type=Path, default=Path("/tmp/eport-bench-flood"))
    p.add_argument("--database-url", default="", help="PostgreSQL (default: SQLite in the data dir)")
    p.add_argument(
        "--redis-url",
        default="",
        help="EPORT_REDIS_URL, as a cluster runs: the throttles count in Redis (keys under a prefix of this run)",
    )
    p.add_argument(
        "--before",
        type=Path,
        metavar="CHECKOUT",
        help="first measure a server running another checkout's src/ (e.g. `git worktree add "
        "/tmp/before <commit>`; its dependencies must be installed in this environment)",
    )
    p.add_argument(
        "--floor",
        action="store_true",
        help="also flood with the cheapest request (GET /api/v1/me, no token): what any flood of "
        "this many clients costs the sync workers, sign-in or not",
    )
    p.add_argument("--json", type=Path, help="also write the results here")
    return p.parse_args(argv)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, headers=None, timeout=60):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()


def start_server(args, port, data_dir: Path, src: Path | None):
    env = {**os.environ, "EPORT_DATA_DIR": str(data_dir), "EPORT_LOG_LEVEL": "ERROR"}
    env.pop("DATABASE_URL", None)
    if src is not None:  # another checkout's code, e.g. the commit before a change
        env["PYTHONPATH"] = str(src / "src")
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    env.pop("EPORT_REDIS_URL", None)
    if args.redis_url:
        env["EPORT_REDIS_URL"] = args.redis_url
        env["EPORT_REDIS_PREFIX"] = f"eport-bench-{os.getpid()}-{port}"  # never another deployment's keys
    env["EPORT_TRUSTED_PROXIES"] = "127.0.0.1/32"  # the bench client plays the reverse proxy
    log = open(data_dir / "server.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "eport.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=src or ROOT,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited ({proc.returncode}): see {data_dir / 'server.log'}")
        try:
            if request(port, "GET", "/pki/ca.pem", timeout=5) == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise SystemExit("the server did not answer in 120 s")


def forget_redis_keys(url: str, prefix: str) -> None:
    """Delete this run's keys (only those: the Redis may be shared)."""
    import redis

    r = redis.Redis.from_url(url)
    for key in r.scan_iter(f"{prefix}:*"):
        r.delete(key)
    r.close()


def stop_server(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def sample_ca(port, until, interval) -> list[tuple[float, float]]:
    """One client, one ca.pem at a time: (when it started, milliseconds it took)."""
    out = []
    while time.time() < until:
        started, t = time.time(), time.perf_counter()
        status = request(port, "GET", "/pki/ca.pem")
        out.append((started, (time.perf_counter() - t) * 1000))
        assert status == 200, status
        time.sleep(interval)
    return out


def bench_address(rnd) -> str:
    """An address of 198.18.0.0/15, the range set aside for benchmarks (only ever written in a header)."""
    n = rnd.getrandbits(17)
    return f"198.{18 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}"


def flood(port, until, client: str | None, answers: dict, lock: threading.Lock, floor: bool):
    """Closed loop until `until`: random-username sign-ins from `client` (None: a new address each), or
    with `floor` the cheapest request there is (GET /api/v1/me without a token: 401 at once)."""
    rnd = random.Random()
    while time.time() < until:
        body = json.dumps({"username": f"u{rnd.getrandbits(64):x}", "password": f"p{rnd.getrandbits(64):x}"})
        headers = {"Content-Type": "application/json", "X-Forwarded-For": client or bench_address(rnd)}
        t = time.perf_counter()
        try:
            if floor:
                status = request(port, "GET", "/api/v1/me", headers=headers)
            else:
                status = request(port, "POST", "/api/v1/auth/login", body=body.encode(), headers=headers)
        except OSError as e:
            status = type(e).__name__
        with lock:
            answers[status].append((time.perf_counter() - t) * 1000)


def stats(samples: list[tuple[float, float]]) -> dict:
    ms = sorted(m for _t, m in samples)
    if not ms:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "max": float("nan")}
    return {
        "n": len(ms),
        "p50": statistics.median(ms),
        "p95": ms[min(len(ms) - 1, int(0.95 * len(ms)))],
        "max": ms[-1],
    }


def commit_of(src_root: Path) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(src_root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def measure(args, label: str, src: Path | None, data_dir: Path, floor: bool = False) -> dict:
    """One server (from `src`/src when given, else this checkout), idle then flooded. In "one" mode the
    flood's address is new for each run, so a run never starts throttled by the one before."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    proc = start_server(args, port, data_dir, src)
    try:
        idle = sample_ca(port, time.time() + args.idle, args.interval)
        answers, lock = defaultdict(list), threading.Lock()
        start = time.time()
        until = start + args.seconds
        client = None if args.addresses == "many" else bench_address(random.Random())
        threads = [
            threading.Thread(target=flood, args=(port, until, client, answers, lock, floor))
            for _ in range(args.threads)
        ]
        for t in threads:
            t.start()
        loaded = sample_ca(port, until, args.interval)
        for t in threads:
            t.join()
    finally:
        stop_server(proc)
        if args.redis_url:
            forget_redis_keys(args.redis_url, f"eport-bench-{os.getpid()}-{port}")
    half = start + args.seconds / 2
    return {
        "label": label,
        "idle": stats(idle),
        "flood": stats(loaded),
        "flood_first_half": stats([x for x in loaded if x[0] < half]),
        "flood_second_half": stats([x for x in loaded if x[0] >= half]),
        "answers": {str(k): len(v) for k, v in sorted(answers.items(), key=str)},
        "answer_p50_ms": {str(k): statistics.median(v) for k, v in sorted(answers.items(), key=str)},
        "sign_ins_per_s": sum(map(len, answers.values())) / args.seconds,
    }


def main(argv=None):
    args = parse_args(argv)
    print(
        f"# Sign-in flood: {args.threads} threads, {args.seconds:g} s, {args.workers} workers, "
        f"{'SQLite' if not args.database_url else 'PostgreSQL'}, addresses: {args.addresses}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start"
    )
    runs = []
    if args.before:
        runs.append(
            measure(
                args,
                f"before ({commit_of(args.before)}, {args.before})",
                args.before,
                args.data_dir / "before",
            )
        )
    runs.append(
        measure(
            args,
            f"{'after' if args.before else 'this code'} ({code_version()})",
            None,
            args.data_dir / "after",
        )
    )
    if args.floor:
        runs.append(
            measure(
                args,
                "floor: the same threads sending GET /api/v1/me (401 at once)",
                None,
                args.data_dir / "after",
                floor=True,
            )
        )
    rows = []
    for r in runs:
        for what, key in (
            ("idle", "idle"),
            ("during the flood", "flood"),
            ("  first half", "flood_first_half"),
            ("  second half", "flood_second_half"),
        ):
            s = r[key]
            rows.append(
                [
                    r["label"] if key == "idle" else "",
                    what,
                    s["n"],
                    f"{s['p50']:.1f}",
                    f"{s['p95']:.1f}",
                    f"{s['max']:.1f}",
                ]
            )
    print()
    table(["code", "GET /pki/ca.pem", "n", "p50 ms", "p95 ms", "max ms"], rows)
    print()
    for r in runs:
        print(
            f"{r['label']}: flood {sum(r['answers'].values())} sign-ins, {r['sign_ins_per_s']:.1f}/s, answers: "
            + ", ".join(f"{k}: {v} (p50 {r['answer_p50_ms'][k]:.0f} ms)" for k, v in r["answers"].items())
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "threads": args.threads,
                    "seconds": args.seconds,
                    "workers": args.workers,
                    "addresses": args.addresses,
                    "runs": runs,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
