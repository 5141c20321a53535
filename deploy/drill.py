"""The cluster drills (docs/operations.md, "Deployment (cluster)"): what a failure does to real traffic.

    deploy/drill [all|node|redis|replica] [--dir /tmp/eport-cluster] [--nodes 2] [--workers 2] [--clients 4]

Against the cluster in --dir when it is up, else one started for the drills (and stopped afterwards unless
--keep). The load is real card sign-ins through HAProxy (challenge → the card's key signs the nonce → login
with the PIN → GET /me with the new token) from --clients threads in a closed loop.
  node     one app node killed (SIGKILL to its gunicorn master and workers) mid-load: only the requests in
           flight on it fail, HAProxy takes it out within ~2 s, the rest go on; restarted, it rejoins.
  redis    redis-server stopped under load and started again: sign-ins go on, and while it is down a flood
           of wrong card proofs from one address is still refused (429: throttles degrade safe, not open).
  replica  the replica stopped: a read-heavy list still answers 200 (from the primary); started again,
           the reads go back to it (PgBouncer's transaction counts per database).
Prints what happened with numbers; exits 1 when a drill fails.
"""

import argparse
import base64
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cluster import Cluster, app_python, log  # noqa: E402  (deploy/ is the script's folder)

PIN = "20261205"
RA_USERNAME = "drill-ra"
RA_UNIT = "ra:5300"
DRILL_NAME = "演练企业"


# ------------------------------------------------------------------------- the drill's cards (in Django)


def seed(path: Path, n_cards: int) -> None:
    """Runs in the app's Python with node 1's environment: an RA officer and its token, and usable legal
    cards with their PINs changed once, their keys read back from the card files (as bench/bench_cards.py)."""
    import django

    django.setup()
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from django.utils import timezone

    from eport.accounts.models import User, UserKind
    from eport.accounts.services import token_issue
    from eport.cards.challenges import challenge_issue
    from eport.cards.making import card_make
    from eport.cards.models import Card, CardState
    from eport.cards.signin import card_pin_change, card_sign_in
    from eport.enterprises.choices import NetworkStatus
    from eport.enterprises.models import Enterprise
    from eport.validators import make_uscc

    ra, _ = User.objects.get_or_create(
        username=RA_USERNAME, defaults={"kind": UserKind.RA, "unit_id": RA_UNIT, "password": "!"}
    )
    old = json.loads(path.read_text()) if path.exists() else {"cards": []}
    usable = set(
        Card.objects.filter(
            card_no__in=[c["card_no"] for c in old["cards"]], state=CardState.NORMAL, must_change_pin=False
        ).values_list("card_no", flat=True)
    )
    cards = [c for c in old["cards"] if c["card_no"] in usable]
    Card.objects.filter(card_no__in=usable).update(pin_failures=0, pin_locked=False)
    start = Enterprise.objects.filter(name__startswith=DRILL_NAME).count()
    for i in range(start, start + max(0, n_cards - len(cards))):
        ent = Enterprise.objects.create(
            uscc=make_uscc("91", "440300", f"D{i:07d}"),
            name=f"{DRILL_NAME}{i:07d}",
            legal_rep_name="张三",
            legal_rep_id_type="resident_id",
            legal_rep_id_no="11010519491231002X",
            customs_code="5300",
            card_issuer_id=RA_UNIT,
            network_status=NetworkStatus.IN_NETWORK,
            entered_at=timezone.now(),
        )
        made = card_make(actor=ra, kind="legal", enterprise_uscc=ent.uscc)
        key, _c, _chain = pkcs12.load_key_and_certificates(made.card_file, made.card_file_password.encode())
        ch = challenge_issue(made.card.card_no)
        sig = key.sign(base64.b64decode(ch["nonce"]), ec.ECDSA(hashes.SHA256()))
        card = card_sign_in(
            challenge_id=ch["challenge_id"],
            card_no=made.card.card_no,
            signature=base64.b64encode(sig).decode(),
            pin=made.initial_pin,
        )
        card_pin_change(actor=card.user, old_pin=made.initial_pin, new_pin=PIN)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        cards.append({"card_no": made.card.card_no, "pin": PIN, "key_pem": pem})
    data = {"cards": cards[:n_cards], "ra_token": token_issue(user=User.objects.get(pk=ra.pk))}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)


# ------------------------------------------------------------------------------------------ the load


class Client:
    """Requests to HAProxy, every one recorded (start, end, status, node). A connection per request: on a
    kept-alive connection HAProxy answers a request lost with its node by closing the connection (as
    HTTP lets a client retry it), which would leave the failure unlogged and unattributed."""

    def __init__(self, port: int, records: list, xff: str | None = None):
        self.port, self.records, self.xff = port, records, xff
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body=None, token=None, what=""):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        headers["Connection"] = "close"
        if token:
            headers["Authorization"] = "Bearer " + token
        if self.xff:
            headers["X-Forwarded-For"] = self.xff
        t0 = time.time()
        try:
            self.conn.request(method, path, json.dumps(body).encode() if body is not None else None, headers)
            r = self.conn.getresponse()
            data, status, node = r.read(), r.status, r.getheader("X-Eport-Node", "")
        except (OSError, http.client.HTTPException) as e:
            self.conn.close()
            data, status, node = repr(e).encode(), 0, ""
        rec = {"t0": t0, "t1": time.time(), "status": status, "node": node, "what": what}
        if status != 200:
            rec["error"] = data[:200].decode(errors="replace")
        self.records.append(rec)
        self.conn.close()
        return status, data


def sign(key, nonce_b64: str) -> str:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    return base64.b64encode(key.sign(base64.b64decode(nonce_b64), ec.ECDSA(hashes.SHA256()))).decode()


def sign_in(client: Client, card: dict, key, wrong_key=None) -> tuple[int, dict]:
    """Challenge → signature → login. Returns the login's status (or the challenge's when it failed)."""
    s, d = client.call("POST", "/api/v1/auth/card/challenge", {"card_no": card["card_no"]}, what="challenge")
    if s != 200:
        return s, {}
    ch = json.loads(d)
    body = {
        "challenge_id": ch["challenge_id"],
        "card_no": card["card_no"],
        "pin": card["pin"],
        "signature": sign(wrong_key or key, ch["nonce"]),
    }
    s, d = client.call("POST", "/api/v1/auth/card/login", body, what="login")
    try:
        answer = json.loads(d)
    except ValueError:
        return s, {}
    if s == 200 and "token" in answer and wrong_key is None:
        # The token works on whichever node answers next (the card's menu comes from the shared cache).
        s, _d = client.call("GET", "/api/v1/me", token=answer["token"], what="me")
    return s, answer


class Load:
    """--clients threads signing in in a closed loop until stopped; every sign-in and request recorded."""

    def __init__(self, port: int, cards: list[dict], clients: int):
        from cryptography.hazmat.primitives import serialization

        self.port, self.clients = port, clients
        self.cards = [(c, serialization.load_pem_private_key(c["key_pem"].encode(), None)) for c in cards]
        self.requests: list[dict] = []
        self.sign_ins: list[dict] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(clients)]

    def run(self, i: int) -> None:
        client = Client(self.port, self.requests)
        mine = self.cards[i :: self.clients]
        k = 0
        while not self.stopping.is_set():
            card, key = mine[k % len(mine)]
            k += 1
            t0 = time.time()
            s, d = sign_in(client, card, key)
            self.sign_ins.append({"t0": t0, "t1": time.time(), "ok": s == 200 and "token" in d, "status": s})

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=60)

    def phase(self, t0: float, t1: float) -> dict:
        """The sign-ins and requests that ended in [t0, t1)."""
        s = [x for x in self.sign_ins if t0 <= x["t1"] < t1]
        r = [x for x in self.requests if t0 <= x["t1"] < t1]
        return {
            "seconds": t1 - t0,
            "ok": sum(x["ok"] for x in s),
            "failed": sum(not x["ok"] for x in s),
            "failed_requests": [x for x in r if x["status"] != 200],
            "nodes": Counter(x["node"] for x in r if x["status"] == 200),
        }


def show_phase(name: str, p: dict) -> None:
    nodes = ", ".join(f"{k or '?'} {v}" for k, v in sorted(p["nodes"].items()))
    statuses = Counter(x["status"] for x in p["failed_requests"])
    log(
        f"  {name:<34} {p['seconds']:5.1f} s  sign-ins ok {p['ok']:5d}  failed {p['failed']:3d}"
        f"  ({p['ok'] / p['seconds']:.0f}/s; requests answered by {nodes or 'none'})"
        + (f"  failed requests by status: {dict(statuses)}" if statuses else "")
    )


# ------------------------------------------------------------------------------------------ drills


class Drills:
    def __init__(self, cluster: Cluster, data: dict, clients: int):
        self.c, self.clients = cluster, clients
        self.cards, self.ra_token = data["cards"], data["ra_token"]
        self.port = cluster.port("haproxy")
        self.results: dict[str, bool] = {}

    def check(self, drill: str, ok: bool, what: str) -> None:
        log(f"  {'ok  ' if ok else 'FAIL'} {what}")
        self.results[drill] = self.results.get(drill, True) and ok

    def wait_haproxy(self, node: str, state: str, timeout: float) -> float | None:
        """Seconds until HAProxy's check says `node` is `state` (UP / DOWN), None if not within timeout."""
        t0 = time.time()
        while time.time() - t0 < timeout:
            if self.c.haproxy_servers().get(node, "").startswith(state):
                return time.time() - t0
            time.sleep(0.05)
        return None

    def node(self) -> None:
        n = self.c.state["nodes"]
        victim = f"node{n}"
        log(
            f"\n== node drill: {n} nodes × {self.c.state['workers']} workers, {self.clients} clients; {victim} killed =="
        )
        if n < 2:
            self.check("node", False, "needs at least 2 nodes")
            return
        hlog = self.c.logs / "haproxy.log"
        offset = hlog.stat().st_size
        with Load(self.port, self.cards, self.clients) as load:
            t_start = time.time()
            time.sleep(4)
            t_kill = time.time()
            self.c.kill_node(n)
            t_dead = time.time()
            out = self.wait_haproxy(victim, "DOWN", 10)
            time.sleep(max(0.0, 6 - (time.time() - t_kill)))
            t_restart = time.time()
            self.c.start_node(n)
            back = self.wait_haproxy(victim, "UP", 60)
            t_in = time.time()
            time.sleep(4)
            t_end = time.time()
        before, during, after = (
            load.phase(t_start, t_kill),
            load.phase(t_kill, t_in),
            load.phase(t_in, t_end),
        )
        show_phase("before the kill", before)
        show_phase(f"{victim} killed → back in HAProxy", during)
        show_phase("after it rejoined", after)
        # In flight on the killed node: sent before it was dead, answered (with a failure) after the kill.
        failed = [x for x in load.requests if x["status"] != 200 and x["t1"] >= t_kill and x["t0"] < t_in]
        in_flight = [x for x in failed if x["t0"] < t_dead]
        before_failed = [x for x in load.requests if x["status"] != 200 and x["t1"] < t_kill]
        log(
            f"  kill took {t_dead - t_kill:.2f} s; HAProxy marked {victim} DOWN "
            + (f"{out:.1f} s after the kill" if out is not None else "NOT within 10 s")
            + f"; restarted after {t_restart - t_kill:.1f} s, UP again "
            + (f"{back:.1f} s later" if back is not None else "NOT within 60 s")
        )
        log(
            f"  failed requests from the kill until it was back: {len(failed)}, of which sent before it was dead "
            f"(in flight): {len(in_flight)}"
        )
        bad_log = [
            ln
            for ln in hlog.read_text(errors="replace")[offset:].splitlines()
            if len(ln.split()) > 2 and ln.split()[2].isdigit() and int(ln.split()[2]) >= 500
        ]
        on_victim = [ln for ln in bad_log if ln.split()[1] == victim]
        log(f"  HAProxy's log: {len(bad_log)} answers ≥ 500, {len(on_victim)} of them from {victim}")
        for ln in bad_log[:5]:
            log(f"    {ln}")
        for x in failed:
            log(
                f"    failed: {x['what']} {x['status']} at {x['t0'] - t_kill:+.3f} s from the kill: {x['error'][:120]}"
            )
        self.check("node", not before_failed, "no failure before the kill")
        self.check(
            "node",
            len(failed) == len(in_flight) <= 2 * self.clients,
            f"only requests sent before the killed node was dead failed ({len(failed)}, {self.clients} clients)",
        )
        self.check("node", len(on_victim) == len(bad_log), f"every failed answer came from {victim}")
        self.check("node", out is not None and out <= 3, "HAProxy took it out within 3 s")
        self.check("node", during["ok"] > 0 and after["failed"] == 0, "the rest went on; no failure after")
        self.check(
            "node", back is not None and after["nodes"].get(victim, 0) > 0, f"{victim} rejoined and serves"
        )

    def flood(self, xff: str, attempts: int) -> list[int]:
        """Wrong card proofs (a valid challenge signed by another card's key) from one client address."""
        from cryptography.hazmat.primitives import serialization

        card = self.cards[-1]
        wrong = serialization.load_pem_private_key(self.cards[0]["key_pem"].encode(), None)
        client, statuses = Client(self.port, [], xff=xff), []
        for _ in range(attempts):
            s, _d = sign_in(client, card, None, wrong_key=wrong)
            statuses.append(s)
            if statuses[-5:] == [429] * 5:
                break
        return statuses

    def redis(self) -> None:
        log(
            f"\n== redis drill: redis-server stopped under load, then started again; {self.clients} clients =="
        )
        xff = f"203.0.113.{random.randrange(1, 255)}"
        load_cards = self.cards[:-1]  # the last card is the flood's target, the load never signs in with it
        with Load(self.port, load_cards, self.clients) as load:
            t_start = time.time()
            time.sleep(3)
            t_stop = time.time()
            self.c.stop("redis")
            flood = self.flood(xff, 60)
            time.sleep(max(0.0, 5 - (time.time() - t_stop)))
            t_restart = time.time()
            self.c.start_redis()
            t_up = time.time()
            time.sleep(4)
            t_end = time.time()
            after_flood = self.flood(xff, 5)
        before, outage, after = load.phase(t_start, t_stop), load.phase(t_stop, t_up), load.phase(t_up, t_end)
        show_phase("before", before)
        show_phase("redis down (stop → started again)", outage)
        show_phase("after it returned", after)
        log(f"  redis was down {t_up - t_stop:.1f} s (started again in {t_up - t_restart:.2f} s)")
        first_429 = flood.index(429) + 1 if 429 in flood else None
        log(
            f"  flood of wrong proofs from {xff} while redis was down: {len(flood)} attempts, answers "
            f"{dict(Counter(flood))}; refused with 429 from attempt {first_429 or '—'} on"
        )
        log(
            f"  the same address after redis returned: {dict(Counter(after_flood))}"
            + (
                ""
                if 429 in after_flood
                else " (redis came back empty: the Redis throttles count from zero again)"
            )
        )
        attempts = outage["ok"] + outage["failed"]
        self.check("redis", before["failed"] == 0, "no failure before")
        self.check(
            "redis",
            outage["ok"] > 0 and outage["failed"] <= max(self.clients, attempts // 20),
            f"sign-ins went on while redis was down ({outage['ok']} ok, {outage['failed']} failed)",
        )
        self.check(
            "redis",
            first_429 is not None and all(s == 429 for s in flood[first_429 - 1 :]),
            "the flood from one address was refused (429), not let through",
        )
        self.check("redis", after["failed"] == 0 and after["ok"] > 0, "no failure after it returned")

    def pgbouncer_xacts(self) -> dict[str, int]:
        """PgBouncer's transactions so far per database (its stats refresh every second: stats_period)."""
        time.sleep(2.1)
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.c.port("pgbouncer")), "-U", "postgres", "-AtF,"]
            + ["-c", "SHOW STATS", "pgbouncer"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return {ln.split(",")[0]: int(ln.split(",")[1]) for ln in out.splitlines() if ln.count(",") > 2}

    def reads(self, path: str, n: int) -> tuple[Counter, dict[str, int], float]:
        """n reads of the list; their statuses, the transactions they cost per database, the slowest (s)."""
        before = self.pgbouncer_xacts()
        client, records = Client(self.port, []), []
        client.records = records
        for _ in range(n):
            client.call("GET", path, token=self.ra_token)
        after = self.pgbouncer_xacts()
        delta = {db: after.get(db, 0) - before.get(db, 0) for db in after if db != "pgbouncer"}
        return Counter(r["status"] for r in records), delta, max(r["t1"] - r["t0"] for r in records)

    def replica(self, path: str, n: int = 20) -> None:
        log(f"\n== replica drill: {n} × GET {path} (RA token) with the replica up, stopped, started again ==")
        routed = self.c.app_setting("DATABASE_REPLICA_URL")
        if not routed:
            log(
                "  note: this app has no database router (DATABASE_REPLICA_URL): every read goes to the primary"
            )

        def show(name, r):
            statuses, delta, slowest = r
            log(
                f"  {name:<28} answers {dict(statuses)}; PgBouncer's transactions: primary {delta.get('eport', 0)}, "
                f"replica {delta.get('eport_replica', 0)}; slowest {slowest * 1000:.0f} ms"
            )

        up = self.reads(path, n)
        show("replica up", up)
        self.c.stop_pg("replica")
        down = self.reads(path, n)
        show("replica stopped", down)
        self.c.start_pg("replica")
        t0, back = time.time(), self.reads(path, n)
        # Each process asks the replica again every few seconds (eport/dbrouter.py): until then, the primary.
        while routed and back[1].get("eport_replica", 0) < n and time.time() - t0 < 30:
            back = self.reads(path, n)
        show(f"replica started ({time.time() - t0:.0f} s)", back)
        for name, r in (("up", up), ("stopped", down), ("started again", back)):
            self.check("replica", r[0] == Counter({200: n}), f"replica {name}: every read answered 200")
        # (PgBouncer also counts the router's attempts on the stopped replica, which it answered with an error.)
        self.check("replica", down[1].get("eport", 0) >= n, "replica stopped: the primary answered the reads")
        if routed:
            # At least a transaction per read on the replica (the router's own checks are a few).
            self.check("replica", up[1].get("eport_replica", 0) >= n, "replica up: the reads went to it")
            self.check(
                "replica", back[1].get("eport_replica", 0) >= n, "replica started again: the reads back on it"
            )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="deploy/drill", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("drill", nargs="?", default="all", choices=["all", "node", "redis", "replica", "_seed"])
    p.add_argument("--dir", default=os.environ.get("EPORT_CLUSTER_DIR", "/tmp/eport-cluster"))
    p.add_argument("--nodes", type=int, default=2)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--base-port", type=int, default=57000)
    p.add_argument("--clients", type=int, default=4, help="sign-in threads (default 4)")
    p.add_argument("--cards", type=int, default=17, help="cards to sign in with (default 17)")
    p.add_argument("--read-path", default="/api/v1/cards?page_size=20", help="the read-heavy list")
    p.add_argument("--keep", action="store_true", help="leave a cluster the drill started running")
    a = p.parse_args(argv)
    cluster = Cluster(Path(a.dir))
    if a.drill == "_seed":
        seed(cluster.dir / "drill.json", a.cards)
        return 0
    started = not (cluster.state and cluster.pid("haproxy"))
    try:
        if started:
            cluster.up(a.nodes, a.workers, a.base_port)
        else:
            log(f"using the cluster up in {cluster.dir}: {cluster.url}/")
        t0 = time.time()
        subprocess.run(
            [app_python(), __file__, "_seed", "--dir", str(cluster.dir), "--cards", str(a.cards)],
            env=cluster.node_env(1),
            check=True,
        )
        data = json.loads((cluster.dir / "drill.json").read_text())
        log(f"{len(data['cards'])} drill cards ready in {time.time() - t0:.1f} s")
        drills = Drills(cluster, data, a.clients)
        for name in ("node", "redis", "replica") if a.drill == "all" else (a.drill,):
            if name == "replica":
                drills.replica(a.read_path)
            else:
                getattr(drills, name)()
        log("\n" + "; ".join(f"{k} drill {'PASSED' if v else 'FAILED'}" for k, v in drills.results.items()))
        return 0 if all(drills.results.values()) else 1
    finally:
        if started and not a.keep:
            cluster.down()


if __name__ == "__main__":
    sys.exit(main())
