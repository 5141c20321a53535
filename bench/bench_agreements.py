#!/usr/bin/env python
"""三方协议 signed per second, end to end (issue 14): prepare (the agreement PDF rendered, its signature
field reserved, the signed attributes built, the DocumentSigning row) + the card's signature (ECDSA P-256
with the card key, as the card agent does) + sign (the signature checked and embedded, the Agreement rows,
one engine application per 关区 submitted to its customs, the data centre's receipt: pyHanko validation).

    python bench/bench_agreements.py                 # PostgreSQL eport_bench_agreements
    python bench/bench_agreements.py --db sqlite
    python bench/bench_agreements.py --n 100 --customs 5300,0100

In process, one thread (no HTTP): what one server process does per signing. Each signing is a new
enterprise's legal card (made during the set-up, not timed): an enterprise signs a 关区 once.
"""

import argparse
import base64
import statistics
import time
from pathlib import Path

from bench_cards import ensure_ra, fresh_enterprises, machine, prepare_database, setup_django
from benchlib import code_version, table


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=("pg", "sqlite"), default="pg")
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/eport_bench_agreements")
    p.add_argument("--data-dir", help="EPORT_DATA_DIR (default /tmp/eport-bench-agreements-<db>)")
    p.add_argument("--n", type=int, default=40, help="signings (one new legal card each; default 40)")
    p.add_argument("--customs", default="5300,0100", help="the 关区 ticked together (default %(default)s)")
    p.add_argument("--reset", action="store_true", help="start over: delete the data dir, drop the database")
    args = p.parse_args(argv)
    args.data_dir = Path(args.data_dir or f"/tmp/eport-bench-agreements-{args.db}").resolve()
    args.customs = [c.strip() for c in args.customs.split(",") if c.strip()]
    args.pg_unprepared = False
    return args


def signing_cards(n: int):
    """n legal cards holding paperless_signing, of enterprises that have signed nothing: (user, key)."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    from eport.cards.making import card_make
    from eport.cards.models import Card, CardPermission

    ra = ensure_ra()
    out = []
    for uscc in fresh_enterprises(n):
        made = card_make(actor=ra, kind="legal", enterprise_uscc=uscc)
        Card.objects.filter(pk=made.card.pk).update(must_change_pin=False)
        CardPermission.objects.create(card=made.card, subsystem_id="paperless_signing")
        key, _c, _ch = pkcs12.load_key_and_certificates(made.card_file, made.card_file_password.encode())
        out.append((Card.objects.select_related("user").get(pk=made.card.pk).user, key))
    return out


def main(argv=None):
    args = parse_args(argv)
    prepare_database(args)
    setup_django(args)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.db import connection

    from eport.agreements.models import Agreement
    from eport.agreements.services import agreement_prepare, agreement_sign
    from eport.pki.documents import pdf_verify

    cards = signing_cards(args.n)
    phases: dict[str, list[float]] = {"prepare": [], "card signature": [], "sign": [], "end to end": []}
    made = 0
    # one untimed warm-up signing (imports, the font, the CA read once)
    warm_user, warm_key = cards.pop()
    sign_id, to_sign = agreement_prepare(warm_user, args.customs)
    agreement_sign(warm_user, sign_id, warm_key.sign(to_sign, ec.ECDSA(hashes.SHA256())))
    started = time.perf_counter()
    for user, key in cards:
        t0 = time.perf_counter()
        sign_id, to_sign = agreement_prepare(user, args.customs)
        t1 = time.perf_counter()
        signature = base64.b64encode(key.sign(to_sign, ec.ECDSA(hashes.SHA256()))).decode()
        t2 = time.perf_counter()
        done = agreement_sign(user, sign_id, signature)
        t3 = time.perf_counter()
        assert all(a.state == "RECEIVED" for a in done), [a.state for a in done]
        made += len(done)
        phases["prepare"].append(t1 - t0)
        phases["card signature"].append(t2 - t1)
        phases["sign"].append(t3 - t2)
        phases["end to end"].append(t3 - t0)
    wall = time.perf_counter() - started
    pdf = bytes(Agreement.objects.order_by("-pk").first().pdf)
    verify = []
    for _ in range(10):
        t = time.perf_counter()
        assert pdf_verify(pdf).valid
        verify.append(time.perf_counter() - t)

    signings = len(cards)
    print(f"\n三方协议 signing, {connection.vendor}, {machine()}, code {code_version()}")
    print(f"{signings} signings of {len(args.customs)} 关区 each ({', '.join(args.customs)}), one thread\n")
    table(
        ["phase", "median ms", "p95 ms", "mean ms"],
        [
            [
                name,
                f"{statistics.median(v) * 1000:.1f}",
                f"{sorted(v)[int(0.95 * (len(v) - 1))] * 1000:.1f}",
                f"{statistics.mean(v) * 1000:.1f}",
            ]
            for name, v in [*phases.items(), ("(in sign) pyHanko validation of the signed PDF", verify)]
        ],
    )
    print(
        f"\nsignings per second: {signings / wall:.1f}   agreements per second: {made / wall:.1f}"
        f"   (wall {wall:.1f} s; signed PDF {len(pdf) / 1024:.0f} KiB)"
    )


if __name__ == "__main__":
    main()
