"""Import the local lists from CSV: the business registry and the customs and forex lists.

One importer for all of them (`import_list`): the header names are the model's fields (unknown columns
are ignored, `updated_at` is set by the import), uscc is the key. All rows or none: a bad row stops the
import with its line number (the file's line, blank lines counted). UTF-8 with or without BOM. Each list
adds a small hook for its own field conversions (the business registry's status words and capital, the
cancellation date).

`LISTS` names the lists for `eport import-registry --list NAME`; `import_csv(path)` is the business
registry's import.
"""

import csv
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import models, transaction

from eport.validators import validate_uscc

from .models import BusinessRecord, CustomsRecord, ForexCancellation, ForexDirectoryEntry, RegistryStatus

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_CSV = DATA_DIR / "demo_registry.csv"
_STATUS_WORDS = {
    "正常": RegistryStatus.NORMAL,
    "注销": RegistryStatus.CANCELLED,
    "吊销": RegistryStatus.REVOKED,
}
_BATCH = 500
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


class ImportError_(Exception):
    pass


class RowError(ValueError):
    """Raised by a list's hook: the message, without the line number (the importer adds it)."""


class ImportResult(NamedTuple):
    imported: int
    removed: int = 0


# --- the per-list hooks: take the row (stripped strings by field name), change it in place ---------------


def _business_row(row: dict) -> None:
    row["status"] = _STATUS_WORDS.get(row.get("status", ""), row.get("status") or RegistryStatus.NORMAL)
    if row["status"] not in RegistryStatus.values:
        raise RowError(f"unknown status {row['status']!r}")
    try:
        row["registered_capital"] = (
            Decimal(row["registered_capital"]) if row.get("registered_capital") else None
        )
    except InvalidOperation:
        raise RowError("registered_capital is not a number") from None


def _customs_row(row: dict) -> None:
    if "reg_no" in row:
        row["reg_no"] = row["reg_no"].upper()


def _forex_cancellation_row(row: dict) -> None:
    value = row.get("cancelled_on", "")
    if not value:
        row["cancelled_on"] = None
        return
    try:
        if not _ISO_DATE.match(value):  # fromisoformat alone also takes 20260105 and 2026-W01-1
            raise ValueError
        row["cancelled_on"] = datetime.date.fromisoformat(value)
    except ValueError:
        raise RowError(f"cancelled_on {value!r} is not a date (YYYY-MM-DD)") from None


# --- the lists ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListSpec:
    key: str  # the --list name
    label: str  # what the command prints: "<label> rows imported: N"
    model: type[models.Model]
    demo_csv: Path
    convert: Callable[[dict], None] | None = None
    replaceable: bool = False  # --replace allowed


LISTS: dict[str, ListSpec] = {
    s.key: s
    for s in (
        ListSpec("business", "registry", BusinessRecord, DEMO_CSV, _business_row),
        ListSpec(
            "customs", "customs", CustomsRecord, DATA_DIR / "demo_customs.csv", _customs_row, replaceable=True
        ),
        ListSpec(
            "forex_directory",
            "forex_directory",
            ForexDirectoryEntry,
            DATA_DIR / "demo_forex_directory.csv",
            replaceable=True,
        ),
        ListSpec(
            "forex_cancelled",
            "forex_cancelled",
            ForexCancellation,
            DATA_DIR / "demo_forex_cancelled.csv",
            _forex_cancellation_row,
            replaceable=True,
        ),
    )
}


def import_csv(path: Path) -> int:
    """The business registry (BusinessRecord) from CSV; the number of rows imported."""
    return import_list(BusinessRecord, path, convert=_business_row).imported


def import_named(key: str, path: Path | None = None, *, replace: bool = False) -> ImportResult:
    """One of LISTS by its name, from `path` or, without it, from the list's demo CSV."""
    spec = LISTS[key]
    if replace and not spec.replaceable:
        raise ImportError_(f"--replace is not available for the {key} list")
    return import_list(spec.model, path or spec.demo_csv, convert=spec.convert, replace=replace)


def import_demo_lists() -> dict[str, int]:
    """Every list's demo rows (idempotent: upserts, removes nothing); the rows imported per list."""
    return {key: import_named(key).imported for key in LISTS}


@transaction.atomic
def import_list(
    model: type[models.Model],
    path: Path,
    *,
    convert: Callable[[dict], None] | None = None,
    replace: bool = False,
) -> ImportResult:
    """Upsert the CSV's rows into `model` (keyed by its uscc primary key), all or none.

    `convert(row)` is the list's hook for its own fields (raise RowError to refuse the row). With
    `replace`, the rows whose uscc is not in the file are deleted in the same transaction (a file with
    no rows is refused then: it would empty the list).
    """
    fields = [f.name for f in model._meta.concrete_fields if f.name != "updated_at"]
    required = [
        f.name
        for f in model._meta.concrete_fields
        if f.name in fields and not f.blank and not f.has_default()
    ]
    rows = []
    seen: dict[str, int] = {}
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [(h or "").strip() for h in (reader.fieldnames or [])]
            missing = [name for name in required if name not in header]
            if missing:
                raise ImportError_(
                    f"line 1: the header lacks the column(s) {', '.join(missing)} "
                    f"(expected columns: {', '.join(fields)})"
                )
            reader.fieldnames = header
            for raw in reader:
                rows.append(_record(model, fields, required, convert, raw, reader.line_num, seen))
    except UnicodeDecodeError:
        raise ImportError_('the file is not UTF-8 encoded: save it as "CSV UTF-8"') from None
    except FileNotFoundError:
        raise
    except OSError as e:  # a directory, no permission …
        raise ImportError_(f"cannot read {path}: {e.strerror or e}") from None
    except csv.Error as e:
        raise ImportError_(f"line {reader.line_num}: {e}") from None
    if replace and not rows:
        raise ImportError_("the file has no rows: a full edition cannot be empty")
    removed = 0
    if replace:
        stale = sorted(set(model._default_manager.values_list("pk", flat=True)) - seen.keys())
        for i in range(0, len(stale), _BATCH):
            removed += model._default_manager.filter(pk__in=stale[i : i + _BATCH]).delete()[0]
    model._default_manager.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["uscc"],
        update_fields=[f for f in fields if f != "uscc"] + ["updated_at"],
        batch_size=_BATCH,
    )
    return ImportResult(len(rows), removed)


def _record(model, fields, required, convert, raw: dict, lineno: int, seen: dict[str, int]) -> models.Model:
    row = {k: (v or "").strip() for k, v in raw.items() if k in fields}
    try:
        row["uscc"] = validate_uscc(row.get("uscc", ""))
    except ValidationError as e:
        raise ImportError_(f"line {lineno}: {e.messages[0]}") from None
    if row["uscc"] in seen:
        raise ImportError_(f"line {lineno}: uscc {row['uscc']} is already on line {seen[row['uscc']]}")
    seen[row["uscc"]] = lineno
    for name in required:
        if not row.get(name):
            raise ImportError_(f"line {lineno}: {name} is required")
    if convert is not None:
        try:
            convert(row)
        except RowError as e:
            raise ImportError_(f"line {lineno}: {e}") from None
    record = model(**row)
    try:
        # Lengths, formats and decimal digits: PostgreSQL would refuse the whole batch without a line
        # number, SQLite would store them as they are.
        record.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as e:
        field, messages = next(iter(e.message_dict.items()))
        raise ImportError_(f"line {lineno}: {field}: {messages[0]}") from None
    return record
