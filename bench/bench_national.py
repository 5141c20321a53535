#!/usr/bin/env python
"""National-scale benchmark of the card back office: 综合查询 and the card actions (see bench/README.md).

    python bench/bench_national.py                  # PostgreSQL: 1M enterprises, 5M operators, ~6M cards
    python bench/bench_national.py --db sqlite      # SQLite: 40k enterprises, 160k operators, ~200k cards

1. Sets up Django on its own data dir (default var/bench-national, never ./var) and its own database
   (PostgreSQL eport_bench_national, created when missing; on SQLite the file eport.sqlite3 in the data
   dir), migrates, loads the reference data when missing, initialises the CA (card actions need it).
2. Loads enterprises in the network, each with its legal card, and their approved operators, each with
   an operator card: a few big enterprises of 深圳 (ra:5300) with thousands of operators, the rest a
   handful (exponential, mean operators/enterprises), provinces weighted like foreign trade. Cards are
   mostly normal; lost, frozen and voided ones get a placeholder certificate on hold or revoked, so the
   CRL has the size it would have nationally (normal bulk cards have none; nothing reads it).
   COPY on PostgreSQL, executemany on SQLite, explicit ids, one transaction per chunk of enterprises,
   tqdm; resumable (a chunk is all or nothing: the enterprise count says where to go on). Then the
   sequences are reset and the tables VACUUM ANALYZEd.
3. Measures, with time.perf_counter():
   - 综合查询 exactly as GET /api/v1/cards runs it (cards_query, paginate page 1 of 20, capped count) by card
     number, by 证件编号 and by fuzzy name (1, 2, 3 characters), for the legal card of the biggest
     enterprise, the 深圳 sub-centre (ra:5300) and the national centre (ra:0000); next to the very SQL it
     sent re-run raw (page and count timed apart) and the serialisation of the page;
   - every card action through cards.actions.card_act, by the RA and by the legal card, on real cards
     made by card_make inside the big data set; once with the CRL as loaded (national size) and once
     with the bulk certificates moved out of it, since a status change issues a CRL in its transaction;
   - crl_publish alone at both sizes: the delta CRL (what an action issues) and the complete CRL.
"""

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from bench_queries import BRANDS, GIVEN, SURNAMES, TRADES, Capture, World, stats, timed
from benchlib import code_version, migrate_with_refdata, table  # bench/ is the script's own folder

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgresql://postgres@127.0.0.1:5432/eport_bench_national"
SCALE = {"pg": (1_000_000, 5_000_000), "sqlite": (40_000, 160_000)}  # enterprises, operators
CHUNK = 5000  # enterprises per transaction while loading (with their operators and cards: ~30k rows)
BIG = (5000, 3000, 2000, 2000, 1000, 1000, 500, 500, 200, 200)  # operators of the first enterprises (深圳)
# Card states other than normal (share of cards), and PIN-locked cards; the rest normal.
STATES = (("lost", 0.005), ("frozen", 0.003), ("lost_frozen", 0.001), ("voided", 0.02))
PIN_LOCKED = 0.002
VALID_DAYS = 730  # settings.CARD_VALIDITY_DAYS; cards made up to 900 days ago: some have expired
QUERY_TARGET, ACTION_TARGET = 50.0, 100.0  # p95 ms
BULK_CERT = "bench-card:"  # subject_key of the bulk placeholder certificates
BULK_SERIAL = 0xB0000000000000  # + id: far from the 159-bit random serials of real certificates
HIDE = dt.timedelta(days=365_000)  # moves bulk certificates' not_after into the past: out of the CRL
HIDDEN_BEFORE = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
PIN_HASH = "h1$bench"  # no PIN matches it: bulk cards are never signed in
ACTIONS = ("report-lost", "cancel-lost", "freeze", "unfreeze", "unlock", "renew", "void")
SURNAME_CUM = [sum(1 / (k + 1) ** 0.8 for k in range(j + 1)) for j in range(len(SURNAMES))]  # 王李张 first


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=("pg", "sqlite"), default="pg")
    p.add_argument("--database-url", help=f"PostgreSQL database (default {PG_URL}; created when missing)")
    p.add_argument("--data-dir", default=str(ROOT / "var" / "bench-national"), help="EPORT_DATA_DIR")
    p.add_argument("--enterprises", type=int, help="default 1000000 (pg), 40000 (sqlite)")
    p.add_argument("--operators", type=int, help="default 5000000 (pg), 160000 (sqlite)")
    p.add_argument("--samples", type=int, default=200, help="timed samples per query (default 200)")
    p.add_argument("--warmup", type=int, default=20, help="untimed runs before each query measurement")
    p.add_argument(
        "--budget",
        type=float,
        default=60,
        help="seconds per query measurement: a slow query gets fewer samples (at least 10)",
    )
    p.add_argument("--action-samples", type=int, default=100, help="per action and actor, bulk CRL moved out")
    p.add_argument("--crl-samples", type=int, default=20, help="per action and actor with the CRL as loaded")
    p.add_argument("--sections", default="queries,actions,crl", help="what to measure (default all three)")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument(
        "--explain",
        action="store_true",
        help="EXPLAIN (ANALYZE, BUFFERS) of every query measured: custom and generic plan",
    )
    p.add_argument(
        "--pg-unprepared",
        action="store_true",
        help="EPORT_PG_PREPARED=0: no server-side prepared statements (so no generic plans)",
    )
    p.add_argument("--load-only", action="store_true", help="load, measure nothing")
    p.add_argument("--measure-only", action="store_true", help="measure what is loaded, load nothing")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = p.parse_args(argv)
    args.enterprises = args.enterprises or SCALE[args.db][0]
    args.operators = args.operators or SCALE[args.db][1]
    return args


def ensure_pg_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(urlsplit(url)._replace(path="/postgres").geturl(), autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')
            print(f"database {name} created")


def setup_django(args):
    os.environ["DJANGO_SETTINGS_MODULE"] = "eport.settings"
    os.environ["EPORT_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ.setdefault("EPORT_DEBUG", "0")
    # Card actions mail the enterprise after commit: composed and handed to a backend that drops it
    # (the console default would print hundreds of mails; SMTP's cost is the mail server's).
    os.environ["EPORT_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    if args.db == "pg":
        args.database_url = args.database_url or PG_URL
        ensure_pg_database(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
        if args.pg_unprepared:
            os.environ["EPORT_PG_PREPARED"] = "0"
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


# --------------------------------------------------------------------------------------------- data


class Writer:
    """Rows of one model in bulk: COPY on PostgreSQL, executemany on SQLite. The generator gives the
    columns named here; every other concrete field gets its default, so a field added later needs nothing."""

    def __init__(self, model, names: tuple[str, ...]):
        from django.db import connection
        from django.utils import timezone

        fields = {f.attname: f for f in model._meta.concrete_fields}
        rest = [f for a, f in fields.items() if a not in names]
        now = timezone.now()
        self.columns = [fields[n].column for n in names] + [f.column for f in rest]
        self.suffix = tuple(
            now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
            for f in rest
        )
        self.table, self.conn = model._meta.db_table, connection

    def write(self, rows) -> None:
        q = self.conn.ops.quote_name
        cols = ", ".join(q(c) for c in self.columns)
        with self.conn.cursor() as c:
            if self.conn.vendor == "postgresql":
                with c.cursor.copy(f"COPY {q(self.table)} ({cols}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r + self.suffix)
            else:
                adapt = self._sqlite_value
                c.cursor.executemany(
                    f"INSERT INTO {q(self.table)} ({cols}) VALUES ({', '.join('?' * len(self.columns))})",
                    [tuple(adapt(v) for v in r + self.suffix) for r in rows],
                )

    def _sqlite_value(self, v):
        if isinstance(v, dt.datetime):
            return self.conn.ops.adapt_datetimefield_value(v)  # UTC text, as Django stores it
        return v.isoformat() if isinstance(v, dt.date) else v


ENT_COLS = (
    "id",
    "uscc",
    "name",
    "enterprise_no",
    "network_status",
    "legal_rep_name",
    "legal_rep_id_type",
    "legal_rep_id_no",
    "legal_person_type",
    "customs_code",
    "card_issuer_id",
    "contact_name",
    "contact_email",
    "registered_at",
    "entered_at",
)
OP_COLS = (
    "id",
    "operator_no",
    "enterprise_id",
    "name",
    "id_type",
    "id_no",
    "phone",
    "status",
    "registered_here",
    "created_at",
)
CERT_COLS = (
    "id",
    "serial",
    "subject_key",
    "der",
    "not_before",
    "not_after",
    "status",
    "reason",
    "revoked_at",
    "status_changed_at",
    "issued_at",
)
CARD_COLS = (
    "id",
    "card_no",
    "kind",
    "enterprise_id",
    "operator_id",
    "holder_name",
    "holder_id_type",
    "holder_id_no",
    "issuer_id",
    "valid_from",
    "valid_to",
    "state",
    "certificate_id",
    "pin_hash",
    "pin_locked",
    "must_change_pin",
    "made_at",
)


def person(rng) -> str:
    return rng.choices(SURNAMES, cum_weights=SURNAME_CUM)[0] + "".join(
        rng.choices(GIVEN, k=rng.choice((1, 2)))
    )


@lru_cache(maxsize=20_000)
def _born(base_year: int, days: int) -> str:
    return f"{dt.date(base_year, 1, 1) + dt.timedelta(days=days):%Y%m%d}"


def resident_id(division: str, n: int, base_year: int) -> str:
    """A valid 居民身份证号码, unique per (n, base_year): birth date from n // 1000, sequence n % 1000."""
    from stdnum.cn import ric

    body = f"{division}{_born(base_year, n // 1000)}{n % 1000:03d}"
    return body + ric.calc_check_digit(body)


class Generator:
    """Rows of enterprises start..stop-1 with their operators, cards and certificates; ids continue from
    `ids` (the next free id per table). Deterministic per chunk start: a resumed load makes the same."""

    def __init__(self, world, args):
        from django.utils import timezone

        self.world = world
        self.mean_ops = max(0.0, (args.operators - sum(BIG)) / max(1, args.enterprises - len(BIG)))
        self.sz_customs = [c for c in world.customs["44"] if c.startswith("53")]
        self.sz_counties = [c for c in world.counties["44"] if c.startswith("4403")]
        tz = timezone.get_current_timezone()
        today = timezone.localdate()
        self.now = timezone.now()
        # valid_from, valid_to, made_at, certificate not_after: per "made d days ago"
        self.days = [
            (
                today - dt.timedelta(days=d),
                today - dt.timedelta(days=d - VALID_DAYS),
                dt.datetime.combine(today - dt.timedelta(days=d), dt.time(10), tz),
                dt.datetime.combine(today - dt.timedelta(days=d - VALID_DAYS), dt.time(23, 59, 59), tz),
            )
            for d in range(900)
        ]

    def chunk(self, start, stop, ids, rng):
        from eport.cards.numbers import card_no_make
        from eport.validators import make_uscc

        w, ents, ops, certs, cards = self.world, [], [], [], []

        def card(kind, eid, oid, holder, id_no, issuer, made):
            cid = ids["card"]
            ids["card"] += 1
            card_no = card_no_make(kind=kind, issuer_code=issuer[3:], serial=cid)
            r, state = rng.random(), "normal"
            for s, share in STATES:
                if r < share:
                    state = s
                    break
                r -= share
            d = self.days[rng.randrange(900) if made is None else made]
            cert_id = None
            if state != "normal":  # its certificate is on the CRL (while not expired)
                cert_id = ids["cert"]
                ids["cert"] += 1
                changed = d[2] + (self.now - d[2]) * rng.random()
                certs.append(
                    (
                        cert_id,
                        format(BULK_SERIAL + cert_id, "x"),
                        BULK_CERT + card_no,
                        b"",
                        d[2],
                        d[3],
                        "revoked" if state == "voided" else "hold",
                        "cessation_of_operation" if state == "voided" else "certificate_hold",
                        changed,
                        changed,
                        d[2],
                    )
                )
            cards.append(
                (
                    cid,
                    card_no,
                    kind,
                    eid,
                    oid,
                    holder,
                    "resident_id",
                    id_no,
                    issuer,
                    d[0],
                    d[1],
                    state,
                    cert_id,
                    PIN_HASH,
                    rng.random() < PIN_LOCKED,
                    False,
                    d[2],
                )
            )

        for i in range(start, stop):
            if i < len(BIG):  # the big ones: 深圳, served by ra:5300
                p, county, customs, n_ops = (
                    "44",
                    rng.choice(self.sz_counties),
                    rng.choice(self.sz_customs),
                    BIG[i],
                )
            else:
                p = rng.choices(w.provinces, w.weights)[0]
                county, customs = rng.choice(w.counties[p]), rng.choice(w.customs[p])
                n_ops = int(rng.expovariate(1 / self.mean_ops) + 0.5) if self.mean_ops else 0
            eid = ids["ent"]
            ids["ent"] += 1
            issuer = f"ra:{customs[:2]}00"
            made = rng.randrange(900)
            rep, rep_id = person(rng), resident_id(county, eid, 1940)
            name = f"{w.city_name(county)}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司"
            entered = self.days[made][2]
            ents.append(
                (
                    eid,
                    make_uscc("91", county, f"B{i:07d}"),
                    name,
                    f"{customs}{i + 1:010d}",
                    "in_network",
                    rep,
                    "resident_id",
                    rep_id,
                    "enterprise",
                    customs,
                    issuer,
                    rep,
                    f"e{i}@bench.invalid",
                    entered,
                    entered,
                )
            )
            card("legal", eid, None, rep, rep_id, issuer, made)
            for _ in range(n_ops):
                oid = ids["op"]
                ids["op"] += 1
                op_name, op_id = person(rng), resident_id(county, oid, 1960)
                ops.append(
                    (
                        oid,
                        f"CZ{oid:010d}",
                        eid,
                        op_name,
                        "resident_id",
                        op_id,
                        f"13{oid % 10**9:09d}",
                        "APPROVED",
                        True,
                        entered,
                    )
                )
                card("operator", eid, oid, op_name, op_id, issuer, None)
        return ents, ops, certs, cards


def next_ids() -> dict:
    from django.db.models import Max

    from eport.cards.models import Card
    from eport.enterprises.models import Enterprise
    from eport.operators.models import Operator
    from eport.pki.models import Certificate

    return {
        k: (m.objects.aggregate(x=Max("id"))["x"] or 0) + 1
        for k, m in (("ent", Enterprise), ("op", Operator), ("cert", Certificate), ("card", Card))
    }


def reset_sequences() -> None:
    """Explicit ids leave the id sequences behind: move them past the rows (no-op on SQLite)."""
    from django.core.management.color import no_style
    from django.db import connection

    from eport.cards.models import Card
    from eport.enterprises.models import Enterprise
    from eport.operators.models import Operator
    from eport.pki.models import Certificate

    with connection.cursor() as c:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Enterprise, Operator, Certificate, Card]):
            c.execute(sql)


def load(args, world) -> float:
    """Add the missing enterprises (with operators, cards, certificates); returns the seconds it took."""
    from django.db import connection, transaction
    from tqdm import tqdm

    from eport.cards.models import Card
    from eport.enterprises.models import Enterprise
    from eport.operators.models import Operator
    from eport.pki.models import Certificate

    have = Enterprise.objects.count()
    if have >= args.enterprises:
        print(f"data: {have} enterprises present (>= {args.enterprises}), nothing to add")
        return 0.0
    writers = [
        Writer(Enterprise, ENT_COLS),
        Writer(Operator, OP_COLS),
        Writer(Certificate, CERT_COLS),
        Writer(Card, CARD_COLS),
    ]
    gen, ids = Generator(world, args), next_ids()
    if connection.vendor == "postgresql":
        with connection.cursor() as c:  # bench rows: a crash may lose the last commits, never corrupt
            c.execute("SET synchronous_commit TO off")
    added = {"operators": 0, "cards": 0}
    t0 = time.perf_counter()
    with tqdm(total=args.enterprises, initial=have, unit="ent", desc="load", smoothing=0.05) as bar:
        for start in range(have, args.enterprises, CHUNK):
            stop = min(start + CHUNK, args.enterprises)
            rows = gen.chunk(start, stop, ids, random.Random(args.seed * 1_000_003 + start))
            with transaction.atomic():
                for writer, r in zip(writers, rows, strict=True):
                    writer.write(r)
            added["operators"] += len(rows[1])
            added["cards"] += len(rows[3])
            bar.update(stop - start)
            bar.set_postfix(operators=added["operators"], cards=added["cards"], refresh=False)
    seconds = time.perf_counter() - t0
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("RESET synchronous_commit")  # measured with the server's durability
    reset_sequences()
    print(
        f"load: added {args.enterprises - have} enterprises, {added['operators']} operators, {added['cards']} "
        f"cards in {seconds:.0f} s ({added['cards'] / seconds:.0f} cards/s)"
    )
    return seconds


def analyze() -> float:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("SET maintenance_work_mem TO '1GB'")
            # VACUUM too: bulk-loaded pages are not all-visible until vacuumed (index-only scans need it).
            for t in (
                "enterprises_enterprise",
                "operators_operator",
                "pki_certificate",
                "cards_card",
                "cards_cardnamegram",
                "accounts_user",
                "refdata_unit",
            ):
                c.execute(f"VACUUM ANALYZE {t}")
            c.execute("RESET maintenance_work_mem")
        else:
            c.execute("ANALYZE")
    seconds = time.perf_counter() - t0
    print(f"analyze: {seconds:.0f} s")
    return seconds


def data_summary() -> dict:
    from django.db import connection
    from django.db.models import Count

    from eport.cards.models import Card
    from eport.enterprises.models import Enterprise
    from eport.operators.models import Operator

    out = {
        "enterprises": Enterprise.objects.count(),
        "operators": Operator.objects.count(),
        "cards_by_state": dict(Card.objects.values_list("state").annotate(n=Count("id")).order_by()),
        "crl_entries": crl_entries(),
    }
    out["cards"] = sum(out["cards_by_state"].values())
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("SELECT pg_database_size(current_database())")
            out["db_bytes"] = c.fetchone()[0]
            c.execute(
                "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relname IN "
                "('cards_card', 'operators_operator', 'enterprises_enterprise', 'pki_certificate')"
            )
            out["table_bytes"] = dict(c.fetchall())
        else:
            db = Path(connection.settings_dict["NAME"])
            out["db_bytes"] = sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())
    return out


# ---------------------------------------------------------------------------------------- measuring


def crl_entries() -> int:
    """What the complete CRL lists now: certificates not good and not expired (pki/services._build_crl)."""
    from django.utils import timezone

    from eport.pki.models import Certificate, CertStatus

    return Certificate.objects.exclude(status=CertStatus.GOOD).filter(not_after__gt=timezone.now()).count()


def bulk_crl(visible: bool) -> None:
    """Put the bulk certificates on the CRL (as loaded) or take them off it (their not_after moved a
    thousand years back), so the actions can be measured with the national CRL and without it."""
    from django.db import connection
    from django.db.models import F

    from eport.pki.models import Certificate

    bulk = Certificate.objects.filter(subject_key__startswith=BULK_CERT)
    if visible:
        n = bulk.filter(not_after__lt=HIDDEN_BEFORE).update(not_after=F("not_after") + HIDE)
    else:
        n = bulk.filter(not_after__gte=HIDDEN_BEFORE).update(not_after=F("not_after") - HIDE)
    if n and connection.vendor == "postgresql":
        with (
            connection.cursor() as c
        ):  # the update left a dead copy of each row: the CRL scan would read both
            c.execute("VACUUM ANALYZE pki_certificate")


class Bench:
    def __init__(self, args):
        self.args, self.rng = args, random.Random(args.seed + 7)
        self.results, self.plans = [], {}

    def query(self, what, scope, calls):
        """calls: zero-argument callables, one per sample (1 probe + warm-up + samples), each returning
        (page, total) as paginate does. Times the ORM path (the SQL captured on the way), the page's
        serialisation, and the captured SQL re-run raw, one query at a time, interleaved."""
        from django.db import connection

        from eport.api.schemas import CardOut

        a = self.args
        probe = timed(calls[0])  # also a warm-up; tells how many samples fit the budget
        n = min(a.samples, max(10, int(a.budget * 1000 / (2 * probe + 1e-3))))
        w = min(a.warmup, max(1, n // 10))
        for f in calls[1 : 1 + w]:
            f()
        orm, ser, raw, parts, totals = [], [], [], [], []
        for f in calls[1 + w : 1 + w + n]:
            cap = Capture()
            t0 = time.perf_counter()
            with connection.execute_wrapper(cap):
                page, total = f()
            orm.append((time.perf_counter() - t0) * 1000)
            ser.append(timed(lambda page=page: [CardOut.model_validate(c).model_dump() for c in page]))
            times = []
            # the SELECTs only: not the SET LOCAL and savepoints of planned_for_values
            cap.queries = [(sql, p) for sql, p in cap.queries if sql.lstrip()[:6].upper() == "SELECT"]
            with connection.cursor() as c:
                for sql, params in cap.queries:
                    t0 = time.perf_counter()
                    c.execute(sql, params)
                    c.fetchall()
                    times.append((time.perf_counter() - t0) * 1000)
            raw.append(sum(times))
            parts.append(times)
            totals.append(total)
            self.plans.setdefault((what, scope), cap.queries)
        # paginate skips the count when page 1 is not full: 1 or 2 queries, the split over those that ran
        nq = sorted({len(x) for x in parts})
        common = {
            "section": "query",
            "what": what,
            "scope": scope,
            "n": len(orm),
            "queries": nq[0] if len(nq) == 1 else f"{nq[0]}–{nq[-1]}",
            "rows": len(page),
            "total": round(statistics.median(totals)),
            "total_max": max(totals),
            "target": QUERY_TARGET,
        }
        split = " / ".join(
            f"{statistics.median(x[k] for x in parts if len(x) > k):.1f}" for k in range(nq[-1])
        )
        self.results.append({**common, "path": "ORM", **stats(orm), "ser_p50": statistics.median(ser)})
        self.results.append({**common, "path": "raw SQL", **stats(raw), "split": split})

    def action(self, what, actor_label, crl, times, queries):
        self.results.append(
            {
                "section": "action",
                "what": what,
                "scope": actor_label,
                "crl": crl,
                "n": len(times),
                "queries": queries,
                "target": ACTION_TARGET,
                **stats(times),
            }
        )


def scope_cards(actor, k, rng) -> list[tuple]:
    """k random cards (card_no, holder_id_no, holder_name) among those the actor may see."""
    from django.db.models import Max, Min

    from eport.cards.models import Card
    from eport.cards.selectors import cards_visible

    qs = cards_visible(actor).values_list("card_no", "holder_id_no", "holder_name")
    if actor.enterprise_id:  # one enterprise: a few thousand cards at most
        rows = list(qs)
    else:  # a sub-centre or the nation: random ids, kept when in scope
        lo, hi = Card.objects.aggregate(lo=Min("id"), hi=Max("id")).values()
        rows = []
        while len(rows) < min(k, 2000):
            rows += list(qs.filter(pk__in=[rng.randint(lo, hi) for _ in range(5000)]))
    return [rng.choice(rows) for _ in range(k)]


def measure_queries(b, actors) -> None:
    from eport.cards.selectors import cards_page

    need = 1 + b.args.warmup + b.args.samples

    def call(actor, **kw):
        # exactly what api/cards.py `cards` calls: page 1 of 20 with the certificate and operator, the
        # count stopping at COUNT_LIMIT (a total of COUNT_LIMIT + 1 says "more"), planned for the values
        return lambda: cards_page(actor, page=1, page_size=20, **kw)[:2]  # page, total

    for label, actor in actors:
        picks = scope_cards(actor, need * 3, b.rng)
        three = [c for c in picks if len(c[2]) == 3] or picks
        t0 = time.perf_counter()
        b.query("card number", label, [call(actor, card_no=c[0]) for c in picks[:need]])
        b.query("证件编号", label, [call(actor, id_no=c[1]) for c in picks[:need]])
        b.query(
            "name, 1 char", label, [call(actor, holder_name=b.rng.choice(c[2][1:])) for c in picks[:need]]
        )
        b.query("name, 2 chars", label, [call(actor, holder_name=c[2][:2]) for c in picks[:need]])
        b.query("name, 3 chars", label, [call(actor, holder_name=c[2]) for c in three[:need]])
        print(f"queries: {label} measured in {time.perf_counter() - t0:.0f} s")


def make_pool(ra, enterprise, n, rng) -> list[tuple]:
    """n operator cards made by the RA for new approved operators of the enterprise (card_make, as the
    sub-centre does), with their keys read back from the card files (延期 needs the card's signature)."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    from eport.cards.making import card_make
    from eport.operators.models import Operator

    nxt = next_ids()["op"]
    pool = []
    for k in range(n):
        op = Operator.objects.create(
            enterprise=enterprise,
            name=person(rng),
            phone="13800138000",
            status="APPROVED",
            id_no=resident_id("440305", nxt + k, 1960),
        )
        made = card_make(
            actor=ra, kind="operator", enterprise_uscc=enterprise.uscc, operator_no=op.operator_no
        )
        key = pkcs12.load_key_and_certificates(made.card_file, made.card_file_password.encode())[0]
        pool.append((made.card, key))
    return pool


def run_actions(b, label, actor, pool, warm, crl, may_void) -> None:
    """Every action of the table on each card of the pool in turn (the first `warm` cards untimed)."""
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.db import connection
    from django.utils import timezone

    from eport.cards.actions import card_act
    from eport.cards.challenges import challenge_issue
    from eport.cards.models import Card

    for action in ACTIONS if may_void else ACTIONS[:-1]:
        times, queries = [], None
        for k, (card, key) in enumerate(pool):
            kw = {}
            if action == "unlock":  # the card must be PIN-locked: as after five wrong PINs
                Card.objects.filter(pk=card.pk).update(pin_locked=True, pin_failures=5)
            elif action == "renew":  # inside the renewal window, and the card signs a fresh challenge
                Card.objects.filter(pk=card.pk).update(valid_to=timezone.localdate() + dt.timedelta(days=30))
                c = challenge_issue(card.card_no, "renew")
                sig = key.sign(base64.b64decode(c["nonce"]), ec.ECDSA(hashes.SHA256()))
                kw = {"challenge_id": c["challenge_id"], "signature": base64.b64encode(sig).decode()}
            elif action == "void":
                kw = {"reason": "cessation_of_operation"}
            cap = Capture()
            t0 = time.perf_counter()
            with connection.execute_wrapper(cap):
                card_act(actor=actor, card_no=card.card_no, action=action, **kw)
            ms = (time.perf_counter() - t0) * 1000
            queries = len(cap.queries)
            if k >= warm:
                times.append(ms)
        b.action(action, label, crl, times, queries)


def measure_actions(b, ra, legal, enterprise) -> None:
    a = b.args
    for variant, n, visible in (
        ("bulk CRL moved out", a.action_samples, False),
        ("CRL as loaded", a.crl_samples, True),
    ):
        if n <= 0:
            continue
        bulk_crl(visible)
        warm = 1  # the first card of each action untimed
        t0 = time.perf_counter()
        pools = {
            "RA": make_pool(ra, enterprise, n + warm, b.rng),
            "legal": make_pool(ra, enterprise, n + warm, b.rng),
        }
        print(f"actions: {2 * (n + warm)} cards made in {time.perf_counter() - t0:.1f} s")
        crl = f"{crl_entries():,} ({variant})"
        t0 = time.perf_counter()
        run_actions(b, f"RA {ra.unit_id}", ra, pools["RA"], warm, crl, may_void=True)
        run_actions(b, "legal card", legal, pools["legal"], warm, crl, may_void=False)
        print(f"actions: {variant} measured in {time.perf_counter() - t0:.0f} s")
    bulk_crl(True)


def measure_crl(b) -> None:
    """crl_publish alone (rolled back) at both CRL sizes: as a status change calls it (the delta CRL) and
    with full=True (the complete CRL too: issued again when fetched after a change, and once a day)."""
    from django.db import connection, transaction

    from eport.pki import services

    for visible in (False, True):
        bulk_crl(visible)
        row = {
            "section": "crl",
            "scope": "CRL as loaded" if visible else "bulk CRL moved out",
            "entries": crl_entries(),
            "n": max(1, min(5, b.args.crl_samples)),
        }
        for full in (False, True):
            times = []
            for _ in range(row["n"]):
                with transaction.atomic():
                    cap = Capture()
                    t0 = time.perf_counter()
                    with connection.execute_wrapper(cap):
                        state = services.crl_publish(full=full)
                    times.append((time.perf_counter() - t0) * 1000)
                    size = len(bytes(state.der if full else state.delta_der))
                    transaction.set_rollback(True)
            row["full" if full else "delta"] = {"bytes": size, **stats(times)}
            if b.args.explain:  # now, while the CRL has this size
                explain(
                    [q for q in cap.queries if q[0].lstrip().upper().startswith("SELECT")],
                    f"crl_publish(full={full}) — {row['scope']}",
                )
        b.results.append(row)
    bulk_crl(True)


def ensure_actors(enterprise):
    from eport.accounts.models import User

    def get(username, **kw):
        User.objects.get_or_create(username=username, defaults=kw)
        return User.objects.select_related("unit", "enterprise").get(username=username)

    ra = get(
        f"bench-nat-{enterprise.card_issuer_id.replace(':', '-')}",
        kind="ra",
        unit_id=enterprise.card_issuer_id,
    )
    nation = get("bench-nat-ra-0000", kind="ra", unit_id="ra:0000")
    legal = get(f"bench-nat-legal-{enterprise.pk}", kind="legal_card", enterprise=enterprise)
    return ra, nation, legal


def run_measurements(args) -> list[dict]:
    from eport.cards.models import Card
    from eport.enterprises.models import Enterprise

    b = Bench(args)
    big = Enterprise.objects.select_related("card_issuer").order_by("id").first()  # BIG[0] operators
    ra, nation, legal = ensure_actors(big)
    n_big = Card.objects.filter(enterprise=big).count()
    sections = args.sections.split(",")
    if "queries" in sections:
        measure_queries(
            b,
            [
                (f"legal card ({n_big:,} cards)", legal),
                (f"RA {ra.unit_id}", ra),
                ("RA ra:0000 (national)", nation),
            ],
        )
    if "actions" in sections:
        measure_actions(b, ra, legal, big)
    if "crl" in sections:
        measure_crl(b)
    if args.explain:
        for (what, scope), queries in b.plans.items():
            explain(queries, f"{what} — {scope}")
    return b.results


def pg_type(value) -> str:
    """The type to PREPARE a parameter as (psycopg would tell the server; PREPARE must say it)."""
    for t, name in ((bool, "boolean"), (int, "bigint"), (dt.datetime, "timestamptz"), (dt.date, "date")):
        if isinstance(value, t):
            return name
    return "text"


def explain(queries, title) -> None:
    """The plan of each query with its parameters (custom plan) and, on PostgreSQL, the generic plan: the
    app prepares statements (EPORT_PG_PREPARED), and after five runs PostgreSQL may switch a prepared
    statement to one plan for any parameters, blind to e.g. how selective a LIKE pattern is."""
    import re

    import psycopg
    from django.db import connection, transaction

    print(f"\n--- plan: {title}")
    with connection.cursor() as c:
        for sql, params in queries:
            shown = connection.ops.last_executed_query(c, sql, params)
            print(re.sub(r"^SELECT (.{60}).*? FROM ", r"SELECT \1… FROM ", shown, flags=re.S))  # columns cut
            if connection.vendor != "postgresql":
                c.execute("EXPLAIN QUERY PLAN " + sql, params)
                print("\n".join("    " + " | ".join(map(str, row)) for row in c.fetchall()))
                continue
            # PREPARE with $n inside must not go out with server-side binding (the $n would be its own)
            pc = psycopg.ClientCursor(connection.connection)
            numbers = iter(range(1, len(params) + 1))
            prepared = re.sub(r"%s", lambda _m, n=numbers: f"${next(n)}", sql).replace("%%", "%")
            for mode in ("force_custom_plan", "force_generic_plan"):
                with transaction.atomic():
                    pc.execute(f"SET LOCAL plan_cache_mode = {mode}")
                    pc.execute(
                        f"PREPARE bench_plan ({', '.join(map(pg_type, params))}) AS {prepared}"
                        if params
                        else f"PREPARE bench_plan AS {prepared}"
                    )
                    pc.execute(
                        f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE bench_plan "
                        f"({', '.join(f'%s::{pg_type(v)}' for v in params)})"
                        if params
                        else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE bench_plan",
                        params,
                    )
                    print(f"  [{mode.split('_')[1]} plan]")
                    print("\n".join("    " + row[0] for row in pc.fetchall()))
                    pc.execute("DEALLOCATE bench_plan")


def verdict(r) -> str:
    return "PASS" if r["p95"] < r["target"] else "MISS"


def print_tables(results) -> None:
    q = [r for r in results if r["section"] == "query"]
    print(
        "\n综合查询 (cards_query + paginate p1/20, count capped at COUNT_LIMIT; raw: the same SQL re-run, "
        "page / count split)\n"
    )
    table(
        (
            "query",
            "scope",
            "path",
            "n",
            "q",
            "rows",
            "total",
            "p50 ms",
            "p95 ms",
            "max ms",
            "page / count p50",
            "serialise p50",
            "target p95",
            "result",
        ),
        [
            (
                r["what"],
                r["scope"],
                r["path"],
                r["n"],
                r["queries"],
                r["rows"],
                r["total"] if r["total"] == r["total_max"] else f"{r['total']} (≤{r['total_max']})",
                f"{r['p50']:.2f}",
                f"{r['p95']:.2f}",
                f"{r['max']:.2f}",
                r.get("split", ""),
                f"{r['ser_p50']:.2f}" if "ser_p50" in r else "",
                f"< {r['target']:.0f} ms" if r["path"] == "ORM" else "",
                verdict(r) if r["path"] == "ORM" else "",
            )
            for r in q
        ],
    )
    a = [r for r in results if r["section"] == "action"]
    if a:
        print("\ncard actions (cards.actions.card_act; all but unlock issue a CRL in their transaction)\n")
        table(
            (
                "action",
                "actor",
                "CRL entries",
                "n",
                "q",
                "p50 ms",
                "p95 ms",
                "max ms",
                "target p95",
                "result",
            ),
            [
                (
                    r["what"],
                    r["scope"],
                    r["crl"],
                    r["n"],
                    r["queries"],
                    f"{r['p50']:.1f}",
                    f"{r['p95']:.1f}",
                    f"{r['max']:.1f}",
                    f"< {r['target']:.0f} ms",
                    verdict(r),
                )
                for r in a
            ],
        )
    c = [r for r in results if r["section"] == "crl"]
    if c:
        print(
            "\nCRL issuing alone (pki.services.crl_publish, rolled back): the delta CRL, as a status change issues "
            "it, and full=True (the complete CRL too)\n"
        )
        table(
            (
                "CRL",
                "entries",
                "n",
                "delta p50 ms",
                "delta max ms",
                "delta bytes",
                "complete p50 ms",
                "complete max ms",
                "complete bytes",
            ),
            [
                (
                    r["scope"],
                    f"{r['entries']:,}",
                    r["n"],
                    f"{r['delta']['p50']:.1f}",
                    f"{r['delta']['max']:.1f}",
                    f"{r['delta']['bytes']:,}",
                    f"{r['full']['p50']:.0f}",
                    f"{r['full']['max']:.0f}",
                    f"{r['full']['bytes']:,}",
                )
                for r in c
            ],
        )


def main(argv=None):
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = parse_args(argv)
    setup_django(args)
    from django.db import connection

    from eport.pki.ca import ca_init

    version = code_version()
    print(f"code: {version}")
    t0 = time.perf_counter()
    migrate_with_refdata()
    ca_init()
    reset_sequences()  # an interrupted load may have left them behind
    bulk_crl(True)  # an interrupted measurement may have left the bulk certificates off the CRL
    timing = {}
    if not args.measure_only:
        timing["load_s"] = load(args, World())
        if timing["load_s"]:
            timing["analyze_s"] = analyze()
    summary = {**data_summary(), **timing}
    vendor = connection.vendor
    dbdesc = (
        f"SQLite {'.'.join(map(str, connection.Database.sqlite_version_info))}"
        if vendor == "sqlite"
        else f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    )
    print(f"database: {dbdesc} {connection.settings_dict['NAME']}, {summary['db_bytes'] / 2**30:.2f} GiB")
    print("data:", json.dumps(summary, ensure_ascii=False))
    print(f"setup: {time.perf_counter() - t0:.0f} s")
    if args.load_only:
        return
    if vendor == "postgresql":
        with connection.cursor() as c:
            c.execute(
                "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', "
                "'effective_cache_size', 'max_parallel_workers_per_gather', 'jit')"
            )
            print("postgresql:", ", ".join(f"{n}={s}{u or ''}" for n, s, u in c.fetchall()))
    results = run_measurements(args)
    print(
        f"\n{dbdesc}, {summary['enterprises']:,} enterprises, {summary['operators']:,} operators, "
        f"{summary['cards']:,} cards, database {summary['db_bytes'] / 2**30:.2f} GiB; up to {args.samples} samples "
        f"after up to {args.warmup} warm-up runs ({args.budget:.0f} s budget per query); "
        f"Python {platform.python_version()}; code {version}"
    )
    if code_version() != version:
        print("WARNING: the code changed while measuring; run again")
    print_tables(results)
    misses = [
        f"{r['what']} / {r['scope']}"
        for r in results
        if r["section"] in ("query", "action") and r.get("path", "ORM") == "ORM" and verdict(r) == "MISS"
    ]
    print(f"\ntargets: {'all met' if not misses else f'{len(misses)} missed: ' + '; '.join(misses)}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "code": version,
                    "database": dbdesc,
                    "data": summary,
                    "args": vars(args),
                    "results": results,
                },
                ensure_ascii=False,
                indent=1,
                default=str,
            )
        )


if __name__ == "__main__":
    main()
