"""Import business registry rows from CSV (header names = BusinessRecord fields; uscc and name required)."""

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from eport.enterprises.choices import RegistryStatus
from eport.validators import validate_uscc

from .models import BusinessRecord

FIELDS = [f.name for f in BusinessRecord._meta.get_fields() if f.name not in ("updated_at",)]
DEMO_CSV = Path(__file__).resolve().parent / "data" / "demo_registry.csv"
_STATUS_WORDS = {"正常": RegistryStatus.NORMAL, "注销": RegistryStatus.CANCELLED, "吊销": RegistryStatus.REVOKED}


class ImportError_(Exception):
    pass


@transaction.atomic
def import_csv(path: Path) -> int:
    """All rows or none: a bad row stops the import with its line number (the file's line, blank lines counted)."""
    rows = []
    seen: dict[str, int] = {}
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            for raw in reader:
                rows.append(_record(raw, reader.line_num, seen))
    except UnicodeDecodeError:
        raise ImportError_("the file is not UTF-8 encoded: save it as \"CSV UTF-8\"") from None
    except FileNotFoundError:
        raise
    except OSError as e:  # a directory, no permission …
        raise ImportError_(f"cannot read {path}: {e.strerror or e}") from None
    BusinessRecord.objects.bulk_create(rows, update_conflicts=True, unique_fields=["uscc"],
                                       update_fields=[f for f in FIELDS if f != "uscc"], batch_size=500)
    return len(rows)


def _record(raw: dict, lineno: int, seen: dict[str, int]) -> BusinessRecord:
    row = {k: (v or "").strip() for k, v in raw.items() if k in FIELDS}
    try:
        row["uscc"] = validate_uscc(row.get("uscc", ""))
    except ValidationError as e:
        raise ImportError_(f"line {lineno}: {e.messages[0]}") from None
    if row["uscc"] in seen:
        raise ImportError_(f"line {lineno}: uscc {row['uscc']} is already on line {seen[row['uscc']]}")
    seen[row["uscc"]] = lineno
    if not row.get("name"):
        raise ImportError_(f"line {lineno}: name is required")
    row["status"] = _STATUS_WORDS.get(row.get("status", ""), row.get("status") or RegistryStatus.NORMAL)
    if row["status"] not in RegistryStatus.values:
        raise ImportError_(f"line {lineno}: unknown status {row['status']!r}")
    try:
        row["registered_capital"] = Decimal(row["registered_capital"]) if row.get("registered_capital") else None
    except InvalidOperation:
        raise ImportError_(f"line {lineno}: registered_capital is not a number") from None
    record = BusinessRecord(**row)
    try:
        # Lengths and decimal digits: PostgreSQL would refuse the whole batch without a line number,
        # SQLite would store them as they are.
        record.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as e:
        field, messages = next(iter(e.message_dict.items()))
        raise ImportError_(f"line {lineno}: {field}: {messages[0]}") from None
    return record
