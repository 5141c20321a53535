"""外汇局 (forex) and 商务主管机关 (commerce) units: derived from the divisions, replaceable from a file."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from eport.audit.models import AuditEvent
from eport.cli import main as eport_main
from eport.errors import InvalidInput
from eport.refdata.loaders import LIST_EVENT, REPLACED, load_all, replaced_depts
from eport.refdata.lookup import prefix_lookup, unit_for
from eport.refdata.models import Dept, Division, Unit

pytestmark = pytest.mark.django_db

N_MAINLAND = 3214 - 3  # every division but 710000 台湾省, 810000 香港, 820000 澳门


def _unit(uid):
    u = Unit.objects.get(pk=uid)
    return u.name, u.parent_id


# --- derived ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uid,name,parent",
    [
        ("forex:440000", "国家外汇管理局广东省分局", None),
        ("forex:440300", "国家外汇管理局深圳市分局", "forex:440000"),  # 计划单列市
        ("forex:440100", "国家外汇管理局广州市中心支局", "forex:440000"),
        ("forex:440305", "国家外汇管理局深圳市南山区支局", "forex:440300"),
        ("forex:429004", "国家外汇管理局湖北省仙桃市支局", "forex:420000"),  # 省直辖县级
        ("forex:110000", "国家外汇管理局北京外汇管理部", None),
        ("forex:110101", "国家外汇管理局北京市东城区支局", "forex:110000"),
        ("forex:310000", "国家外汇管理局上海市分局", None),
        ("forex:210200", "国家外汇管理局大连市分局", "forex:210000"),
        ("forex:370200", "国家外汇管理局青岛市分局", "forex:370000"),
        ("forex:330200", "国家外汇管理局宁波市分局", "forex:330000"),
        ("forex:350200", "国家外汇管理局厦门市分局", "forex:350000"),
        ("forex:210100", "国家外汇管理局沈阳市中心支局", "forex:210000"),
        ("forex:450000", "国家外汇管理局广西壮族自治区分局", None),
        ("commerce:310000", "上海市商务局", None),
        ("commerce:110000", "北京市商务局", None),
        ("commerce:120000", "天津市商务局", None),
        ("commerce:500000", "重庆市商务局", None),
        ("commerce:440000", "广东省商务厅", None),
        ("commerce:150000", "内蒙古自治区商务厅", None),
        ("commerce:440300", "深圳市商务局", "commerce:440000"),
        ("commerce:440305", "深圳市南山区商务局", "commerce:440300"),
        ("commerce:310115", "上海市浦东新区商务局", "commerce:310000"),
    ],
)
def test_derived_names_and_parents(uid, name, parent):
    assert _unit(uid) == (name, parent)


def test_derived_trees():
    for dept in (Dept.FOREX, Dept.COMMERCE):
        units = Unit.objects.filter(dept=dept)
        assert units.count() == N_MAINLAND
        assert not units.filter(code__regex=r"^(71|81|82)").exists()
        assert set(units.values_list("code", flat=True)) == set(
            Division.objects.exclude(code__regex=r"^(71|81|82)").values_list("code", flat=True)
        )
        assert units.filter(parent=None).count() == 31
    assert Unit.objects.get(pk="forex:440305").path == "/forex:440000/forex:440300/forex:440305/"
    assert Unit.objects.get(pk="commerce:110101").path == "/commerce:110000/commerce:110101/"
    branches = Unit.objects.filter(dept=Dept.FOREX, name__endswith="分局")
    assert branches.count() == 30 + 5  # 31 provinces but Beijing (外汇管理部), and the 5 计划单列市
    assert Unit.objects.filter(dept=Dept.FOREX, name__endswith="外汇管理部").count() == 1


def test_prefix_lookup():
    items = prefix_lookup("forex_bureaus", "44")
    assert items[0] == {"id": "forex:440000", "code": "440000", "name": "国家外汇管理局广东省分局"}
    assert len(items) == 20 and all(i["code"].startswith("44") for i in items)
    assert items[1]["name"] == "国家外汇管理局广州市中心支局"
    items = prefix_lookup("commerce_authorities", "4")
    assert items[0] == {"id": "commerce:410000", "code": "410000", "name": "河南省商务厅"}
    assert all(i["code"].startswith("4") for i in items)
    assert [i["name"] for i in prefix_lookup("commerce_authorities", "440300")] == ["深圳市商务局"]
    with pytest.raises(InvalidInput) as exc:
        prefix_lookup("forex_bureaus", "4")
    assert exc.value.code == "prefix_too_short"
    assert prefix_lookup("forex_bureaus", "71") == [] and prefix_lookup("commerce_authorities", "8") == []


# --- replaced from a file --------------------------------------------------------------------------------

FOREX_FILE = """code,name,parent_code
4403,国家外汇管理局深圳市分局（新）,
440300,国家外汇管理局深圳市分局,4403
44030501,国家外汇管理局前海支局,440300
"""


def _write(tmp_path, text, name="units.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def _load(*args):
    out = StringIO()
    call_command("load_units", *args, stdout=out)
    return out.getvalue()


def _snapshot(dept):
    return list(
        Unit.objects.filter(dept=dept)
        .order_by("id")
        .values_list("id", "name", "parent_id", "path", "active", "auto_review")
    )


def _assert_paths_consistent(dept):
    units = {u.id: u for u in Unit.objects.filter(dept=dept)}
    for u in units.values():
        assert u.path == (units[u.parent_id].path if u.parent_id else "/") + u.id + "/", u.id


def test_load_units_replaces_the_list(tmp_path):
    Unit.objects.filter(pk__in=["forex:440300", "forex:440100"]).update(auto_review=True)
    commerce_before = _snapshot(Dept.COMMERCE)
    # parents may come after children
    out = _load(
        "--dept",
        "forex",
        _write(
            tmp_path,
            FOREX_FILE.replace("4403,国家外汇管理局深圳市分局（新）,\n", "")
            + "4403,国家外汇管理局深圳市分局（新）,\n",
        ),
    )
    assert "forex: 3 units loaded" in out and "(2 new)" in out and f"{N_MAINLAND - 1} other units" in out
    assert [i["id"] for i in prefix_lookup("forex_bureaus", "44")] == [
        "forex:4403",
        "forex:440300",
        "forex:44030501",
    ]
    assert Unit.objects.filter(dept=Dept.FOREX, active=True).count() == 3
    sz = Unit.objects.get(pk="forex:440300")
    assert sz.auto_review is True and sz.parent_id == "forex:4403" and sz.path == "/forex:4403/forex:440300/"
    assert Unit.objects.get(pk="forex:44030501").path == "/forex:4403/forex:440300/forex:44030501/"
    old = Unit.objects.get(pk="forex:440100")
    assert old.active is False and old.auto_review is True  # kept, only inactive
    assert (
        unit_for(Dept.FOREX, "440100") is None
        and unit_for(Dept.FOREX, "44030501").name == "国家外汇管理局前海支局"
    )
    # an old unit below a moved one: inactive, path follows its parent
    assert Unit.objects.get(pk="forex:440305").path == "/forex:4403/forex:440300/forex:440305/"
    _assert_paths_consistent(Dept.FOREX)
    assert _snapshot(Dept.COMMERCE) == commerce_before
    assert replaced_depts() == {"forex"}
    event = AuditEvent.objects.get(object_type=LIST_EVENT, action=REPLACED)
    assert event.object_id == "forex" and event.after["units"] == 3 and len(event.after["sha256"]) == 64


def test_load_all_keeps_the_replacement(tmp_path):
    _load("--dept", "forex", _write(tmp_path, FOREX_FILE))
    forex = _snapshot(Dept.FOREX)
    Unit.objects.filter(pk="commerce:440300").update(name="renamed")
    counts = load_all()
    assert counts["units_kept_from_file"] == 3
    assert counts["units"] == 3 * 3214 + N_MAINLAND + 213 + 43 + 42  # forex not derived; 42 associations
    assert _snapshot(Dept.FOREX) == forex
    assert Unit.objects.get(pk="commerce:440300").name == "深圳市商务局"  # commerce is still derived
    out = StringIO()
    call_command("load_refdata", stdout=out)
    assert "units_kept_from_file: 3" in out.getvalue()
    assert _snapshot(Dept.FOREX) == forex


def test_load_again_and_go_back_to_derived(tmp_path):
    _load("--dept", "commerce", _write(tmp_path, "code,name,parent_code\n44,广东商务,\n4403,深圳商务,44\n"))
    Unit.objects.filter(pk="commerce:4403").update(auto_review=True)
    # a second file: 4403 moves to the root, 44 becomes inactive, 440300 (derived, inactive) is back
    out = _load(
        "--dept",
        "commerce",
        _write(tmp_path, "code,name,parent_code\n4403,深圳商务,\n440300,深圳市商务局,4403\n"),
    )
    assert "(0 new)" in out and "1 other units made inactive" in out
    assert [i["id"] for i in prefix_lookup("commerce_authorities", "4")] == [
        "commerce:4403",
        "commerce:440300",
    ]
    assert Unit.objects.get(pk="commerce:4403").auto_review is True
    _assert_paths_consistent(Dept.COMMERCE)
    out = _load("--dept", "commerce", "--derived")
    assert f"commerce: {N_MAINLAND} units derived" in out and "1 other units made inactive" in out  # 4403
    assert replaced_depts() == set()
    assert Unit.objects.filter(dept=Dept.COMMERCE, active=True).count() == N_MAINLAND
    assert Unit.objects.get(pk="commerce:440300").path == "/commerce:440000/commerce:440300/"
    assert Unit.objects.get(pk="commerce:4403").active is False
    _assert_paths_consistent(Dept.COMMERCE)
    load_all()
    assert Unit.objects.get(pk="commerce:4403").active is False  # derived again: load_all upserts as before


def test_console_script_with_dashes(tmp_path, monkeypatch):
    from django.db import connections

    monkeypatch.setattr(
        connections, "close_all", lambda: None
    )  # run_from_argv would end the test's transaction
    path = _write(tmp_path, "\ufeffcode,name,parent_code\r\n11,北京商务,\r\n", name="excel.csv")  # BOM, CRLF
    eport_main(["eport", "load-units", "--dept", "commerce", path])
    assert [i["name"] for i in prefix_lookup("commerce_authorities", "1")] == ["北京商务"]


BAD_FILES = [
    ("code,name,parent_code\n44,广东,\n4403,深圳,45\n", ["line 3: unknown parent_code 45"]),
    (
        "code,name,parent_code\n44,广东,\n4403,深圳,44\n4403,深圳2,44\n",
        ["line 4: duplicate code 4403 (first on line 3)"],
    ),
    ("code,name,parent_code\n44,广东,\n,深圳,44\n", ["line 3: empty code"]),
    ("code,name,parent_code\n44,广东,\n4403, ,44\n", ["line 3: empty name"]),
    (
        "code,name,parent_code\n44,广东,4403\n4403,深圳,44\n",
        ["line 2: parent_code cycle 44 → 4403 → 44 (lines 2, 3)"],
    ),
    ("code,name,parent_code\n44,广东,44\n", ["line 2: parent_code cycle 44 → 44"]),
    ("code,name,parent_code\n44/1,广东,\n", ["line 2: code '44/1' must be"]),
    (
        "code,name\n44,广东\n",
        ["line 1: the header must name the columns code,name,parent_code (missing: parent_code)"],
    ),
    (
        "code,name,parent_code\n44,广东,,x\n4403,深圳\n",
        ["line 2: expected 3 columns", "line 3: expected 3 columns"],
    ),
    ("code,name,parent_code\n", ["no units in the file"]),
    (
        "code,name,parent_code\n"
        + "".join(f"{100000 + i},深{i},{100000 + i - 1 if i else ''}\n" for i in range(20)),
        ["line 21: too deep"],
    ),  # the 20th level's path would pass 255 characters
    (
        "code,name,parent_code\n44,广东,\n4403,深圳,45\n,无码,\n4401,,44\n",
        ["line 3: unknown parent_code 45", "line 4: empty code", "line 5: empty name"],
    ),
]


@pytest.mark.parametrize("text,messages", BAD_FILES)
def test_bad_files_are_refused_and_nothing_changes(tmp_path, text, messages):
    before = _snapshot(Dept.FOREX)
    with pytest.raises(CommandError) as exc:
        _load("--dept", "forex", _write(tmp_path, text))
    assert "refused, nothing changed" in str(exc.value)
    for m in messages:
        assert m in str(exc.value)
    assert _snapshot(Dept.FOREX) == before
    assert replaced_depts() == set() and not AuditEvent.objects.filter(object_type=LIST_EVENT).exists()


def test_not_utf8_missing_file_and_bad_arguments(tmp_path):
    before = _snapshot(Dept.COMMERCE)
    with pytest.raises(CommandError, match="not UTF-8"):
        _load("--dept", "commerce", _write(tmp_path, "code,name,parent_code\n44,广东,\n", encoding="gbk"))
    with pytest.raises(CommandError, match="cannot read the file"):
        _load("--dept", "commerce", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="either FILE or --derived"):
        _load("--dept", "commerce")
    with pytest.raises(CommandError, match="either FILE or --derived"):
        _load("--dept", "commerce", "--derived", _write(tmp_path, FOREX_FILE))
    with pytest.raises(CommandError, match="invalid choice"):
        _load("--dept", "aic", _write(tmp_path, FOREX_FILE))
    assert _snapshot(Dept.COMMERCE) == before


def test_failure_while_writing_rolls_everything_back(tmp_path, monkeypatch):
    """All or nothing: an error after the units were written leaves the old list."""
    import eport.refdata.loaders as loaders

    before = _snapshot(Dept.FOREX)

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loaders, "record", boom)
    with pytest.raises(RuntimeError):
        _load("--dept", "forex", _write(tmp_path, FOREX_FILE))
    assert _snapshot(Dept.FOREX) == before
