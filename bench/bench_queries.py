#!/usr/bin/env python
"""Query benchmark of the E-Port hot read paths at volume (see bench/README.md, docs/benchmarks.md).

    python bench/bench_queries.py --n 100000 [--database-url URL] [--samples 200]

1. Sets up Django on its own data dir (default var/bench, never the dev database), migrates, loads the
   reference data when missing.
2. Creates N enterprises, each with a card-less user and one `enterprise_entry` application in a mix
   of states (DRAFT / SUBMITTED / RETURNED / APPROVED) and the review steps those states imply, routed
   to the real units of the reference data (aic/tax/quality county units, ra:XX00 data sub-centres),
   spread over all provinces. bulk_create in batches, one transaction per batch, resumable: bench rows
   already present are counted and only the missing ones are added.
3. Measures p50/p95 latency of the applicant's status list, a province reviewer's pending queue and
   the prefix look-up, each through the ORM (as the API calls it), the same SQL re-executed raw on
   connection.cursor(), and (for the first two) the whole HTTP path through django.test.Client.
"""

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from benchlib import code_version, migrate_with_refdata, table  # bench/ is the script's own folder

ROOT = Path(__file__).resolve().parent.parent

BENCH_ENTERPRISE_PREFIX = "bench-e"  # card-less users: bench-e0000000 … (the resume counter)
BENCH_STAFF_PREFIX = "bench-r-"  # reviewers: bench-r-aic-440000, bench-r-ra-5300 …
PASSWORD = "Bench-Passw0rd!"

# Rough share of foreign-trade enterprises per province (GB/T 2260 prefix -> weight); the rest small.
PROVINCE_WEIGHTS = {
    "44": 22,
    "33": 14,
    "32": 10,
    "31": 8,
    "37": 8,
    "35": 6,
    "11": 3,
    "13": 2.5,
    "12": 2,
    "21": 2,
    "34": 2,
    "41": 2,
    "42": 2,
    "43": 2,
    "51": 2,
    "50": 1.5,
    "36": 1.5,
    "45": 1.5,
    "61": 1,
    "14": 0.6,
    "15": 0.5,
    "22": 0.5,
    "23": 0.6,
    "46": 0.5,
    "52": 0.5,
    "53": 0.7,
    "54": 0.1,
    "62": 0.3,
    "63": 0.1,
    "64": 0.2,
    "65": 0.5,
}
# Province -> direct customs (XX00) whose districts serve it; the RA unit is ra:XX00.
PROVINCE_CUSTOMS = {
    "11": ["01"],
    "12": ["02"],
    "13": ["04"],
    "14": ["05"],
    "15": ["06", "07"],
    "21": ["08", "09"],
    "22": ["15"],
    "23": ["19"],
    "31": ["22"],
    "32": ["23"],
    "33": ["29", "31"],
    "34": ["33"],
    "35": ["35", "37"],
    "36": ["40"],
    "37": ["42", "43"],
    "41": ["46"],
    "42": ["47"],
    "43": ["49"],
    "44": ["51", "52", "53", "57", "60", "67", "68"],
    "45": ["72"],
    "46": ["64"],
    "50": ["80"],
    "51": ["79"],
    "52": ["83"],
    "53": ["86"],
    "54": ["88"],
    "61": ["90"],
    "62": ["95"],
    "63": ["97"],
    "64": ["96"],
    "65": ["94"],
}
APP_STATES = [("DRAFT", 0.15), ("SUBMITTED", 0.35), ("RETURNED", 0.10), ("APPROVED", 0.40)]
LPT_WEIGHTS = [("enterprise", 0.88), ("other", 0.03), ("institution", 0.06), ("special", 0.03)]
JOINT = {
    "enterprise": ("aic", "tax", "quality"),
    "other": ("aic", "tax", "quality"),
    "institution": ("quality",),
    "special": (),
}
BRANDS = (
    "华创",
    "鑫达",
    "宏远",
    "瑞丰",
    "恒通",
    "嘉禾",
    "金桥",
    "海纳",
    "天成",
    "万润",
    "博远",
    "盛世",
    "永安",
    "联合",
    "东方",
    "远航",
    "新興",
    "德信",
    "利民",
    "汇丰",
    "星河",
    "中联",
    "信达",
    "伟业",
    "宝丰",
)
TRADES = (
    "贸易",
    "进出口",
    "电子",
    "科技",
    "实业",
    "机械",
    "纺织",
    "服装",
    "化工",
    "物流",
    "食品",
    "医药",
    "五金",
    "塑胶",
    "家具",
    "照明",
    "供应链",
    "跨境电商",
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬辉鹏"
RETURN_OPINIONS = (
    "营业执照扫描件不清晰，请重新上传。",
    "法人证件号码与证件不符，请核对。",
    "住所与登记信息不一致。",
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000, help="enterprises to have (default 100000)")
    p.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="e.g. postgresql://postgres@127.0.0.1:5432/eport_bench (default: SQLite in the data dir)",
    )
    p.add_argument(
        "--data-dir", default=str(ROOT / "var" / "bench"), help="EPORT_DATA_DIR (default var/bench)"
    )
    p.add_argument("--samples", type=int, default=200, help="timed samples per measurement (default 200)")
    p.add_argument("--warmup", type=int, default=20, help="untimed runs before each measurement (default 20)")
    p.add_argument("--batch", type=int, default=2000, help="enterprises per transaction while loading")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--no-http", action="store_true", help="skip the django.test.Client measurements")
    p.add_argument("--explain", action="store_true", help="print the plans (EXPLAIN ANALYZE / QUERY PLAN)")
    p.add_argument("--analyze", action="store_true", help="ANALYZE even when no rows were added")
    p.add_argument(
        "--proposed-indexes",
        action="store_true",
        help="add the recommended review-step indexes for this run (dropped afterwards)",
    )
    p.add_argument("--load-only", action="store_true", help="create the data, measure nothing")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    return p.parse_args(argv)


def setup_django(args):
    os.environ["DJANGO_SETTINGS_MODULE"] = "eport.settings"
    os.environ["EPORT_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ.setdefault("EPORT_DEBUG", "0")  # no query log, no debug toolbar-ish overhead
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


# --------------------------------------------------------------------------------------------- data


@contextmanager
def explicit_timestamps(*models):
    """Let bulk_create keep the created_at/updated_at we set (auto_now/auto_now_add would overwrite them)."""
    saved = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, now_add in saved:
            f.auto_now, f.auto_now_add = now, now_add


class World:
    """The reference data the generator draws from, read once."""

    def __init__(self):
        from eport.refdata.models import CustomsDistrict, Division, Unit

        divisions = list(Division.objects.values_list("code", "name", "level", "parent_id"))
        self.div_name = {c: n for c, n, _, _ in divisions}
        self.div_parent = {c: p for c, _, _, p in divisions}
        self.counties = {p: [] for p in PROVINCE_WEIGHTS}
        self.prefectures = {p: [] for p in PROVINCE_WEIGHTS}
        for code, _name, level, _parent in divisions:
            if code[:2] in self.counties and level == 3:
                self.counties[code[:2]].append(code)
            elif code[:2] in self.counties and level == 2:
                self.prefectures[code[:2]].append(code)
        self.unit_ids = set(Unit.objects.values_list("id", flat=True))
        districts = list(CustomsDistrict.objects.values_list("code", flat=True))
        self.customs = {
            p: [d for d in districts if d[:2] in prefixes and f"ra:{d[:2]}00" in self.unit_ids]
            for p, prefixes in PROVINCE_CUSTOMS.items()
        }
        self.provinces = [p for p in PROVINCE_WEIGHTS if self.counties[p] and self.customs[p]]
        self.weights = [PROVINCE_WEIGHTS[p] for p in self.provinces]

    def city_name(self, code: str) -> str:
        p = self.div_parent.get(code)
        name = self.div_name[p] if p and self.div_parent.get(p) else self.div_name[code[:2] + "0000"]
        for suffix in ("市", "省", "自治区", "地区", "自治州", "盟"):
            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                return name[: -len(suffix)]
        return name


def province_units(p: str) -> list[str]:
    """The province-level units of the three joint-review departments (tax codes: "1" + division + "0000")."""
    return [f"aic:{p}0000", f"tax:1{p}00000000", f"quality:{p}0000"]


PROVINCE_UNITS = {u for p in PROVINCE_WEIGHTS for u in province_units(p)}


def staff_units(world) -> list[str]:
    """One reviewer per province unit of aic/tax/quality, one RA account per data sub-centre, a city."""
    units = []
    for p in sorted(world.provinces):
        units += province_units(p)
    units += sorted(u for u in world.unit_ids if u.startswith("ra:"))
    units += ["aic:440300", "tax:14403000000"]  # a city (深圳) for comparison
    return [u for u in units if u in world.unit_ids]


def staff_username(unit_id: str) -> str:
    return BENCH_STAFF_PREFIX + unit_id.replace(":", "-")


def ensure_staff(world, password_hash) -> dict[str, int]:
    from eport.accounts.models import User, UserKind

    units = staff_units(world)
    User.objects.bulk_create(
        [
            User(
                username=staff_username(u),
                password=password_hash,
                kind=UserKind.RA if u.startswith("ra:") else UserKind.REVIEWER,
                unit_id=u,
                must_change_password=False,
            )
            for u in units
        ],
        ignore_conflicts=True,
    )
    return dict(User.objects.filter(username__startswith=BENCH_STAFF_PREFIX).values_list("unit_id", "id"))


def province_reviewer(staff: dict[str, int], unit_id: str) -> int | None:
    dept, code = unit_id.split(":")
    if dept == "ra":
        return staff.get(unit_id)
    p = code[1:3] if dept == "tax" else code[:2]
    return staff.get(
        f"aic:{p}0000" if dept == "aic" else f"quality:{p}0000" if dept == "quality" else f"tax:1{p}00000000"
    )


def pick(rng, pairs):
    r, acc = rng.random(), 0.0
    for value, w in pairs:
        acc += w
        if r < acc:
            return value
    return pairs[-1][0]


def make_batch(world, staff, start, stop, rng, now, password_hash):
    """Objects for enterprises start..stop-1: [(enterprise, user, app_fields, steps_fields)]."""
    from eport.validators import make_uscc

    out = []
    for i in range(start, stop):
        p = rng.choices(world.provinces, world.weights)[0]
        county = rng.choice(world.counties[p])
        if world.prefectures[p] and rng.random() < 0.1:
            county = rng.choice(world.prefectures[p])  # a few register at the prefecture bureau
        customs = rng.choice(world.customs[p])
        lpt = pick(rng, LPT_WEIGHTS)
        state = pick(rng, APP_STATES)
        org_body = f"B{i:07d}"  # unique per index; make_uscc adds both check characters
        uscc = make_uscc("91", county, org_body)
        city = world.city_name(county)
        name = f"{city}{rng.choice(BRANDS)}{rng.choice(TRADES)}{'股份' if rng.random() < 0.1 else ''}有限公司"
        rep = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        units = {"aic": county, "tax": f"1{county}0000", "quality": county}
        data = {
            "uscc": uscc,
            "name": name,
            "legal_rep_name": rep,
            "legal_rep_id_type": "resident_id",
            "legal_rep_id_no": f"{county}19{rng.randrange(60, 99)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
            f"{rng.randrange(1000):03d}X",
            "legal_person_type": lpt,
            "enterprise_type": rng.choice("12345678"),
            "enterprise_type_other": "",
            "registered_capital": f"{rng.choice((50, 100, 200, 500, 1000, 3000))}.00",
            "capital_unit": "wan_yuan",
            "address": f"{world.div_name[county]}{rng.choice(BRANDS)}路{rng.randrange(1, 999)}号",
            "phone": phone,
            "aic_unit": units["aic"] if "aic" in JOINT[lpt] else "",
            "tax_unit": units["tax"] if "tax" in JOINT[lpt] else "",
            "quality_unit": units["quality"] if "quality" in JOINT[lpt] else "",
            "issuing_authority_name": "工商行政管理局",
            "customs_code": customs,
        }
        joint_units = [f"{d}:{units[d]}" for d in JOINT[lpt]]
        ra_unit = f"ra:{customs[:2]}00"
        stages = ([joint_units] if joint_units else []) + [[ra_unit]]

        # Times: open work is recent, finished work spread over two years.
        age_days = {"DRAFT": 365, "SUBMITTED": 45, "RETURNED": 180, "APPROVED": 730}[state]
        created = now - timedelta(seconds=rng.uniform(3 * 86400, age_days * 86400))
        app = {
            "status": state,
            "created_at": created,
            "updated_at": created,
            "round": 0,
            "version": 1,
            "submitted_at": None,
            "decided_at": None,
            "data": data
            if state != "DRAFT"
            else {k: v for k, v in data.items() if k in ("uscc", "name", "phone", "issuing_authority_name")},
        }
        steps = []

        def hours(a, b):
            return timedelta(seconds=rng.uniform(a * 3600, b * 3600))

        def returned_round(rnd, t, stages=stages, steps=steps):
            """A finished round that ended in 退回: returns the time of the return."""
            flat = [(s, u) for s, us in enumerate(stages, 1) for u in us]
            k = rng.randrange(len(flat))  # the step that returned; earlier stages approved
            ret_stage = flat[k][0]
            t_ret = t + hours(2, 72)
            for s, u in flat:
                if s < ret_stage:
                    steps.append((rnd, s, u, "APPROVED", t, t + hours(1, 48), "同意"))
                elif (s, u) == flat[k]:
                    steps.append((rnd, s, u, "RETURNED", t, t_ret, rng.choice(RETURN_OPINIONS)))
                else:
                    steps.append((rnd, s, u, "CLOSED", t, None, ""))
            return t_ret

        if state != "DRAFT":
            t = created + hours(0.1, 48)
            rounds = 2 if rng.random() < (0.15 if state in ("SUBMITTED", "APPROVED") else 0.2) else 1
            for rnd in range(1, rounds):
                t = returned_round(rnd, t) + hours(1, 96)
            rnd = rounds
            app["round"], app["submitted_at"] = rnd, t
            app["version"] = 2 + 3 * (rounds - 1) + rng.randrange(0, 3)
            if state == "RETURNED":
                app["decided_at"] = returned_round(rnd, t)
            elif state == "APPROVED":
                d = t
                for s, us in enumerate(stages, 1):
                    for u in us:
                        auto = rng.random() < 0.1
                        dd = d + hours(0.5, 72)
                        steps.append(
                            (
                                rnd,
                                s,
                                u,
                                "AUTO_APPROVED" if auto else "APPROVED",
                                t,
                                dd,
                                "自动审核通过" if auto else "同意",
                            )
                        )
                        d = max(d, dd)
                app["decided_at"] = d
            else:  # SUBMITTED: stage 1 under review (some joint units done), or the RA stage pending
                in_stage2 = len(stages) > 1 and rng.random() < 0.3
                for s, us in enumerate(stages, 1):
                    for u in us:
                        if s == 1 and in_stage2:
                            steps.append((rnd, s, u, "APPROVED", t, t + hours(1, 72), "同意"))
                        elif s == 1:
                            steps.append((rnd, s, u, "PENDING", t, None, ""))
                        else:
                            steps.append((rnd, s, u, "PENDING" if in_stage2 else "WAITING", t, None, ""))
                if not in_stage2 and len(stages[0]) > 1:  # some of the parallel units already approved
                    first = [j for j, st in enumerate(steps) if st[0] == rnd and st[1] == 1]
                    for j in rng.sample(first, rng.randrange(0, len(first))):
                        r_, s_, u_, _st, c_, _d, _o = steps[j]
                        steps[j] = (r_, s_, u_, "APPROVED", c_, c_ + hours(1, 72), "同意")
            app["updated_at"] = max(
                [app["submitted_at"], app["decided_at"] or app["submitted_at"]]
                + [st[5] for st in steps if st[5]]
            )
        ent = {
            "uscc": uscc,
            "name": name,
            "contact_name": rep,
            "contact_phone": phone,
            "contact_email": f"{uscc.lower()}@example.cn",
            "registered_at": created - hours(1, 240),
            "updated_at": app["updated_at"],
        }
        if state == "APPROVED":  # entered the network: the master record is filled in
            ent.update(
                {
                    k: data[k]
                    for k in (
                        "legal_rep_name",
                        "legal_rep_id_type",
                        "legal_rep_id_no",
                        "legal_person_type",
                        "enterprise_type",
                        "address",
                        "phone",
                        "issuing_authority_name",
                        "customs_code",
                        "capital_unit",
                    )
                }
            )
            ent.update(
                registered_capital=data["registered_capital"],
                network_status="in_network",
                entered_at=app["decided_at"],
                enterprise_no=f"{customs}{i + 1:010d}",
                aic_unit_id=f"aic:{data['aic_unit']}" if data["aic_unit"] else None,
                tax_unit_id=f"tax:{data['tax_unit']}" if data["tax_unit"] else None,
                quality_unit_id=f"quality:{data['quality_unit']}" if data["quality_unit"] else None,
                card_issuer_id=ra_unit,
            )
        user = {
            "username": f"{BENCH_ENTERPRISE_PREFIX}{i:07d}",
            "password": password_hash,
            "kind": "cardless",
            "email": ent["contact_email"],
            "contact_name": rep,
            "phone": phone,
            "date_joined": ent["registered_at"],
            "must_change_password": False,
        }
        out.append((i, ent, user, app, steps))
    return out


def bench_count() -> int:
    from eport.accounts.models import User

    return User.objects.filter(username__startswith=BENCH_ENTERPRISE_PREFIX).count()


def load(args, world) -> int:
    """Create the missing bench enterprises; returns how many were added."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone
    from tqdm import tqdm

    from eport.accounts.models import User
    from eport.applications.models import Application, ReviewStep
    from eport.enterprises.models import Enterprise

    password_hash = make_password(PASSWORD)  # hashed once, shared by every bench account
    staff = ensure_staff(world, password_hash)
    have = bench_count()
    if have >= args.n:
        print(f"data: {have} bench enterprises present (>= {args.n}), nothing to add")
        return 0
    now = timezone.now()
    added = 0
    t0 = time.perf_counter()
    with (
        explicit_timestamps(Enterprise, Application, ReviewStep),
        tqdm(total=args.n, initial=have, unit="ent", desc="enterprises", smoothing=0.05) as bar,
    ):
        for start in range(have, args.n, args.batch):
            stop = min(start + args.batch, args.n)
            rng = random.Random(args.seed * 1_000_003 + start)
            rows = make_batch(world, staff, start, stop, rng, now, password_hash)
            with transaction.atomic():
                ents = Enterprise.objects.bulk_create([Enterprise(**e) for _, e, _, _, _ in rows])
                users, apps = [], []
                for ent, (_i, _e, u, _a, _s) in zip(ents, rows, strict=True):
                    assert ent.pk is not None, (
                        "bulk_create must return primary keys (PostgreSQL, SQLite >= 3.35)"
                    )
                    users.append(User(enterprise_id=ent.pk, **u))
                users = User.objects.bulk_create(users)
                for ent, user, (i, _e, _u, a, _s) in zip(ents, users, rows, strict=True):
                    apps.append(
                        Application(
                            kind="enterprise_entry",
                            subject_key=f"enterprise:{ent.pk}",
                            enterprise_id=ent.pk,
                            applicant_id=user.pk,
                            number=f"RW{a['created_at']:%Y%m%d}{i + 1:08d}",
                            **a,
                        )
                    )
                apps = Application.objects.bulk_create(apps)
                steps = []
                for app, (_i, _e, _u, _a, st) in zip(apps, rows, strict=True):
                    for rnd, stage, unit, status, created, decided, opinion in st:
                        reviewer = (
                            province_reviewer(staff, unit) if status in ("APPROVED", "RETURNED") else None
                        )
                        steps.append(
                            ReviewStep(
                                application_id=app.pk,
                                round=rnd,
                                stage=stage,
                                unit_id=unit,
                                status=status,
                                reviewer_id=reviewer,
                                opinion=opinion,
                                created_at=created,
                                decided_at=decided,
                            )
                        )
                ReviewStep.objects.bulk_create(steps, batch_size=5000)
            added += stop - start
            bar.update(stop - start)
    dt = time.perf_counter() - t0
    print(f"data: added {added} enterprises in {dt:.1f} s ({added / dt:.0f}/s)")
    return added


def analyze():
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            # VACUUM too: bulk-loaded pages are not all-visible until vacuumed, which index-only scans need.
            for table in (
                "enterprises_enterprise",
                "accounts_user",
                "applications_application",
                "applications_reviewstep",
                "refdata_unit",
                "accounts_apitoken",
            ):
                c.execute(f"VACUUM ANALYZE {table}")
        else:
            c.execute("ANALYZE")
    print(f"analyze: {time.perf_counter() - t0:.1f} s")


def data_summary() -> dict:
    from django.db.models import Count

    from eport.accounts.models import User
    from eport.applications.models import Application, ReviewStep

    apps = dict(Application.objects.values_list("status").annotate(n=Count("id")).order_by())
    steps = dict(ReviewStep.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {
        "enterprises_bench": bench_count(),
        "users": User.objects.count(),
        "applications": sum(apps.values()),
        "applications_by_status": apps,
        "steps": sum(steps.values()),
        "steps_by_status": steps,
    }


# ---------------------------------------------------------------------------------------- measuring


class Capture:
    """Every (sql, params) the ORM sends, as the backend cursor receives it."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        self.queries.append((sql, params))
        return execute(sql, params, many, context)


def capture(fn):
    from django.db import connection

    cap = Capture()
    with connection.execute_wrapper(cap):
        result = fn()
    return cap.queries, result


def run_raw(queries):
    from django.db import connection

    with connection.cursor() as c:
        for sql, params in queries:
            c.execute(sql, params)
            c.fetchall()


def stats(ms: list[float]) -> dict:
    s = sorted(ms)

    def q(p):
        return s[min(len(s) - 1, max(0, round(p * (len(s) - 1))))]

    return {
        "n": len(s),
        "p50": statistics.median(s),
        "p95": q(0.95),
        "p99": q(0.99),
        "max": s[-1],
        "mean": statistics.fmean(s),
    }


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


# ------------------------------------------------------------------------- the proposed indexes
# (docs/benchmarks.md, "Recommendations"): measured with --proposed-indexes, on the bench database only.

PROPOSED_INDEXES = {
    # what the recommended step_queue / step_decided indexes create (docs/benchmarks.md)
    "bench_step_queue_id": "applications_reviewstep (status, unit_id, created_at, id)",
    "bench_step_decided": "applications_reviewstep (status, unit_id, decided_at DESC, id)",
}


@contextmanager
def proposed_indexes(enabled: bool):
    """Temporarily add the recommended indexes to the bench database (dropped again afterwards)."""
    from django.db import connection

    if not enabled:
        with connection.cursor() as c:  # an interrupted earlier run must not leave them behind
            for name in PROPOSED_INDEXES:
                c.execute(f"DROP INDEX IF EXISTS {name}")
        yield
        return
    t0 = time.perf_counter()
    with connection.cursor() as c:
        for name, spec in PROPOSED_INDEXES.items():
            c.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {spec}")
        c.execute("ANALYZE applications_reviewstep" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"proposed indexes created in {time.perf_counter() - t0:.1f} s: {', '.join(PROPOSED_INDEXES)}")
    try:
        yield
    finally:
        with connection.cursor() as c:
            for name in PROPOSED_INDEXES:
                c.execute(f"DROP INDEX IF EXISTS {name}")


class Bench:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed + 7)
        self.results = []  # rows of the table

    def measure(self, label, actor_label, calls, *, variant="current"):
        """calls: zero-argument callables (one per sample, random actors), each returning (rows, total).
        Times the ORM path and the very SQL it sent re-executed raw, interleaved sample by sample."""
        n, w = self.args.samples, self.args.warmup
        for f in calls[:w]:
            f()
        plans = [capture(f) for f in calls[:n]]  # untimed: the SQL (and parameters) each sample sends
        queries0, (rows0, _total0) = plans[0]
        orm, rawt = [], []
        for f, (queries, _res) in zip(calls[:n], plans, strict=True):
            orm.append(timed(f))
            rawt.append(timed(lambda q=queries: run_raw(q)))
        totals = [res[1] for _q, res in plans]
        common = {
            "what": label,
            "actor": actor_label,
            "variant": variant,
            "queries": len(queries0),
            "rows": len(rows0),
            "total": round(statistics.median(totals)),
            "total_max": max(totals),
        }
        raw = {**common, "path": "raw SQL", **stats(rawt)}
        self.results.append({**common, "path": "ORM", "ref_p50": raw["p50"], **stats(orm)})
        self.results.append(raw)
        return queries0, raw

    def measure_http(self, label, actor_label, requests, *, variant="current", raw=None):
        """requests: (client, path, headers) per sample; `raw`: the selector's raw-SQL row to compare with."""
        n, w = self.args.samples, self.args.warmup
        for client, path, headers in requests[:w]:
            r = client.get(path, headers=headers)
            if r.status_code != 200:
                raise SystemExit(f"HTTP {path} answered {r.status_code}: {r.content[:300]!r}")
        client, path, headers = requests[0]
        # (not CaptureQueriesContext: request_started resets connection.queries_log under it)
        queries, r = capture(lambda: client.get(path, headers=headers))
        body = r.json()
        times = []
        for client, path, headers in requests[:n]:
            t0 = time.perf_counter()
            r = client.get(path, headers=headers)
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.status_code
        self.results.append(
            {
                "what": label,
                "actor": actor_label,
                "variant": variant,
                "path": "HTTP",
                "queries": len(queries),
                "rows": len(body["items"]),
                "total": body["total"],
                "total_max": body["total"],
                "ref_p50": raw["p50"] if raw else None,
                **stats(times),
            }
        )


def explain(queries, title):
    from django.db import connection

    print(f"\n--- plan: {title}")
    with connection.cursor() as c:
        for sql, params in queries:
            if connection.vendor == "postgresql":
                c.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            else:
                c.execute("EXPLAIN QUERY PLAN " + sql, params)
            print(connection.ops.last_executed_query(c, sql, params))
            for row in c.fetchall():
                print("   ", " | ".join(str(x) for x in row))


def check_equivalent(queue, actors):
    """Deferred-join paging must answer exactly what plain paging answers (same page, same total)."""
    for actor in actors:
        for status in ("pending", "decided"):
            cur = queue(actor, status, variant="current")()
            plain = queue(actor, status, variant="plain paging")()
            if [s.pk for s in cur[0]] != [s.pk for s in plain[0]] or cur[1] != plain[1]:
                raise SystemExit(
                    f"deferred join != plain paging for {actor.username} {status}: {cur} / {plain}"
                )
    print(
        f"check: deferred-join paging answers like plain paging ({len(actors)} reviewers, pending + decided)"
    )


def run_measurements(args) -> list[dict]:
    from django.test import Client

    from eport.accounts.models import ApiToken, User
    from eport.accounts.services import token_issue
    from eport.applications import selectors
    from eport.pagination import paginate
    from eport.refdata.lookup import prefix_lookup

    b = Bench(args)
    total_ents = bench_count()
    need = args.samples + args.warmup
    picks = [b.rng.randrange(total_ents) for _ in range(need)]
    by_name = {
        u.username: u
        for u in User.objects.select_related("enterprise", "unit").filter(
            username__in={f"{BENCH_ENTERPRISE_PREFIX}{i:07d}" for i in picks}
        )
    }
    applicants = [by_name[f"{BENCH_ENTERPRISE_PREFIX}{i:07d}"] for i in picks]
    staff = {
        u.unit_id: u
        for u in User.objects.select_related("unit").filter(username__startswith=BENCH_STAFF_PREFIX)
    }
    big, ra_all = staff["aic:440000"], staff["ra:0000"]
    rand_prov = [b.rng.choice([u for k, u in staff.items() if k in PROVINCE_UNITS]) for _ in range(need)]
    plans = {}

    # 1. the applicant's status list, exactly as api/applications.py list_ calls it
    def app_list(actor):
        return lambda: paginate(selectors.applications_list(actor).select_related("enterprise"), 1, 20)

    plans["1"], raw_list = b.measure(
        "1 applications_list p1", "random applicant", [app_list(a) for a in applicants]
    )

    # 2. a reviewer's queue, exactly as api/reviews.py queue calls it (deferred_join=True); variant
    # "plain paging": the same with paginate's default, to show what the deferred join is worth
    def queue(actor, status="pending", name="", variant="current"):
        deferred = variant == "current"
        return lambda: paginate(
            selectors.review_queue(actor, status=status, enterprise_name=name), 1, 20, deferred_join=deferred
        )

    check_equivalent(queue, [big, ra_all, staff["aic:440300"], *rand_prov[:20]])
    raw_q = {}
    for variant in ("current", "plain paging"):
        for label, actor in (
            ("aic:440000 (广东)", big),
            ("random province aic/tax/quality", None),
            ("tax:14400000000 (广东)", staff["tax:14400000000"]),
            ("aic:440300 (深圳 city)", staff["aic:440300"]),
            ("ra:5300 (深圳)", staff["ra:5300"]),
            ("ra:0000 (national RA)", ra_all),
        ):
            calls = (
                [queue(actor, variant=variant)] * need
                if actor
                else [queue(a, variant=variant) for a in rand_prov]
            )
            plans[f"2 {variant} {label}"], raw_q[(variant, label)] = b.measure(
                "2 review_queue pending p1", label, calls, variant=variant
            )
        plans[f"2x {variant} decided"], _ = b.measure(
            "2x review_queue decided p1",
            "aic:440000 (广东)",
            [queue(big, "decided", variant=variant)] * need,
            variant=variant,
        )
        plans[f"2x {variant} name"], _ = b.measure(
            "2x review_queue pending name=贸易",
            "aic:440000 (广东)",
            [queue(big, name="贸易", variant=variant)] * need,
            variant=variant,
        )

    # 3. the prefix look-up
    def lookup(lst, prefix):
        def f():
            rows = prefix_lookup(lst, prefix)
            return rows, len(rows)

        return f

    plans["3 aic"], _ = b.measure("3 prefix_lookup", 'aic_units "44"', [lookup("aic_units", "44")] * need)
    plans["3 tax"], _ = b.measure("3 prefix_lookup", 'tax_units "1440"', [lookup("tax_units", "1440")] * need)

    # HTTP: the whole stack (middleware, bearer-token look-up, ninja, serialisation, JSON), the API as it is
    if not args.no_http:
        client = Client(SERVER_NAME="127.0.0.1")
        tokens = {}  # user id -> key; deleted again at the end

        def bearer(user):
            if user.pk not in tokens:
                tokens[user.pk] = token_issue(user=user)
            return {"Authorization": f"Bearer {tokens[user.pk]}"}

        url = "/api/v1/reviews?status=pending"
        try:
            b.measure_http(
                "1 GET /api/v1/applications",
                "random applicant",
                [(client, "/api/v1/applications", bearer(a)) for a in applicants],
                raw=raw_list,
            )
            b.measure_http(
                f"2 GET {url}",
                "aic:440000 (广东)",
                [(client, url, bearer(big))] * need,
                raw=raw_q[("current", "aic:440000 (广东)")],
            )
            b.measure_http(
                f"2 GET {url}",
                "random province aic/tax/quality",
                [(client, url, bearer(a)) for a in rand_prov],
                raw=raw_q[("current", "random province aic/tax/quality")],
            )
            b.measure_http(
                f"2 GET {url}",
                "ra:0000 (national RA)",
                [(client, url, bearer(ra_all))] * need,
                raw=raw_q[("current", "ra:0000 (national RA)")],
            )
        finally:
            ApiToken.objects.filter(key_hash__in=[ApiToken.hash(k) for k in tokens.values()]).delete()

    if args.explain:
        for key, queries in plans.items():
            if key[0] != "2" or "aic:440000" in key or "ra:0000" in key or "x" in key[:2]:
                explain(queries, key)
    return b.results


def print_table(results):
    head = (
        "measurement",
        "actor",
        "variant",
        "path",
        "q",
        "rows",
        "total",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "p50 ÷ raw",
    )
    lines = []
    for r in results:
        ratio = f"{r['p50'] / r['ref_p50']:.1f}" if r.get("ref_p50") else ""
        total = str(r["total"]) if r["total"] == r["total_max"] else f"{r['total']} (≤{r['total_max']})"
        lines.append(
            (
                r["what"],
                r["actor"],
                r.get("variant", ""),
                r["path"],
                str(r["queries"]),
                str(r["rows"]),
                total,
                f"{r['p50']:.2f}",
                f"{r['p95']:.2f}",
                f"{r['p99']:.2f}",
                f"{r['max']:.2f}",
                ratio,
            )
        )
    table(head, lines)


def main(argv=None):
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-ups (tokens, proposed indexes)
    args = parse_args(argv)
    setup_django(args)
    from django.db import connection

    version = code_version()
    print(f"code: {version}")
    t0 = time.perf_counter()
    migrate_with_refdata()
    world = World()
    added = load(args, world)
    if added or args.analyze:
        analyze()
    summary = data_summary()
    db = connection.settings_dict
    dbdesc = f"{connection.vendor} {'.'.join(map(str, connection.Database.sqlite_version_info)) if connection.vendor == 'sqlite' else connection.pg_version}"
    print(f"database: {dbdesc} {db['NAME']}")
    print("data:", json.dumps(summary, ensure_ascii=False))
    print(f"setup: {time.perf_counter() - t0:.1f} s")
    if summary["enterprises_bench"] > args.n:
        print(
            f"note: the database holds {summary['enterprises_bench']} bench enterprises (> --n {args.n}); "
            "measuring at that size"
        )
    if args.load_only:
        return
    with proposed_indexes(args.proposed_indexes):
        results = run_measurements(args)
    print(
        f"\n{args.samples} samples each (after {args.warmup} warm-up runs), Python {platform.python_version()}, "
        f"{dbdesc}, N={summary['enterprises_bench']}, "
        f"{'with the proposed indexes' if args.proposed_indexes else 'indexes as migrated'}, code {version}\n"
    )
    if code_version() != version:
        print("WARNING: the code changed while measuring; run again")
    print_table(results)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "code": version,
                    "database": dbdesc,
                    "n": summary["enterprises_bench"],
                    "samples": args.samples,
                    "data": summary,
                    "results": results,
                },
                ensure_ascii=False,
                indent=1,
                default=str,
            )
        )


if __name__ == "__main__":
    main()
