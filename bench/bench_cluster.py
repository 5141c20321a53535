"""Card sign-ins per second through the cluster (deploy/cluster: HAProxy → N app nodes → PgBouncer →
PostgreSQL primary, Redis), with 1 and with 2 app nodes, in the same run as the cheapest authenticated
request (GET /me, an RA token: auth and one query). Results: docs/benchmarks.md ("The cluster").

    .venv/bin/python bench/bench_cluster.py                       # 1 and 2 nodes, 2 workers each
    .venv/bin/python bench/bench_cluster.py --nodes 1,2,3 --workers 1 --clients 6 --seconds 15

For each node count: `deploy/cluster up` in a fresh directory (--dir, default /tmp/eport-bench-cluster),
the drill's cards (deploy/drill.py seed: legal cards, keys read back from the card files, PIN changed
once), then, each for --seconds after --warmup, --clients client processes in a closed loop (bench_cards.py's
clients, one connection each, kept alive through HAProxy): `me` (GET /me, RA token) and `sign-in` (challenge,
the card signs the nonce in the client, login). The machine's CPU is split by process tree from /proc: app
nodes, PostgreSQL (both clusters), PgBouncer, HAProxy, Redis, the clients, other; `cluster CPU ms/op` is all
but the clients and other, `per core` = 1000 ÷ that (what one core of server would do). The cluster is
stopped at the end (--keep leaves the last one up).
"""

import argparse
import json
import multiprocessing as mp
import os
import queue as queue_mod
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "deploy"))

from bench_cards import client_main, cpu_snapshot, lat  # noqa: E402
from cluster import Cluster, app_python  # noqa: E402

GROUPS = ("nodes", "postgres", "pgbouncer", "haproxy", "redis", "worker", "s3")


def int_list(s: str) -> list[int]:
    return [int(x) for x in s.split(",") if x.strip()]


def roots(cluster: Cluster) -> dict[int, str]:
    """The pid of each thing the cluster started -> its group."""
    out = {}
    for f in cluster.run.glob("*.pid"):
        try:
            pid = int(f.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        name = f.stem
        group = "nodes" if name.startswith("node") else "postgres" if name in ("primary", "replica") else name
        out[pid] = group
    return out


def split(a: dict, b: dict, root_pids: dict[int, str], client_pids: set[int]) -> dict[str, float]:
    """CPU seconds between two snapshots by group (a process belongs to the group of its nearest root)."""
    parent = {pid: p[1] for pid, p in b["procs"].items()}
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = defaultdict(float)
    me = os.getpid()
    for pid, (_comm, _ppid, ticks) in b["procs"].items():
        before = a["procs"].get(pid)
        used = (ticks - (before[2] if before else 0)) / tick
        if used <= 0:
            continue
        group, p = "other", pid
        while p and p != 1:
            if p in root_pids:
                group = root_pids[p]
                break
            if p in client_pids:
                group = "clients"
                break
            p = parent.get(p)
        if pid == me:
            group = "bench"
        out[group] += used
    out["idle"] = (b["idle"] - a["idle"]) / tick
    return out


def measure(task: str, port: int, jobs: list[dict], args, root_pids) -> dict:
    ctx = mp.get_context("spawn")
    q, go, times = ctx.Queue(), ctx.Event(), ctx.Array("d", 3)
    procs = [ctx.Process(target=client_main, args=(task, port, j, q, go, times), daemon=True) for j in jobs]
    for p in procs:
        p.start()
    try:
        for _ in procs:
            kind, _pid = q.get(timeout=120)
        t0 = time.time() + 0.05
        times[:] = [t0, t0 + args.warmup, t0 + args.warmup + args.seconds]
        go.set()
        time.sleep(max(0.0, times[1] - time.time()))
        a = cpu_snapshot()
        time.sleep(max(0.0, times[2] - time.time()))
        b = cpu_snapshot()
        results = [q.get(timeout=300)[1] for _ in procs]
    except queue_mod.Empty:
        raise SystemExit(f"{task}: a client did not report in time") from None
    finally:
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.terminate()
    cpu = split(a, b, root_pids, {p.pid for p in procs})
    elapsed = b["t"] - a["t"]
    n = sum(r["n"] for r in results)
    server = sum(cpu.get(g, 0.0) for g in GROUPS)
    return {
        "what": task,
        "n": n,
        "per_s": n / elapsed,
        **lat([x for r in results for x in r["lat"]]),
        "errors": dict(sum((r["errors"] for r in results), Counter())),
        "cpu_s": {k: round(v / elapsed, 3) for k, v in cpu.items()},  # cores busy, by group
        "cluster_cpu_ms": server * 1000 / n if n else None,
    }


def run_nodes(nodes: int, args) -> list[dict]:
    d = Path(args.dir)
    cluster = Cluster(d)
    if cluster.state:
        cluster.down()
    subprocess.run(["rm", "-rf", str(d)], check=True)
    cluster = Cluster(d)
    cluster.up(nodes, args.workers, args.base_port)
    try:
        subprocess.run(
            [
                app_python(),
                str(ROOT / "deploy" / "drill.py"),
                "_seed",
                "--dir",
                str(d),
                "--cards",
                str(args.cards),
            ],
            env=cluster.node_env(1),
            check=True,
        )
        data = json.loads((d / "drill.json").read_text())
        port = cluster.port("haproxy")
        root_pids = roots(cluster)
        rows = []
        for task in ("me", "sign-in"):
            if task == "me":
                jobs = [{"tokens": [data["ra_token"]]} for _ in range(args.clients)]
            else:
                jobs = [{"cards": data["cards"][i :: args.clients]} for i in range(args.clients)]
            row = measure(task, port, jobs, args, root_pids)
            row.update(nodes=nodes, workers=args.workers, clients=args.clients)
            rows.append(row)
            busy = ", ".join(f"{k} {v:.2f}" for k, v in sorted(row["cpu_s"].items()) if v >= 0.01)
            print(
                f"  nodes {nodes} × {args.workers} workers, {task:<8} {row['per_s']:7.1f}/s  p50 {row['p50']:.1f} ms"
                f"  p99 {row['p99']:.1f} ms  cluster CPU {row['cluster_cpu_ms'] or 0:.2f} ms/op"
                f"  errors {row['errors'] or 0}\n      cores busy: {busy}",
                flush=True,
            )
        return rows
    finally:
        if not (args.keep and nodes == args.nodes[-1]):
            cluster.down()


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nodes", type=int_list, default=[1, 2], help="app node counts to run (default 1,2)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers per node (default 2)")
    p.add_argument("--clients", type=int, default=4, help="client processes (default 4)")
    p.add_argument("--cards", type=int, default=40, help="cards signing in (default 40)")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--warmup", type=float, default=2)
    p.add_argument("--dir", default="/tmp/eport-bench-cluster")
    p.add_argument("--base-port", type=int, default=57100)
    p.add_argument("--keep", action="store_true", help="leave the last cluster running")
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args(argv)
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    print(f"code: {commit.stdout.strip()}  machine: {os.cpu_count()} cores  command: {' '.join(sys.argv)}")
    rows = [r for n in args.nodes for r in run_nodes(n, args)]
    cores = os.cpu_count() or 1
    print(
        "\n| nodes × workers | GET /me (RA) /s | sign-ins /s | sign-ins /s per core | ÷ GET /me | cluster CPU ms per sign-in | = per core of server |"
    )
    print("|---|---|---|---|---|---|---|")
    for n in args.nodes:
        me = next(r for r in rows if r["nodes"] == n and r["what"] == "me")
        si = next(r for r in rows if r["nodes"] == n and r["what"] == "sign-in")
        ms = si["cluster_cpu_ms"] or 0
        print(
            f"| {n} × {args.workers} | {me['per_s']:.0f} | {si['per_s']:.0f} | {si['per_s'] / cores:.0f} | "
            f"{si['per_s'] / me['per_s']:.0%} | {ms:.2f} | {1000 / ms if ms else 0:.0f} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
