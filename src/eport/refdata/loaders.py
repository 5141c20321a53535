"""Load the code lists in data/ and derive the department units from them (rules in data/SOURCES.md).

Idempotent: rows are upserted by code; a unit's auto-review switch is kept.

The 外汇局 (forex) and 商务主管机关 (commerce) lists may instead be replaced from an operator's CSV file
(`eport load-units`, `replace_units`). Each replacement is recorded as an audit event, and `load_all`
does not derive a department whose latest such event is a replacement (`replaced_depts`), so neither
`eport load-refdata` nor `eport serve` undoes it; `eport load-units --derived` goes back.
"""

import csv
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.dispatch import Signal

from eport.audit.models import AuditEvent
from eport.audit.services import record

from .models import UNIT_CODE_RE, Country, Currency, CustomsDistrict, Dept, Division, Unit

DATA = Path(__file__).resolve().parent / "data"


# Sent after the units were written in bulk (a load, a replacement list): the cards' menus name their issuer.
units_changed = Signal()


def _rows(name: str, data_dir: Path = DATA):
    with open(data_dir / name, encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _upsert(model, objs, fields):
    model.objects.bulk_create(
        objs, update_conflicts=True, unique_fields=["pk"], update_fields=fields, batch_size=500
    )


def _division_units(divisions: dict[str, dict], dept: str, code_of, name_of) -> list[Unit]:
    units = []
    for code in sorted(divisions, key=lambda c: (divisions[c]["level"], c)):
        row = divisions[code]
        chain = [code]
        p = row["parent_code"]
        while p:
            chain.insert(0, p)
            p = divisions[p]["parent_code"]
        path = "/" + "/".join(Unit.make_id(dept, code_of(c)) for c in chain) + "/"
        parent = Unit.make_id(dept, code_of(row["parent_code"])) if row["parent_code"] else None
        units.append(
            Unit(
                id=Unit.make_id(dept, code_of(code)),
                dept=dept,
                code=code_of(code),
                name=name_of(row, divisions),
                parent_id=parent,
                path=path,
            )
        )
    return units


def _local_name(row, divisions) -> str:
    # A county is named with its prefecture (or municipality) so "朝阳区" and "朝阳市" stay apart.
    if int(row["level"]) == 3 and row["parent_code"]:
        return divisions[row["parent_code"]]["name"] + row["name"]
    return row["name"]


# No mainland 商务主管机关 or SAFE branch for 台湾 (71), 香港 (81), 澳门 (82): those subtrees are left out.
MAINLAND_ONLY = {Dept.COMMERCE, Dept.FOREX}
NOT_MAINLAND = ("71", "81", "82")
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
# 计划单列市 (大连, 宁波, 厦门, 青岛, 深圳): SAFE has a 分局 there, not a 中心支局.
SAFE_BRANCH_CITIES = {"210200", "330200", "350200", "370200", "440300"}


def _commerce_name(row, divisions) -> str:
    # 省/自治区 商务厅; the four municipalities, prefectures and counties 商务局.
    if int(row["level"]) == 1 and row["code"] not in MUNICIPALITIES:
        return row["name"] + "商务厅"
    return _local_name(row, divisions) + "商务局"


def _forex_name(row, divisions) -> str:
    level = int(row["level"])
    if row["code"] == "110000":
        return "国家外汇管理局" + row["name"].removesuffix("市") + "外汇管理部"  # 北京外汇管理部
    if level == 1 or row["code"] in SAFE_BRANCH_CITIES:
        return "国家外汇管理局" + row["name"] + "分局"
    if level == 2:
        return "国家外汇管理局" + row["name"] + "中心支局"
    return "国家外汇管理局" + _local_name(row, divisions) + "支局"


# dept -> (its unit code from a division code, its unit name from a division row and all the divisions)
UNIT_RULES: dict[str, tuple[Callable[[str], str], Callable[[dict, dict[str, dict]], str]]] = {
    # 工商 (市场监管) and 技监 units carry the division code itself.
    Dept.AIC: (lambda c: c, lambda r, d: _local_name(r, d) + "市场监督管理局"),
    Dept.QUALITY: (lambda c: c, lambda r, d: _local_name(r, d) + "质量技术监督局"),
    # 税务: no public list exists; "1" + division code + "0000" (documented in SOURCES.md).
    Dept.TAX: (lambda c: "1" + c + "0000", lambda r, d: "国家税务总局" + _local_name(r, d) + "税务局"),
    # 商务主管机关 and 外汇局: no public code list exists; the division code itself (SOURCES.md).
    Dept.COMMERCE: (lambda c: c, _commerce_name),
    Dept.FOREX: (lambda c: c, _forex_name),
}


def _mainland(divisions: dict[str, dict]) -> dict[str, dict]:
    return {c: r for c, r in divisions.items() if c[:2] not in NOT_MAINLAND}


def derived_units(divisions: dict[str, dict], dept: str) -> list[Unit]:
    code_of, name_of = UNIT_RULES[dept]
    return _division_units(
        _mainland(divisions) if dept in MAINLAND_ONLY else divisions, dept, code_of, name_of
    )


@transaction.atomic
def load_all(data_dir: Path = DATA) -> dict[str, int]:
    counts = {}
    divisions = {r["code"]: r for r in _rows("admin_divisions.csv", data_dir)}
    ordered = sorted(divisions.values(), key=lambda r: (int(r["level"]), r["code"]))
    # Parents first so the self-reference always resolves.
    for level in (1, 2, 3):
        _upsert(
            Division,
            [
                Division(
                    code=r["code"], name=r["name"], level=int(r["level"]), parent_id=r["parent_code"] or None
                )
                for r in ordered
                if int(r["level"]) == level
            ],
            ["name", "level", "parent"],
        )
    counts["divisions"] = len(divisions)

    districts = list(_rows("customs_districts.csv", data_dir))
    _upsert(
        CustomsDistrict,
        [
            CustomsDistrict(
                code=r["code"], name=r["name"], full_name=r["full_name"], parent_code=r["parent_code"]
            )
            for r in districts
        ],
        ["name", "full_name", "parent_code"],
    )
    counts["customs_districts"] = len(districts)

    countries = [
        Country(code=r["code"], name_zh=r["name_zh"], name_en=r["name_en"], legacy_code=r["legacy_code"])
        for r in _rows("countries.csv", data_dir)
    ]
    _upsert(Country, countries, ["name_zh", "name_en", "legacy_code"])
    counts["countries"] = len(countries)
    currencies = [
        Currency(code=r["code"], name_zh=r["name_zh"], name_en=r["name_en"], legacy_code=r["legacy_code"])
        for r in _rows("currencies.csv", data_dir)
    ]
    _upsert(Currency, currencies, ["name_zh", "name_en", "legacy_code"])
    counts["currencies"] = len(currencies)

    units: list[Unit] = []
    replaced = replaced_depts()  # an operator's list (eport load-units) is never overwritten here
    for dept in UNIT_RULES:
        if dept not in replaced:
            units += derived_units(divisions, dept)
    units += _customs_units(districts)
    _upsert_by_depth(units, ["name", "parent", "path", "dept", "code"])
    counts["units"] = len(units)
    if replaced:
        counts["units_kept_from_file"] = Unit.objects.filter(dept__in=replaced, active=True).count()
    return counts


def _upsert_by_depth(units: list[Unit], fields: list[str]) -> None:
    # Parents first so the self-reference always resolves.
    for depth in sorted({u.path.count("/") for u in units}):
        _upsert(Unit, [u for u in units if u.path.count("/") == depth], fields)
    # Bulk writes send no post_save: what shows a unit's name from a cache (a card's issuer) is told here.
    units_changed.send(sender=Unit)


def _customs_units(districts: list[dict]) -> list[Unit]:
    """Customs units (海关企管, reviewers of customs filings), the data sub-centres (RA, 操作中心) and the
    customs brokers' associations (报关协会).

    Every direct customs XX00 is served by one data sub-centre, whose RA unit carries the same code;
    ra:0000 (the national centre) is the root above them all. Every direct customs but 0000 has one
    association, assoc:XX00, a root of its own (an association answers to no other).
    """
    by_code = {r["code"]: r for r in districts}
    units = []
    for r in districts:
        code = r["code"]
        chain = (
            ["0000"]
            if code == "0000"
            else (["0000", code] if code.endswith("00") else ["0000", code[:2] + "00", code])
        )
        chain = [c for c in chain if c in by_code or c == code]
        path = "/" + "/".join(Unit.make_id(Dept.CUSTOMS, c) for c in chain) + "/"
        parent = Unit.make_id(Dept.CUSTOMS, chain[-2]) if len(chain) > 1 else None
        units.append(
            Unit(
                id=Unit.make_id(Dept.CUSTOMS, code),
                dept=Dept.CUSTOMS,
                code=code,
                name=r["full_name"] or r["name"],
                parent_id=parent,
                path=path,
            )
        )
        if code.endswith("00"):
            ra_chain = ["0000"] if code == "0000" else ["0000", code]
            label = (
                "中国电子口岸数据中心"
                if code == "0000"
                else (r["full_name"] or r["name"]) + "电子口岸数据分中心"
            )
            units.append(
                Unit(
                    id=Unit.make_id(Dept.RA, code),
                    dept=Dept.RA,
                    code=code,
                    name=label,
                    parent_id=Unit.make_id(Dept.RA, "0000") if code != "0000" else None,
                    path="/" + "/".join(Unit.make_id(Dept.RA, c) for c in ra_chain) + "/",
                )
            )
            if code != "0000":
                # "深圳海关" -> "深圳报关协会": the association is named after its customs' city.
                customs_name = r["full_name"] or r["name"]
                units.append(
                    Unit(
                        id=Unit.make_id(Dept.ASSOC, code),
                        dept=Dept.ASSOC,
                        code=code,
                        name=customs_name.removesuffix("海关") + "报关协会",
                        parent_id=None,
                        path=f"/{Unit.make_id(Dept.ASSOC, code)}/",
                    )
                )
    return units


# --- replacing the forex / commerce lists from a file (eport load-units) --------------------------------

REPLACEABLE = (Dept.FOREX, Dept.COMMERCE)
# Audit events with this object type (object id = the dept) record where a dept's units come from;
# the latest one decides.
LIST_EVENT = "refdata.unit_list"
REPLACED, DERIVED = "refdata.units_replaced", "refdata.units_derived"
FILE_COLUMNS = ("code", "name", "parent_code")
CODE_RE = re.compile(UNIT_CODE_RE)
MAX_ERRORS = 50


class UnitsFileError(ValueError):
    """A units file that was refused; nothing was changed. `errors` are "line N: ..." strings."""

    def __init__(self, path, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_ERRORS] + (
            [f"... and {len(errors) - MAX_ERRORS} more"] if len(errors) > MAX_ERRORS else []
        )
        super().__init__(f"{path}: refused, nothing changed:\n" + "\n".join(shown))


def replaced_depts() -> set[str]:
    """The depts whose units were last loaded from a file (so `load_all` must not derive them)."""
    latest = dict(
        AuditEvent.objects.filter(object_type=LIST_EVENT, action__in=(REPLACED, DERIVED))
        .order_by("id")
        .values_list("object_id", "action")
    )
    return {dept for dept, action in latest.items() if action == REPLACED}


def read_units_file(path: Path) -> list[dict]:
    """Rows of a `code,name,parent_code` CSV (UTF-8, header, a BOM tolerated), each with its line number."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in FILE_COLUMNS if c not in header]
            if missing:
                raise UnitsFileError(
                    path,
                    [
                        f"line 1: the header must name the columns {','.join(FILE_COLUMNS)}"
                        f" (missing: {', '.join(missing)})"
                    ],
                )
            reader.fieldnames = header
            rows, errors = [], []
            for raw in reader:
                line = reader.line_num
                if None in raw or any(raw.get(c) is None for c in header):
                    errors.append(f"line {line}: expected {len(header)} columns")
                    continue
                rows.append({"line": line, **{c: raw[c].strip() for c in FILE_COLUMNS}})
    except UnicodeDecodeError as e:
        raise UnitsFileError(path, [f"not UTF-8 ({e.reason} at byte {e.start})"]) from None
    except OSError as e:
        raise UnitsFileError(path, [f"cannot read the file: {e.strerror or e}"]) from None
    except csv.Error as e:
        raise UnitsFileError(path, [f"not a CSV file: {e}"]) from None
    if errors:
        raise UnitsFileError(path, errors)
    if not rows:
        raise UnitsFileError(path, ["no units in the file (the header alone would deactivate every unit)"])
    return rows


def units_from_rows(dept: str, rows: list[dict], path="file") -> list[Unit]:
    """Unit objects (paths from the parent chain) for validated rows, or UnitsFileError naming each bad line."""
    errors: list[str] = []
    by_code: dict[str, dict] = {}
    max_code, max_name = (
        Unit._meta.get_field("code").max_length or 0,
        Unit._meta.get_field("name").max_length or 0,
    )
    for r in rows:
        code, line = r["code"], r["line"]
        if not code:
            errors.append(f"line {line}: empty code")
        elif not CODE_RE.fullmatch(code) or len(code) > max_code:
            errors.append(f"line {line}: code {code!r} must be 1–{max_code} letters or digits")
        elif code in by_code:
            errors.append(f"line {line}: duplicate code {code} (first on line {by_code[code]['line']})")
        else:
            by_code[code] = r
        if not r["name"]:
            errors.append(f"line {line}: empty name")
        elif len(r["name"]) > max_name:
            errors.append(f"line {line}: name longer than {max_name} characters")
    for r in by_code.values():
        p = r["parent_code"]
        if p and p not in by_code:
            errors.append(f"line {r['line']}: unknown parent_code {p} (not a code in this file)")
    # Cycles: follow each chain upwards; meeting a code of the same walk again closes a cycle.
    chains: dict[str, None] = {}
    in_cycle: set[str] = set()
    for code in by_code:
        walk, c = [], code
        while c and c in by_code and c not in chains and c not in walk:
            walk.append(c)
            c = by_code[c]["parent_code"]
        if c in walk:
            cycle = walk[walk.index(c) :]
            if not in_cycle & set(cycle):
                in_cycle |= set(cycle)
                lines = ", ".join(str(by_code[x]["line"]) for x in cycle)
                errors.append(
                    f"line {by_code[cycle[0]]['line']}: parent_code cycle "
                    f"{' → '.join([*cycle, c])} (lines {lines})"
                )
        for x in walk:
            chains[x] = None
    if errors:
        raise UnitsFileError(path, errors)
    ids = {code: Unit.make_id(dept, code) for code in by_code}
    paths = unit_paths({ids[c]: ids.get(r["parent_code"]) for c, r in by_code.items()})
    max_path = Unit._meta.get_field("path").max_length
    assert max_path is not None, "Unit.path is a CharField: it has its max_length"
    units = []
    for code, r in by_code.items():
        p = paths[ids[code]]
        if len(p) > max_path:
            errors.append(f"line {r['line']}: too deep, the path {p} is longer than {max_path} characters")
        units.append(
            Unit(
                id=Unit.make_id(dept, code),
                dept=dept,
                code=code,
                name=r["name"],
                path=p,
                active=True,
                parent_id=Unit.make_id(dept, r["parent_code"]) if r["parent_code"] else None,
            )
        )
    if errors:
        raise UnitsFileError(path, errors)
    return units


def unit_paths(parents: dict[str, str | None], known: dict[str, str] | None = None) -> dict[str, str]:
    """Each unit's path from its parent chain (id -> parent id, None for a root). A parent outside
    `parents` takes its path from `known` (the units of the new list), else from the database."""
    paths = dict(known or {})

    def path_of(uid: str) -> str:
        chain: list[str] = []
        u: str | None = uid
        while u is not None and u not in paths and u in parents:
            if u in chain:  # the file's cycles are refused before; a database edited by hand might hold one
                raise RuntimeError(f"unit parent cycle at {u}")
            chain.append(u)
            u = parents[u]
        path: str = "/" if u is None else paths.get(u) or Unit.objects.get(pk=u).path
        for x in reversed(chain):
            path = paths[x] = path + x + "/"
        return paths[uid]

    return {uid: path_of(uid) for uid in parents}


def _apply_list(dept: str, units: list[Unit]) -> dict[str, int]:
    """Make `units` the dept's active list: upsert them (active, auto-review switch kept); every other
    unit of the dept is made inactive. Units are never deleted (filings and accounts point at them); an
    inactive unit keeps its parent and its path follows the parent's new path."""
    before = {u.id: u for u in Unit.objects.filter(dept=dept)}
    _upsert_by_depth(units, ["name", "parent", "path", "dept", "code", "active"])
    known = {u.id: u.path for u in units}
    rest = [u for i, u in before.items() if i not in known]
    paths = unit_paths({u.id: u.parent_id for u in rest}, known)
    deactivated = sum(u.active for u in rest)
    for u in rest:
        u.active, u.path = False, paths[u.id]
    Unit.objects.bulk_update(rest, ["active", "path"], batch_size=500)
    return {"units": len(units), "new": sum(u.id not in before for u in units), "deactivated": deactivated}


@transaction.atomic
def replace_units(dept: str, path: Path) -> dict[str, int]:
    """Replace the dept's units with those of a `code,name,parent_code` file, all or nothing."""
    if dept not in REPLACEABLE:
        raise ValueError(f"only {', '.join(REPLACEABLE)} units can be replaced from a file")
    path = Path(path)
    units = units_from_rows(dept, read_units_file(path), path)
    result = _apply_list(dept, units)
    record(
        actor=None,
        action=REPLACED,
        object_type=LIST_EVENT,
        object_id=dept,
        reason="eport load-units",
        after={
            "file": str(path.resolve()),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            **result,
        },
    )
    return result


@transaction.atomic
def derive_units(dept: str) -> dict[str, int]:
    """Go back to the units derived from the loaded administrative divisions (undoes `replace_units`)."""
    if dept not in REPLACEABLE:
        raise ValueError(f"only {', '.join(REPLACEABLE)} units can be replaced from a file")
    divisions = {
        d["code"]: {
            "code": d["code"],
            "name": d["name"],
            "level": d["level"],
            "parent_code": d["parent_id"] or "",
        }
        for d in Division.objects.values("code", "name", "level", "parent_id")
    }
    result = _apply_list(dept, derived_units(divisions, dept))
    record(
        actor=None,
        action=DERIVED,
        object_type=LIST_EVENT,
        object_id=dept,
        reason="eport load-units --derived",
        after=result,
    )
    return result
