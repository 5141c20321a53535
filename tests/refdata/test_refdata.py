"""Reference code lists, the department unit trees derived from them, and the prefix look-up."""

import csv
import shutil
from io import StringIO

import pytest
from django.core.management import call_command

from eport.errors import InvalidInput, NotFound
from eport.refdata.loaders import DATA, load_all
from eport.refdata.lookup import LISTS, MAX_RESULTS, prefix_lookup, ra_unit_for_customs, unit_for
from eport.refdata.models import Country, Currency, CustomsDistrict, Dept, Division, Unit

pytestmark = pytest.mark.django_db

N_DIVISIONS = 3214
N_CUSTOMS = 213
N_DIRECT = 43  # 0000 and the 42 direct customs XX00
N_MAINLAND = N_DIVISIONS - 3  # forex and commerce units: not for 台湾, 香港, 澳门
# customs units, the sub-centres (ra:XX00 and ra:0000), the associations (assoc:XX00 but 0000)
N_UNITS = 3 * N_DIVISIONS + 2 * N_MAINLAND + N_CUSTOMS + N_DIRECT + (N_DIRECT - 1)


def _csv_rows(name):
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_tables_loaded():
    assert Division.objects.count() == N_DIVISIONS
    assert CustomsDistrict.objects.count() == N_CUSTOMS
    assert Country.objects.count() == 264
    assert Currency.objects.count() == 22
    assert Unit.objects.count() == N_UNITS
    assert Country.objects.get(code="USA").legacy_code == "502"
    assert Currency.objects.get(code="CNY").name_zh == "人民币"


def test_load_all_again_is_idempotent_and_keeps_auto_review():
    Unit.objects.filter(pk="aic:440300").update(auto_review=True, name="renamed")
    Unit.objects.filter(pk="ra:5300").update(auto_review=True)
    # The session fixture ran load_all() already: this is the second run.
    assert load_all() == {
        "divisions": N_DIVISIONS,
        "customs_districts": N_CUSTOMS,
        "countries": 264,
        "currencies": 22,
        "units": N_UNITS,
    }
    assert Unit.objects.count() == N_UNITS and Division.objects.count() == N_DIVISIONS
    aic = Unit.objects.get(pk="aic:440300")
    assert aic.auto_review is True
    assert aic.name == "深圳市市场监督管理局"  # the data wins for everything but the switch
    assert Unit.objects.get(pk="ra:5300").auto_review is True
    assert Unit.objects.filter(auto_review=True).count() == 2


def test_reload_from_replaced_files(tmp_path):
    """An administrator replaces a CSV (same columns) and reruns: names follow, ids stay."""
    for p in DATA.glob("*.csv"):
        shutil.copy(p, tmp_path / p.name)
    path = tmp_path / "admin_divisions.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("440300,深圳市,", "440300,鹏城市,"), encoding="utf-8"
    )
    load_all(tmp_path)
    assert Division.objects.get(code="440300").name == "鹏城市"
    assert Unit.objects.get(pk="aic:440305").name == "鹏城市南山区市场监督管理局"
    assert Unit.objects.get(pk="tax:14403000000").name == "国家税务总局鹏城市税务局"
    assert Unit.objects.count() == N_UNITS


def test_load_refdata_command():
    out = StringIO()
    call_command("load_refdata", stdout=out)
    assert f"divisions: {N_DIVISIONS}" in out.getvalue()
    assert f"units: {N_UNITS}" in out.getvalue()


# --- unit trees ------------------------------------------------------------------------------------------


def test_division_tree():
    assert Division.objects.get(code="440305").parent_id == "440300"
    assert Division.objects.get(code="110101").parent_id == "110000"  # municipality: no XXXX00 row
    assert Division.objects.get(code="429004").parent_id == "420000"  # 省直辖县级
    assert Division.objects.get(code="440000").parent_id is None
    assert Division.objects.filter(level=1).count() == 34


def test_aic_and_quality_trees():
    sz = Unit.objects.get(pk="aic:440300")
    assert sz.parent_id == "aic:440000"
    assert sz.path == "/aic:440000/aic:440300/"
    assert sz.name == "深圳市市场监督管理局" and sz.dept == Dept.AIC and sz.code == "440300"
    ns = Unit.objects.get(pk="aic:440305")
    assert ns.path == "/aic:440000/aic:440300/aic:440305/" and ns.name == "深圳市南山区市场监督管理局"
    assert Unit.objects.get(pk="aic:110101").parent_id == "aic:110000"
    q = Unit.objects.get(pk="quality:440305")
    assert q.parent_id == "quality:440300" and q.name.endswith("质量技术监督局")
    assert Unit.objects.filter(dept=Dept.AIC).count() == N_DIVISIONS
    assert Unit.objects.filter(dept=Dept.QUALITY).count() == N_DIVISIONS


def test_tax_units():
    t = Unit.objects.get(pk="tax:14403000000")
    assert t.code == "14403000000" and t.parent_id == "tax:14400000000"
    assert t.name == "国家税务总局深圳市税务局"
    assert t.path == "/tax:14400000000/tax:14403000000/"
    codes = Unit.objects.filter(dept=Dept.TAX).values_list("code", flat=True)
    assert len(codes) == N_DIVISIONS
    assert {c[1:7] for c in codes} == set(Division.objects.values_list("code", flat=True))
    assert all(len(c) == 11 and c[0] == "1" and c.endswith("0000") for c in codes)


def test_customs_and_ra_units():
    assert Unit.objects.get(pk="customs:5301").parent_id == "customs:5300"
    assert Unit.objects.get(pk="customs:5300").parent_id == "customs:0000"
    assert Unit.objects.get(pk="customs:5301").path == "/customs:0000/customs:5300/customs:5301/"
    root = Unit.objects.get(pk="ra:0000")
    assert root.parent_id is None and root.path == "/ra:0000/" and root.name == "中国电子口岸数据中心"
    direct = [r["code"] for r in _csv_rows("customs_districts.csv") if r["code"].endswith("00")]
    assert len(direct) == N_DIRECT
    ra = {u.code: u for u in Unit.objects.filter(dept=Dept.RA)}
    assert set(ra) == set(direct)
    for code in direct:
        if code != "0000":
            assert ra[code].parent_id == "ra:0000"
            assert ra[code].path == f"/ra:0000/ra:{code}/"
            assert ra[code].name.endswith("电子口岸数据分中心")


def test_every_path_is_parent_path_plus_own_id():
    units = {u.id: u for u in Unit.objects.all()}
    for u in units.values():
        expected = (units[u.parent_id].path if u.parent_id else "/") + u.id + "/"
        assert u.path == expected, u.id
        assert u.id == Unit.make_id(u.dept, u.code)


def test_covers_is_path_prefix_jurisdiction():
    gd = Unit.objects.get(pk="aic:440000")
    sz = Unit.objects.get(pk="aic:440300")
    ns = Unit.objects.get(pk="aic:440305")
    assert gd.covers(sz) and gd.covers(ns) and sz.covers(ns) and sz.covers(sz)
    assert not sz.covers(gd) and not ns.covers(sz)
    assert not sz.covers(Unit.objects.get(pk="aic:440100"))
    assert not gd.covers(Unit.objects.get(pk="quality:440300"))
    assert Unit.objects.get(pk="ra:0000").covers(Unit.objects.get(pk="ra:5300"))
    # the jurisdiction query the reviewers use: one prefix match
    below = Unit.objects.filter(path__startswith=sz.path)
    assert below.filter(pk="aic:440305").exists() and not below.filter(pk="aic:440000").exists()
    assert all(sz.covers(u) for u in below)


def test_ra_unit_for_customs():
    assert ra_unit_for_customs("5301").id == "ra:5300"
    assert ra_unit_for_customs("5300").id == "ra:5300"
    assert ra_unit_for_customs("0101").id == "ra:0100"
    assert ra_unit_for_customs("0000").id == "ra:0000"
    for bad in ("", None, "53", "53011", "9901"):
        assert ra_unit_for_customs(bad) is None
    Unit.objects.filter(pk="ra:5300").update(active=False)
    assert ra_unit_for_customs("5301") is None


def test_unit_for():
    assert unit_for(Dept.AIC, "440300").id == "aic:440300"
    assert unit_for(Dept.TAX, "14403000000").id == "tax:14403000000"
    assert unit_for(Dept.AIC, "") is None
    assert unit_for(Dept.AIC, "999999") is None


# --- prefix look-up --------------------------------------------------------------------------------------

MIN_LENGTHS = {
    "customs": 2,
    "aic_units": 2,
    "tax_units": 4,
    "quality_units": 1,
    "forex_bureaus": 2,
    "commerce_authorities": 1,
}


def test_min_lengths_table():
    assert {k: v[1] for k, v in LISTS.items()} == MIN_LENGTHS


@pytest.mark.parametrize("list_name", list(MIN_LENGTHS))
def test_prefix_too_short(list_name):
    n = MIN_LENGTHS[list_name]
    for short in ("", "  ", "1" * (n - 1), " " + "1" * (n - 1) + " "):
        with pytest.raises(InvalidInput) as exc:
            prefix_lookup(list_name, short)
        assert exc.value.code == "prefix_too_short" and exc.value.field == "prefix"
    with pytest.raises(InvalidInput):
        prefix_lookup(list_name, None)


@pytest.mark.parametrize(
    "list_name,prefix,first",
    [
        ("customs", "53", "5300"),
        ("aic_units", "44", "440000"),
        ("tax_units", "1440", "14400000000"),
        ("quality_units", "4", "410000"),
        ("quality_units", "1", "110000"),
    ],
)
def test_prefix_results(list_name, prefix, first):
    items = prefix_lookup(list_name, prefix)
    assert 0 < len(items) <= MAX_RESULTS
    assert all(i["code"].startswith(prefix) and i["name"] for i in items)
    assert [i["code"] for i in items] == sorted(i["code"] for i in items)
    assert items[0]["code"] == first
    if list_name != "customs":
        assert all(i["id"] == f"{LISTS[list_name][0]}:{i['code']}" for i in items)


def test_prefix_results_capped_and_limit():
    assert len(prefix_lookup("aic_units", "44")) == MAX_RESULTS
    assert len(prefix_lookup("aic_units", "44", limit=5)) == 5
    assert [i["code"] for i in prefix_lookup("customs", " 5301 ")] == ["5301"]
    assert prefix_lookup("aic_units", "99") == []


def test_prefix_skips_inactive_units():
    Unit.objects.filter(pk="aic:440300").update(active=False)
    assert "aic:440300" not in {i["id"] for i in prefix_lookup("aic_units", "4403")}


def test_forex_and_commerce_lists_serve_their_units():
    # derived from the divisions (test_units_forex_commerce.py); an added unit is served as well
    assert prefix_lookup("forex_bureaus", "4403")[0] == {
        "id": "forex:440300",
        "code": "440300",
        "name": "国家外汇管理局深圳市分局",
    }
    Unit.objects.create(
        id="commerce:4403A", dept=Dept.COMMERCE, code="4403A", name="前海商务局", path="/commerce:4403A/"
    )
    assert "commerce:4403A" in [i["id"] for i in prefix_lookup("commerce_authorities", "4403")]


def test_unknown_list():
    with pytest.raises(NotFound) as exc:
        prefix_lookup("planets", "12")
    assert exc.value.code == "unknown_list"


def test_a_unit_saved_one_by_one_derives_its_path_and_moves_its_subtree():
    """An admin-made unit must never get an empty path (that would cover every unit)."""
    sz = Unit.objects.get(pk="aic:440300")
    new = Unit(dept="aic", code="440399", name="测试新区市场监督管理局", parent=sz)
    new.save()
    assert new.id == "aic:440399" and new.path == sz.path + "aic:440399/"
    child = Unit.objects.create(id="aic:440398", dept="aic", code="440398", name="下级", parent=new)
    new.parent = Unit.objects.get(pk="aic:440100")
    new.save()
    child.refresh_from_db()
    assert child.path == "/aic:440000/aic:440100/aic:440399/aic:440398/"
