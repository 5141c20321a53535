"""Load the code lists in data/ and derive the department units from them (rules in data/SOURCES.md).

Idempotent: rows are upserted by code; a unit's auto-review switch is kept.
"""

import csv
from pathlib import Path

from django.db import transaction

from .models import Country, Currency, CustomsDistrict, Dept, Division, Unit

DATA = Path(__file__).resolve().parent / "data"


def _rows(name: str, data_dir: Path = DATA):
    with open(data_dir / name, encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _upsert(model, objs, fields):
    model.objects.bulk_create(objs, update_conflicts=True, unique_fields=["pk"], update_fields=fields, batch_size=500)


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
        units.append(Unit(id=Unit.make_id(dept, code_of(code)), dept=dept, code=code_of(code),
                          name=name_of(row, divisions), parent_id=parent, path=path))
    return units


def _local_name(row, divisions) -> str:
    # A county is named with its prefecture (or municipality) so "朝阳区" and "朝阳市" stay apart.
    if int(row["level"]) == 3 and row["parent_code"]:
        return divisions[row["parent_code"]]["name"] + row["name"]
    return row["name"]


UNIT_RULES = {
    # 工商 (市场监管) and 技监 units carry the division code itself.
    Dept.AIC: (lambda c: c, lambda r, d: _local_name(r, d) + "市场监督管理局"),
    Dept.QUALITY: (lambda c: c, lambda r, d: _local_name(r, d) + "质量技术监督局"),
    # 税务: no public list exists; "1" + division code + "0000" (documented in SOURCES.md).
    Dept.TAX: (lambda c: "1" + c + "0000", lambda r, d: "国家税务总局" + _local_name(r, d) + "税务局"),
}


@transaction.atomic
def load_all(data_dir: Path = DATA) -> dict[str, int]:
    counts = {}
    divisions = {r["code"]: r for r in _rows("admin_divisions.csv", data_dir)}
    ordered = sorted(divisions.values(), key=lambda r: (int(r["level"]), r["code"]))
    # Parents first so the self-reference always resolves.
    for level in (1, 2, 3):
        _upsert(Division, [Division(code=r["code"], name=r["name"], level=int(r["level"]),
                                    parent_id=r["parent_code"] or None)
                           for r in ordered if int(r["level"]) == level], ["name", "level", "parent"])
    counts["divisions"] = len(divisions)

    districts = list(_rows("customs_districts.csv", data_dir))
    _upsert(CustomsDistrict, [CustomsDistrict(code=r["code"], name=r["name"], full_name=r["full_name"],
                                              parent_code=r["parent_code"]) for r in districts],
            ["name", "full_name", "parent_code"])
    counts["customs_districts"] = len(districts)

    countries = [Country(code=r["code"], name_zh=r["name_zh"], name_en=r["name_en"], legacy_code=r["legacy_code"])
                 for r in _rows("countries.csv", data_dir)]
    _upsert(Country, countries, ["name_zh", "name_en", "legacy_code"])
    counts["countries"] = len(countries)
    currencies = [Currency(code=r["code"], name_zh=r["name_zh"], name_en=r["name_en"], legacy_code=r["legacy_code"])
                  for r in _rows("currencies.csv", data_dir)]
    _upsert(Currency, currencies, ["name_zh", "name_en", "legacy_code"])
    counts["currencies"] = len(currencies)

    units: list[Unit] = []
    for dept, (code_of, name_of) in UNIT_RULES.items():
        units += _division_units(divisions, dept, code_of, name_of)
    units += _customs_units(districts)
    for depth in sorted({u.path.count("/") for u in units}):
        _upsert(Unit, [u for u in units if u.path.count("/") == depth], ["name", "parent", "path", "dept", "code"])
    counts["units"] = len(units)
    return counts


def _customs_units(districts: list[dict]) -> list[Unit]:
    """Customs units (海关企管, reviewers of customs filings) and the data sub-centres (RA, 操作中心).

    Every direct customs XX00 is served by one data sub-centre, whose RA unit carries the same code;
    ra:0000 (the national centre) is the root above them all.
    """
    by_code = {r["code"]: r for r in districts}
    units = []
    for r in districts:
        code = r["code"]
        chain = ["0000"] if code == "0000" else (["0000", code] if code.endswith("00") else ["0000", code[:2] + "00", code])
        chain = [c for c in chain if c in by_code or c == code]
        path = "/" + "/".join(Unit.make_id(Dept.CUSTOMS, c) for c in chain) + "/"
        parent = Unit.make_id(Dept.CUSTOMS, chain[-2]) if len(chain) > 1 else None
        units.append(Unit(id=Unit.make_id(Dept.CUSTOMS, code), dept=Dept.CUSTOMS, code=code,
                          name=r["full_name"] or r["name"], parent_id=parent, path=path))
        if code.endswith("00"):
            ra_chain = ["0000"] if code == "0000" else ["0000", code]
            label = "中国电子口岸数据中心" if code == "0000" else (r["full_name"] or r["name"]) + "电子口岸数据分中心"
            units.append(Unit(id=Unit.make_id(Dept.RA, code), dept=Dept.RA, code=code, name=label,
                              parent_id=Unit.make_id(Dept.RA, "0000") if code != "0000" else None,
                              path="/" + "/".join(Unit.make_id(Dept.RA, c) for c in ra_chain) + "/"))
    return units
