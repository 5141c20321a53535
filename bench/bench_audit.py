#!/usr/bin/env python
"""Audited writes per second on PostgreSQL with N concurrent sessions (see bench/README.md).

    python bench/bench_audit.py                                  # this checkout: the hash chain
    python bench/bench_audit.py --src /path/to/older/checkout/src --database-url .../eport_bench_audit_before

One audited write = what a service does for a small change: one transaction that updates a row of its
own (the session's account: last_login) and calls `eport.audit.services.record(...)`, then commits
(durably: synchronous_commit stays on). Each session is its own process with its own connection,
writing in a closed loop for --seconds after --warmup. `--src` imports `eport` from another checkout
(e.g. the commit before the chain) so the same script measures before and after; each code needs its
own database, migrated by its own migrations (created when missing).
"""

import argparse
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/eport_bench_audit")
    p.add_argument("--src", help="import eport from this src/ folder instead of the installed one")
    p.add_argument("--sessions", default="1,2,4,8,16", help="concurrent sessions, one run each")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--warmup", type=float, default=2)
    p.add_argument("--data-dir", default="/tmp/eport-bench-audit")
    p.add_argument("--verify", action="store_true", help="run `eport audit verify` afterwards and time it")
    p.add_argument(
        "--fill",
        type=int,
        default=0,
        help="first grow the chain to this many rows (bulk, linked as record() links them) for --verify",
    )
    p.add_argument("--json", help="write the results to this file")
    return p.parse_args()


def setup(args):
    if args.src:
        sys.path.insert(0, str(Path(args.src).resolve()))
    os.environ["DJANGO_SETTINGS_MODULE"] = "eport.settings"
    os.environ["EPORT_DATA_DIR"] = args.data_dir
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["EPORT_AUDIT_CHECKPOINT_HOURS"] = (
        "0"  # the daily checkpoint is one signature a day: not measured
    )
    import psycopg

    base, name = args.database_url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as c:
        if not c.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            c.execute(f'create database "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def accounts(n):
    from eport.accounts.models import User

    users = []
    for i in range(n):
        u, _ = User.objects.get_or_create(username=f"bench-audit-{i:03d}", defaults={"kind": "reviewer"})
        users.append(u.pk)
    return users


def session(user_id, start_at, stop_at, warm_at, queue):
    from django.db import connections, transaction
    from django.utils import timezone

    from eport.accounts.models import User
    from eport.audit.services import record

    connections.close_all()  # never the parent's connection after fork
    user = User.objects.get(pk=user_id)
    latencies, holds = [], []
    locked = []
    try:  # with the chain: how long each write holds the chain head (from its lock to its commit)
        from eport.audit import chain

        lock_head = chain.lock_head

        def timed_lock_head():
            head = lock_head()
            locked.append(time.perf_counter())
            return head

        chain.lock_head = timed_lock_head
    except ImportError:
        pass
    while time.time() < start_at:
        time.sleep(0.001)
    n = 0
    while (now := time.time()) < stop_at:
        t0 = time.perf_counter()
        with transaction.atomic():
            User.objects.filter(pk=user_id).update(last_login=timezone.now())
            record(actor=user, action="bench.audited_write", obj=user, after={"n": n, "at": timezone.now()})
        done = time.perf_counter()
        if now >= warm_at:
            latencies.append(done - t0)
            if locked:
                holds.append(done - locked[-1])
        locked.clear()
        n += 1
    connections.close_all()
    queue.put((latencies, holds))


def fill(total):
    """Grow the chain to `total` rows quickly: bulk inserts of rows linked exactly as record() links them
    (same hash function, under the head's lock), with typical content, for timing `eport audit verify`."""
    from django.db import transaction
    from django.utils import timezone

    from eport.audit.chain import HASHED, lock_head, row_hash
    from eport.audit.models import AuditEvent

    while (have := AuditEvent.objects.count()) < total:
        with transaction.atomic():
            head = lock_head()
            batch = []
            for i in range(min(5000, total - have)):
                e = AuditEvent(
                    sequence=head.sequence + 1,
                    prev_hash=head.hash,
                    at=timezone.now(),
                    actor_id=i % 500,
                    actor_label=f"reviewer{i % 500}",
                    action="application.update",
                    object_type="applications.application",
                    object_id=str(have + i),
                    before={"status": "draft", "version": 3, "data": {"name": "深圳测试贸易有限公司"}},
                    after={"status": "draft", "version": 4, "data": {"name": "深圳测试贸易有限公司二"}},
                )
                e.hash = row_hash({f: getattr(e, f) for f in HASHED})
                head.sequence, head.hash = e.sequence, e.hash
                batch.append(e)
            AuditEvent.objects.bulk_create(batch)
            head.save(update_fields=["sequence", "hash"])
        print(f"  filled to {have + len(batch)} rows", end="\r", flush=True)
    print()


def run(users, sessions, args):
    from django.db import connections

    connections.close_all()
    start = time.time() + 0.5
    warm, stop = start + args.warmup, start + args.warmup + args.seconds
    queue = mp.Queue()
    procs = [mp.Process(target=session, args=(users[i], start, stop, warm, queue)) for i in range(sessions)]
    for p in procs:
        p.start()
    lat, holds = [], []
    for _ in procs:
        a, b = queue.get()
        lat += a
        holds += b
    for p in procs:
        p.join()
    lat.sort()
    out = {
        "sessions": sessions,
        "writes": len(lat),
        "per_second": len(lat) / args.seconds,
        "p50_ms": 1000 * statistics.median(lat),
        "p95_ms": 1000 * lat[int(0.95 * (len(lat) - 1))],
    }
    if holds:  # the chain admits one writer at a time: 1 / mean hold is its ceiling, whatever the sessions
        out["head_held_ms"] = 1000 * statistics.mean(holds)
        out["ceiling_per_second"] = 1 / statistics.mean(holds)
    return out


def main():
    args = parse()
    setup(args)
    from django.db import connection

    import eport
    from eport.audit.models import AuditEvent

    src = Path(eport.__file__).resolve().parent.parent
    commit = (
        subprocess.run(
            ["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        or "unknown"
    )
    chained = any(f.name == "sequence" for f in AuditEvent._meta.get_fields())
    with connection.cursor() as c:
        c.execute("show server_version")
        pg = c.fetchone()[0]
        c.execute("show synchronous_commit")
        sync = c.fetchone()[0]
    print(
        f"eport from {src} (commit {commit}; {'hash chain' if chained else 'no chain'}), PostgreSQL {pg}, "
        f"synchronous_commit={sync}, {os.cpu_count()} cores, {args.seconds:g} s per run after {args.warmup:g} s"
    )
    counts = [int(x) for x in args.sessions.split(",")]
    users = accounts(max(counts))
    results = []
    print(
        "| sessions | audited writes/s | p50 ms | p95 ms | chain head held, mean ms | ceiling/s (1 ÷ held) |"
    )
    print("|---|---|---|---|---|---|")
    for n in counts:
        r = run(users, n, args)
        results.append(r)
        held = f"{r['head_held_ms']:.2f} | {r['ceiling_per_second']:.0f}" if "head_held_ms" in r else "– | –"
        print(f"| {n} | {r['per_second']:.0f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {held} |", flush=True)
    out = {"src": str(src), "commit": commit, "chained": chained, "results": results}
    if args.fill and chained:
        fill(args.fill)
    if args.verify and chained:
        from io import StringIO

        from django.core.management import call_command

        buf = StringIO()
        t0 = time.perf_counter()
        call_command("audit", "verify", stdout=buf)
        seconds = time.perf_counter() - t0
        rows = AuditEvent.objects.count()
        print(
            f"eport audit verify: {seconds:.1f} s for {rows} rows ({rows / seconds:.0f} rows/s): "
            f"{buf.getvalue().strip()}"
        )
        out["verify"] = {"rows": rows, "seconds": seconds}
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    mp.set_start_method("fork")
    main()
