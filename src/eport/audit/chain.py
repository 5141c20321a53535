"""The audit hash chain: what a row's hash covers, appending under the head's lock, and checking it.

hash = SHA-256 of the row's canonical content: JSON with sorted keys, no spaces, UTF-8, holding the
sequence number and the previous row's hash. It is computed from values, not from how a database
spells them, so SQLite and PostgreSQL (jsonb reorders keys and keeps numbers as numeric; inet
rewrites IPv6) give the same hash for the same row: integral floats are written as integers (jsonb
gives `1e100` back as 10**100), times in UTC with microseconds, IPv6 addresses compressed.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from . import checkpoints  # the daily checkpoint rides on the append's lock (a module: they call each other)
from .models import AuditChain, AuditEvent

# The columns a hash covers, in the order verify reads them.
HASHED = (
    "sequence",
    "prev_hash",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "reason",
    "ip",
)


def _plain_numbers(value):
    """jsonb keeps a number as the decimal Python wrote (1e100 comes back as the integer 10**100, -0.0 as
    0.0): write every integral float as the integer of its shortest decimal form."""
    t = type(value)
    if t is float:
        return int(Decimal(repr(value))) if value.is_integer() else value
    if t is dict:
        return {k: v if type(v) in _LEAVES else _plain_numbers(v) for k, v in value.items()}
    if t is list:
        return [v if type(v) in _LEAVES else _plain_numbers(v) for v in value]
    return value


_LEAVES = frozenset({str, int, bool, type(None)})  # what JSON gives back that needs no change


def canonical_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return clean_ipv6_address(ip) if ":" in ip else ip
    except ValidationError:  # not an address: stored (SQLite) or refused (PostgreSQL) as it is
        return ip


def canonical_time(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(row: dict) -> str:
    """SHA-256 (hex) of one row's canonical content; `row` holds the HASHED columns."""
    content = {
        "sequence": row["sequence"],
        "prev_hash": row["prev_hash"] or "",
        "at": canonical_time(row["at"]),
        "actor_id": row["actor_id"],
        "actor_label": row["actor_label"] or "",
        "action": row["action"],
        "object_type": row["object_type"],
        "object_id": row["object_id"],
        "before": _plain_numbers(row["before"]),
        "after": _plain_numbers(row["after"]),
        "reason": row["reason"] or "",
        "ip": canonical_ip(row["ip"]),
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def lock_head() -> AuditChain:
    """The chain head, locked until the caller's transaction ends (call inside one).

        On PostgreSQL select_for_update waits for every other appender; on SQLite the IMMEDIATE write lock
        already serialises writers. A missing head (a flushed database) is made from the last row; the first
    daily checkpoint is then due a day later."""
    head = AuditChain.objects.select_for_update().filter(pk=1).first()
    if head is None:
        last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first() or (0, "")
        AuditChain.objects.get_or_create(
            pk=1, defaults={"sequence": last[0], "hash": last[1], "checkpointed_at": timezone.now()}
        )
        head = AuditChain.objects.select_for_update().get(pk=1)
    return head


def append(event: AuditEvent) -> AuditEvent:
    """Link and insert one event as the chain's next row, inside the caller's transaction."""
    with transaction.atomic(savepoint=False):
        head = lock_head()
        checkpoints.checkpoint_if_due(head)
        event.sequence, event.prev_hash = head.sequence + 1, head.hash
        event.at = timezone.now()  # after the lock: the chain's times never go backwards
        event.ip = canonical_ip(event.ip)
        event.hash = row_hash({f: getattr(event, f) for f in HASHED})
        event.save(force_insert=True)
        head.sequence, head.hash = event.sequence, event.hash
        head.save(update_fields=["sequence", "hash"])
    return event


# --- verification ------------------------------------------------------------------------------------


@dataclass
class Problem:
    row_id: int | None
    sequence: int
    message: str

    def __str__(self):
        where = (
            f"row id {self.row_id} (sequence {self.sequence})" if self.row_id else f"sequence {self.sequence}"
        )
        return f"{where}: {self.message}"


def rows(chunk: int = 5000) -> Iterator[dict]:
    """Every row in sequence order, in chunks by keyset (constant memory, one index range scan each)."""
    after = 0
    while True:
        batch = list(
            AuditEvent.objects.filter(sequence__gt=after)
            .order_by("sequence")
            .values("id", "hash", *HASHED)[:chunk]
        )
        yield from batch
        if len(batch) < chunk:
            return
        after = batch[-1]["sequence"]


def walk(
    expected: dict[int, list[tuple[str, str]]], chunk: int = 5000
) -> tuple[int, int, str, Problem | None]:
    """Check every row's link and hash in sequence order, stopping at the first that does not fit.

    `expected` maps a sequence to [(hash, where that was stated)] from the signed checkpoints.
    Returns (rows checked, last sequence, last hash, the problem or None)."""
    sequence, prev, n = 0, "", 0
    for row in rows(chunk):
        problem = None
        if row["sequence"] != sequence + 1:
            gap = (
                f"row {sequence + 1} was"
                if row["sequence"] == sequence + 2
                else f"rows {sequence + 1}–{row['sequence'] - 1} were"
            )
            problem = (
                f"follows sequence {sequence}: {gap} deleted"
                if row["sequence"] > sequence + 1
                else f"sequence out of order after {sequence}"
            )
        elif row["prev_hash"] != prev:
            problem = (
                f"prev_hash does not match the hash of sequence {sequence}: that row or this link was changed"
            )
        elif row_hash(row) != row["hash"]:
            problem = "content does not match its hash: the row was changed"
        else:
            for want, source in expected.get(row["sequence"], ()):
                if want != row["hash"]:
                    problem = f"hash differs from what {source} states: the chain was rewritten up to here"
                    break
        if problem:
            return n, sequence, prev, Problem(row["id"], row["sequence"], problem)
        n, sequence, prev = n + 1, row["sequence"], row["hash"]
    return n, sequence, prev, None
