#!/usr/bin/env python
"""What the card file costs the server, and what guessing its password costs an attacker (bench/README.md).

    python bench/bench_card_file.py                      # PostgreSQL eport_bench_cards (bench_cards.py's set-up)
    python bench/bench_card_file.py --db sqlite
    python bench/bench_card_file.py --rounds 1000,2048 --make 200

For each PBKDF2 round count (the configured EPORT_CARD_FILE_KDF_ROUNDS among them): the CPU time of
sealing one card file (cardfile.card_file_seal: PBES2 AES-256-CBC for the key and the certificates, HMAC-
SHA256 MAC) and of a whole card_make (this process + the PostgreSQL backends), against the 5 ms target of
card making; then the offline guess of a copied file, from public hashcat figures for one RTX 4090, for
the card file password and for the 12-digit initial PIN that protected the file before.
"""

import argparse
import math
import time
from pathlib import Path

from bench_cards import (
    cpu_snapshot,
    cpu_split,
    ensure_ra,
    fresh_enterprises,
    machine,
    prepare_database,
    setup_django,
)
from benchlib import code_version, table

# hashcat v6.2.6, one RTX 4090 (https://gist.github.com/Chick3nman/32e662a5bb63bc4f51b847bb422222fd):
HASHCAT_PBKDF2_SHA256 = 8865.7e3  # -m 10900 PBKDF2-HMAC-SHA256, guesses/s at 999 iterations
HASHCAT_PBKDF2_ITERATIONS = 999
HASHCAT_SHA256 = 21975.5e6  # -m 1400 SHA2-256, hashes/s: one SHA-256 compression each
MAC_ITERATIONS = 2048  # cryptography's PKCS#12 MAC: fixed, whatever kdf_rounds says
YEAR = 365.25 * 86400
PIN_SPACE = 10**12  # the 12-digit initial PIN
TARGET_MS = 5.0  # card making: ≥ 200 cards/s per core


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--db", choices=("pg", "sqlite"), default="pg", help="PostgreSQL (default) or embedded SQLite"
    )
    p.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/eport_bench_cards",
        help="with --db pg (default %(default)s; created when missing)",
    )
    p.add_argument(
        "--data-dir", help="EPORT_DATA_DIR (default /tmp/eport-bench-cards-<db>, as bench_cards.py)"
    )
    p.add_argument(
        "--rounds",
        default="1,1000,2048,10000",
        help="PBKDF2 round counts to measure (the configured one is added; default %(default)s)",
    )
    p.add_argument(
        "--make",
        type=int,
        default=100,
        help="cards made with card_make per round count and pass (default 100)",
    )
    p.add_argument(
        "--passes", type=int, default=3, help="passes over the round counts, best kept (default 3)"
    )
    p.add_argument("--reset", action="store_true", help="start over: delete the data dir, drop the database")
    args = p.parse_args(argv)
    args.data_dir = Path(args.data_dir or f"/tmp/eport-bench-cards-{args.db}").resolve()
    args.rounds = sorted({int(r) for r in args.rounds.split(",") if r.strip()})
    args.pg_unprepared = False
    return args


def seal_cpu_ms(rounds: int, seconds: float = 1.0) -> float:
    """CPU ms of sealing one card file with a real card key, certificate and CA chain (best of 3 loops)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.conf import settings

    from eport.cards import cardfile
    from eport.cards.models import Card
    from eport.pki import ca as pki_ca

    card = Card.objects.select_related("certificate").exclude(card_no="").latest("pk")
    made = x509.load_der_x509_certificate(bytes(card.certificate.der))
    key = ec.generate_private_key(ec.SECP256R1())  # a card's key and certificate, as card_make has them
    cert = pki_ca.issue_end_entity(
        public_key=key.public_key(),
        subject=made.subject,
        not_before=made.not_valid_before_utc,
        not_after=made.not_valid_after_utc,
    )
    ca = pki_ca.issuing_ca()
    password = cardfile.card_file_password()
    settings.CARD_FILE_KDF_ROUNDS = rounds
    best = math.inf
    for _ in range(3):
        n, t0 = 0, time.process_time()
        while time.process_time() - t0 < seconds / 3 or n < 3:
            cardfile.card_file_seal(card.card_no, key, cert, [ca.certificate, ca.root], password)
            n += 1
        best = min(best, (time.process_time() - t0) / n)
    return best * 1000


def card_make_cpu_ms(ra, rounds: int, n: int) -> dict:
    """CPU ms of one card_make (service, no HTTP) over n cards: this process (clock_gettime) and, on
    PostgreSQL, its backends (/proc ticks)."""
    from django.conf import settings
    from django.db import connection

    from eport.cards.making import card_make

    settings.CARD_FILE_KDF_ROUNDS = rounds
    usccs = fresh_enterprises(n + 1)
    card_make(actor=ra, kind="legal", enterprise_uscc=usccs[0])  # warm: imports, the CA
    a, t0 = cpu_snapshot(), time.process_time()
    for uscc in usccs[1:]:
        card_make(actor=ra, kind="legal", enterprise_uscc=uscc)
    py = (time.process_time() - t0) * 1000 / n
    pg = (
        cpu_split(a, cpu_snapshot()).get("postgres", 0) * 1000 / n
        if connection.vendor == "postgresql"
        else 0.0
    )
    return {"py": py, "pg": pg, "total": py + pg}


def guesses_per_second(rounds: int) -> tuple[float, float]:
    """One RTX 4090 against a card file of `rounds`: (the PBKDF2 path, hashcat -m 10900 scaled linearly;
    a bound on any path: a guess costs at least min(rounds, 2048) SHA-256 compressions, since PBKDF2
    takes two a round and the MAC's PKCS#12 KDF one for each of its 2048 rounds)."""
    return (
        HASHCAT_PBKDF2_SHA256 * HASHCAT_PBKDF2_ITERATIONS / rounds,
        HASHCAT_SHA256 / min(rounds, MAC_ITERATIONS),
    )


def label(rounds: int, configured: int) -> str:
    return f"{rounds:,}" + (" (configured)" if rounds == configured else "")


def gpu_years(space: float, rate: float) -> float:
    """GPU-years to find the password on average (half the space)."""
    return space / 2 / rate / YEAR


def main(argv=None):
    args = parse_args(argv)
    prepare_database(args)
    setup_django(args)
    from django.conf import settings
    from django.db import connection

    from eport.cards import cardfile

    configured = settings.CARD_FILE_KDF_ROUNDS
    rounds = sorted({*args.rounds, configured})
    print(
        f"code: {code_version()}\nmachine: {machine()}\ndatabase: {connection.vendor} "
        f"{connection.settings_dict['NAME']}\nconfigured EPORT_CARD_FILE_KDF_ROUNDS: {configured}"
    )
    ra = ensure_ra()
    # Passes over all round counts, the best of each kept: other work on the machine only adds.
    seal, make = {}, {}
    for _ in range(args.passes):
        for r in rounds:
            m = card_make_cpu_ms(ra, r, args.make)
            make[r] = min(make.get(r, m), m, key=lambda x: x["total"])
            seal[r] = min(seal.get(r, math.inf), seal_cpu_ms(r))
    settings.CARD_FILE_KDF_ROUNDS = configured

    print(
        f"\n## server CPU per card (best of {args.passes} passes of {args.make} card_make, one thread; "
        f"target ≤ {TARGET_MS:g} ms)\n"
    )
    table(
        (
            "PBKDF2 rounds",
            "seal one card file, CPU ms",
            "card_make CPU ms (Python + PostgreSQL)",
            "cards/s per core",
        ),
        [
            (
                label(r, configured),
                f"{seal[r]:.2f}",
                f"{make[r]['total']:.2f} ({make[r]['py']:.2f} + {make[r]['pg']:.2f})",
                f"{1000 / make[r]['total']:.0f}",
            )
            for r in rounds
        ],
    )

    space = len(cardfile.ALPHABET) ** (cardfile.GROUPS * cardfile.GROUP_LEN)
    print(
        f"\n## an offline guess of a copied card file, one RTX 4090 (hashcat v6.2.6: -m 10900 "
        f"{HASHCAT_PBKDF2_SHA256 / 1e3:,.1f} kH/s at {HASHCAT_PBKDF2_ITERATIONS} iterations, -m 1400 "
        f"{HASHCAT_SHA256 / 1e6:,.1f} MH/s)\n"
    )
    print(
        f"card file password: {cardfile.GROUPS}×{cardfile.GROUP_LEN} characters of {len(cardfile.ALPHABET)}: "
        f"{space:.3g} = 2^{math.log2(space):.1f}; initial PIN: 10^12 = 2^{math.log2(PIN_SPACE):.1f}\n"
    )
    lines = []
    for r in rounds:
        pbkdf2, bound = guesses_per_second(r)
        lines.append(
            (
                label(r, configured),
                f"{pbkdf2:,.0f}",
                f"{bound:,.0f}",
                f"{gpu_years(PIN_SPACE, pbkdf2) * 365.25:,.2f} / {gpu_years(PIN_SPACE, bound) * 365.25:,.2f}",
                f"{gpu_years(space, bound):.2g}",
            )
        )
    table(
        (
            "PBKDF2 rounds",
            "guesses/s, PBKDF2 path",
            "guesses/s, any path (bound)",
            "12-digit PIN, days on average (PBKDF2 path / bound)",
            "card file password, GPU-years on average (bound)",
        ),
        lines,
    )
    before = [gpu_years(PIN_SPACE, g) * 365.25 for g in guesses_per_second(2048)]
    print(
        f"\nBefore: the file under the 12-digit initial PIN at 2048 rounds fell in {before[0]:.2f} days on "
        f"average on one GPU ({before[1]:.2f} by the bound)."
    )
    need = 2 * 100 * YEAR * guesses_per_second(configured)[1]
    print(
        f"Now: 100 GPU-years at {configured} rounds need a space of {need:.3g} = 2^{math.log2(need):.1f}; "
        f"the card file password has {math.log2(space) - math.log2(need):.0f} bits more."
    )


if __name__ == "__main__":
    main()
