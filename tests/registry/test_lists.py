"""The customs and forex lists: the generic CSV import (all or none), --list/--replace, look-ups, admin."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from eport.accounts.models import UserKind
from eport.ops import demo
from eport.registry.importer import (
    DEMO_CSV,
    LISTS,
    ImportError_,
    RowError,
    import_csv,
    import_demo_lists,
    import_list,
    import_named,
)
from eport.registry.lists import (
    comparable_name,
    customs_record,
    forex_cancellation,
    forex_directory_entry,
    forex_directory_matches,
)
from eport.registry.models import (
    BusinessRecord,
    CustomsRecord,
    ForexCancellation,
    ForexDirectoryEntry,
    RegistryStatus,
)
from eport.validators import make_uscc, validate_uscc
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_lists():
    """The session loads the demo rows of every list; these tests start from empty lists (rolled back after)."""
    for model in (CustomsRecord, ForexDirectoryEntry, ForexCancellation):
        model.objects.all().delete()


U1, U2, U3 = (make_uscc("91", "440300", f"L{n:07d}") for n in (1, 2, 3))
HEADERS = {
    "customs": "uscc,name,reg_no,customs_code\n",
    "forex_directory": "uscc,name,forex_bureau\n",
    "forex_cancelled": "uscc,name,cancelled_on,reason\n",
}
GOOD = {  # one valid row per list, by USCC
    "customs": lambda u: f"{u},甲公司,4403160001,5300",
    "forex_directory": lambda u: f"{u},甲公司,440300",
    "forex_cancelled": lambda u: f"{u},甲公司,2025-06-30,名录注销",
}
MODELS = {
    "customs": CustomsRecord,
    "forex_directory": ForexDirectoryEntry,
    "forex_cancelled": ForexCancellation,
}

# The demo rows' roles (documented in eport.registry.lists).
BJ = "91110105MA01DEM23X"  # directory name differs: manual review
SH = "91310115MA1HDEM38T"  # not customs-registered


def _csv(tmp_path, text, name="list.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _snapshot():
    return {key: sorted(m.objects.values_list("pk", "name")) for key, m in MODELS.items()}


# --- demo rows -----------------------------------------------------------------------------------------------


def test_demo_lists_import_and_are_idempotent():
    counts = import_demo_lists()
    assert counts == {"business": 7, "customs": 5, "forex_directory": 6, "forex_cancelled": 1}
    assert import_demo_lists() == counts
    assert (
        CustomsRecord.objects.count(),
        ForexDirectoryEntry.objects.count(),
        ForexCancellation.objects.count(),
    ) == (5, 6, 1)
    sz = CustomsRecord.objects.get(pk=f.USCC_SZ)
    assert (sz.reg_no, sz.customs_code, str(sz)) == (
        "4403160015",
        "5300",
        f"{f.USCC_SZ} 深圳市前海示范贸易有限公司",
    )
    c = ForexCancellation.objects.get(pk=f.USCC_COOP)
    assert c.cancelled_on == datetime.date(2025, 6, 30) and c.reason
    for model in MODELS.values():
        for record in model.objects.all():
            assert validate_uscc(record.uscc) == record.uscc


def test_demo_roles():
    import_demo_lists()
    normal = set(BusinessRecord.objects.filter(status=RegistryStatus.NORMAL).values_list("pk", flat=True))
    assert len(normal) == 5
    # Customs: every normal registry row but one (Shanghai), plus the card enterprise of the demo.
    assert normal - set(CustomsRecord.objects.values_list("pk", flat=True)) == {SH}
    assert customs_record(SH) is None
    # Forex directory: every normal registry row, bureau = the address's division code.
    bureaus = dict(ForexDirectoryEntry.objects.values_list("pk", "forex_bureau"))
    assert normal <= bureaus.keys()
    assert {u: bureaus[u] for u in (f.USCC_SZ, BJ, SH, f.USCC_INSTITUTION, f.USCC_COOP)} == {
        f.USCC_SZ: "440300",
        BJ: "110000",
        SH: "310000",
        f.USCC_INSTITUTION: "440300",
        f.USCC_COOP: "440300",
    }
    registry = dict(BusinessRecord.objects.values_list("pk", "name"))
    matching = {
        u for u in normal if forex_directory_matches(uscc=u, name=registry[u], forex_bureau=bureaus[u])
    }
    assert normal - matching == {BJ}  # the directory spells its name differently
    # The cancellation list: one normal row, not the customs or name cases.
    assert set(ForexCancellation.objects.values_list("pk", flat=True)) == {f.USCC_COOP}
    # The enterprises eport.ops.demo uses are customs-registered and match the directory.
    for uscc, name in (
        (demo.DEMO_USCC, "深圳市前海示范贸易有限公司"),
        (demo.CARD_USCC, demo.CARD_ENTERPRISE),
    ):
        assert customs_record(uscc) is not None and forex_cancellation(uscc) is None
        assert forex_directory_matches(uscc=uscc, name=name, forex_bureau="440300")
    assert customs_record(demo.CARD_USCC).customs_code == "5301"  # as its entry data in eport.ops.demo


# --- import --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(MODELS))
def test_import_each_list_with_bom_and_loose_uscc(tmp_path, key):
    text = "\ufeff" + HEADERS[key] + GOOD[key](U1.lower()) + "\n\n" + GOOD[key](f" {U2[:4]}-{U2[4:]} ") + "\n"
    assert import_named(key, _csv(tmp_path, text)).imported == 2
    assert sorted(MODELS[key].objects.values_list("pk", "name")) == [(U1, "甲公司"), (U2, "甲公司")]


def test_import_fields_and_upsert(tmp_path):
    import_named(
        "customs", _csv(tmp_path, HEADERS["customs"] + f"{U1},甲公司,440316a001,5300\n{U2},乙公司,,\n")
    )
    one, two = CustomsRecord.objects.get(pk=U1), CustomsRecord.objects.get(pk=U2)
    assert (one.reg_no, one.customs_code) == ("440316A001", "5300")
    assert (two.reg_no, two.customs_code) == ("", "")
    before = one.updated_at
    # The file wins: a second edition changes the row, keeps the others (no --replace).
    import_named("customs", _csv(tmp_path, HEADERS["customs"] + f"{U1},甲公司（新）,,5301\n"))
    one = CustomsRecord.objects.get(pk=U1)
    assert (one.name, one.reg_no, one.customs_code) == ("甲公司（新）", "", "5301")
    assert one.updated_at >= before
    assert CustomsRecord.objects.filter(pk=U2).exists()

    import_named("forex_cancelled", _csv(tmp_path, f"name,uscc,extra\n乙公司,{U3},x\n"))
    c = ForexCancellation.objects.get(pk=U3)
    assert (c.name, c.cancelled_on, c.reason) == ("乙公司", None, "")


@pytest.mark.parametrize(
    "key,row,message",
    [
        ("customs", "{u},乙公司,440316000,5300", r"line 3: reg_no: "),  # 9 characters
        ("customs", "{u},乙公司,44031600001,5300", r"line 3: reg_no: "),  # 11
        ("customs", "{u},乙公司,4403-16000,5300", r"line 3: reg_no: "),
        ("customs", "{u},乙公司,4403160001,530", r"line 3: customs_code: "),
        ("customs", "{u},乙公司,4403160001,53A0", r"line 3: customs_code: "),
        ("customs", "{u},乙公司,4403160001,５３００", r"line 3: customs_code: "),  # full-width digits
        ("customs", "{u},,4403160001,5300", r"line 3: name is required"),
        ("forex_directory", "{u},乙公司,", r"line 3: forex_bureau is required"),
        (
            "forex_directory",
            "{u},乙公司,4403-0",
            r"line 3: forex_bureau: ",
        ),  # a unit code is letters and digits
        (
            "forex_directory",
            "{u},乙公司,44030000000000000",
            r"line 3: forex_bureau: ",
        ),  # 17: longer than a unit code
        ("forex_cancelled", "{u},乙公司,2025/6/30,", r"line 3: cancelled_on '2025/6/30' is not a date"),
        ("forex_cancelled", "{u},乙公司,2025-02-30,", r"line 3: cancelled_on .* \(YYYY-MM-DD\)"),
        ("forex_cancelled", "{u},乙公司,20250630,", r"line 3: cancelled_on"),
        ("forex_cancelled", "{u},乙公司,2025-W01-1,", r"line 3: cancelled_on"),
        ("forex_cancelled", "{u},乙公司,,{long}", r"line 3: reason: "),
        ("forex_directory", "{u1},乙公司,440300", r"line 3: uscc .* already on line 2"),
        ("customs", "91440300MA5DDEM15L,乙公司,,", r"line 3: "),  # a wrong check character
        ("forex_cancelled", ",乙公司,,", r"line 3: "),
    ],
)
def test_bad_rows_fail_with_line_number_and_store_nothing(tmp_path, key, row, message):
    import_named(key, _csv(tmp_path, HEADERS[key] + GOOD[key](U3) + "\n", name="first.csv"))
    before = _snapshot()
    text = HEADERS[key] + GOOD[key](U1) + "\n" + row.format(u=U2, u1=U1, long="长" * 256) + "\n"
    with pytest.raises(ImportError_, match=message):
        import_named(key, _csv(tmp_path, text))
    assert _snapshot() == before
    with pytest.raises(ImportError_, match=message):  # --replace changes nothing either
        import_named(key, _csv(tmp_path, text), replace=True)
    assert _snapshot() == before


def test_a_file_of_another_list_is_refused_by_its_header(tmp_path):
    path = _csv(tmp_path, HEADERS["customs"] + GOOD["customs"](U1) + "\n")
    with pytest.raises(ImportError_, match=r"^line 1: .*forex_bureau"):
        import_named("forex_directory", path)
    assert not ForexDirectoryEntry.objects.exists()
    with pytest.raises(ImportError_, match=r"^line 1: .*name"):
        import_csv(_csv(tmp_path, "uscc,status\n" + f"{U1},正常\n"))


def test_not_utf8_fails_cleanly(tmp_path):
    with pytest.raises(ImportError_, match="UTF-8"):
        import_named(
            "customs", _csv(tmp_path, HEADERS["customs"] + GOOD["customs"](U1) + "\n", encoding="gbk")
        )
    assert not CustomsRecord.objects.exists()


def test_import_list_with_own_hook(tmp_path):
    def upper_name(row):
        if row["name"] == "坏":
            raise RowError("a bad name")
        row["name"] = row["name"].upper()

    path = _csv(tmp_path, HEADERS["forex_directory"] + f"{U1},abc,440300\n")
    assert import_list(ForexDirectoryEntry, path, convert=upper_name).imported == 1
    assert ForexDirectoryEntry.objects.get(pk=U1).name == "ABC"
    with pytest.raises(ImportError_, match="^line 3: a bad name$"):
        import_list(
            ForexDirectoryEntry,
            _csv(tmp_path, HEADERS["forex_directory"] + f"{U2},x,440300\n{U3},坏,440300\n"),
            convert=upper_name,
        )
    assert not ForexDirectoryEntry.objects.filter(pk=U2).exists()


def test_business_registry_import_still_works_through_the_generic_importer():
    BusinessRecord.objects.filter(pk=f.USCC_SZ).update(name="changed")
    assert import_csv(DEMO_CSV) == 7
    assert BusinessRecord.objects.get(pk=f.USCC_SZ).name == "深圳市前海示范贸易有限公司"
    assert LISTS["business"].demo_csv == DEMO_CSV


# --- replace -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(MODELS))
def test_replace_removes_rows_not_in_the_file(tmp_path, key):
    model = MODELS[key]
    import_named(key, _csv(tmp_path, HEADERS[key] + "".join(GOOD[key](u) + "\n" for u in (U1, U2, U3))))
    result = import_named(key, _csv(tmp_path, HEADERS[key] + GOOD[key](U2) + "\n"), replace=True)
    assert result == (1, 2)
    assert list(model.objects.values_list("pk", flat=True)) == [U2]


def test_replace_refuses_an_empty_edition_and_the_business_registry(tmp_path):
    import_named("customs", _csv(tmp_path, HEADERS["customs"] + GOOD["customs"](U1) + "\n"))
    with pytest.raises(ImportError_, match="no rows"):
        import_named("customs", _csv(tmp_path, HEADERS["customs"]), replace=True)
    with pytest.raises(ImportError_, match="line 1"):  # not even a header
        import_named("customs", _csv(tmp_path, ""), replace=True)
    assert CustomsRecord.objects.filter(pk=U1).exists()
    with pytest.raises(ImportError_, match="--replace"):
        import_named("business", DEMO_CSV, replace=True)
    assert (
        import_named("customs", _csv(tmp_path, HEADERS["customs"])).imported == 0
    )  # without --replace: fine


def test_replace_does_not_touch_other_lists(tmp_path):
    import_demo_lists()
    import_named(
        "forex_directory",
        _csv(tmp_path, HEADERS["forex_directory"] + GOOD["forex_directory"](U1) + "\n"),
        replace=True,
    )
    assert list(ForexDirectoryEntry.objects.values_list("pk", flat=True)) == [U1]
    assert CustomsRecord.objects.count() == 5 and ForexCancellation.objects.count() == 1
    assert BusinessRecord.objects.count() == 7


# --- the command ---------------------------------------------------------------------------------------------


def _call(*args):
    out = StringIO()
    call_command("import_registry", *args, stdout=out)
    return out.getvalue()


def test_command_imports_each_list_demo_rows_by_default():
    assert "registry rows imported: 7" in _call()
    assert "registry rows imported: 7" in _call("--list", "business")
    assert "customs rows imported: 5" in _call("--list", "customs")
    assert "forex_directory rows imported: 6" in _call("--list", "forex_directory")
    assert "forex_cancelled rows imported: 1" in _call("--list=forex_cancelled")
    assert ForexCancellation.objects.get(pk=f.USCC_COOP).name == "深圳市示范农业专业合作社"


def test_command_with_file_and_replace(tmp_path):
    _call("--list", "customs")
    path = _csv(tmp_path, HEADERS["customs"] + GOOD["customs"](U1) + "\n" + GOOD["customs"](f.USCC_SZ) + "\n")
    assert "customs rows imported: 2, rows removed: 4" in _call("--list", "customs", "--replace", str(path))
    assert set(CustomsRecord.objects.values_list("pk", flat=True)) == {U1, f.USCC_SZ}
    assert CustomsRecord.objects.get(pk=f.USCC_SZ).name == "甲公司"


def test_command_errors(tmp_path):
    _call("--list", "forex_directory")
    bad = _csv(tmp_path, HEADERS["forex_directory"] + GOOD["forex_directory"](U1) + "\n" + f"{U2},乙,x-1\n")
    with pytest.raises(CommandError, match="line 3: forex_bureau"):
        _call("--list", "forex_directory", "--replace", str(bad))
    assert ForexDirectoryEntry.objects.count() == 6 and not ForexDirectoryEntry.objects.filter(pk=U1).exists()
    with pytest.raises(CommandError, match="--replace"):
        _call("--replace")  # the business registry
    with pytest.raises(CommandError):
        _call("--list", "nonsense")
    with pytest.raises(CommandError):
        _call("--list", "customs", str(tmp_path / "nope.csv"))
    with pytest.raises(CommandError):
        _call("--list", "customs", str(tmp_path))  # a directory


# --- look-ups and the match rule -----------------------------------------------------------------------------


@pytest.fixture
def lists():
    import_demo_lists()


@pytest.mark.parametrize(
    "lookup,model",
    [
        (customs_record, CustomsRecord),
        (forex_directory_entry, ForexDirectoryEntry),
        (forex_cancellation, ForexCancellation),
    ],
)
def test_lookups(lists, lookup, model):
    uscc = f.USCC_COOP  # on all three lists
    record = lookup(uscc)
    assert isinstance(record, model) and record.uscc == uscc
    assert lookup(f" {uscc.lower()[:4]}-{uscc.lower()[4:]} ") == record  # typed loosely
    assert lookup("") is None and lookup(None) is None and lookup("   ") is None
    assert lookup(f.new_uscc()) is None
    assert lookup(f.USCC_CANCELLED) is None


def test_forex_directory_match_rule(lists):
    sz, name = f.USCC_SZ, "深圳市前海示范贸易有限公司"
    assert forex_directory_matches(uscc=sz, name=name, forex_bureau="440300")
    assert forex_directory_matches(uscc=sz.lower(), name=name, forex_bureau="440300")
    assert forex_directory_matches(
        uscc=sz, name=" 深圳市 前海示范\t贸易有限公司\u3000", forex_bureau=" 440300 "
    )
    assert forex_directory_matches(uscc=sz, name="深圳市前海示范贸易有限公司", forex_bureau="４４０３００")
    assert not forex_directory_matches(uscc=sz, name=name, forex_bureau="440000")  # another bureau
    assert not forex_directory_matches(uscc=sz, name=name, forex_bureau="")
    assert not forex_directory_matches(uscc=sz, name="深圳市前海示范贸易公司", forex_bureau="440300")
    assert not forex_directory_matches(uscc=sz, name="", forex_bureau="440300")
    assert not forex_directory_matches(uscc=f.new_uscc(), name=name, forex_bureau="440300")
    assert not forex_directory_matches(uscc="", name=name, forex_bureau="440300")
    assert not forex_directory_matches(uscc=BJ, name="北京朝阳示范进出口有限公司", forex_bureau="110000")
    assert forex_directory_matches(uscc=BJ, name="北京市朝阳示范进出口有限公司", forex_bureau="110000")


def test_match_rule_with_full_width_characters():
    ForexDirectoryEntry.objects.create(uscc=U1, name="深圳ABC贸易(香港)有限公司", forex_bureau="440300")
    assert forex_directory_matches(uscc=U1, name="深圳ＡＢＣ贸易（香港）有限公司", forex_bureau="440300")
    assert forex_directory_matches(uscc=U1, name="深圳 ＡＢＣ 贸易 ( 香港 ) 有限公司", forex_bureau="440300")
    assert not forex_directory_matches(uscc=U1, name="深圳abc贸易(香港)有限公司", forex_bureau="440300")
    ForexDirectoryEntry.objects.filter(pk=U1).update(name="深圳 ＡＢＣ 贸易（香港）有限公司")  # either side
    assert forex_directory_matches(uscc=U1, name="深圳ABC贸易(香港)有限公司", forex_bureau="440300")
    assert comparable_name(" Ａ\u3000b\n") == "Ab" and comparable_name(None) == ""


# --- admin ---------------------------------------------------------------------------------------------------


def test_admin_pages_load_for_a_superuser(client, lists):
    client.force_login(f.staff(UserKind.ADMIN, None, is_staff=True, is_superuser=True))
    for model in ("customsrecord", "forexdirectoryentry", "forexcancellation", "businessrecord"):
        base = f"/admin/registry/{model}/"
        r = client.get(base)
        assert r.status_code == 200, base
        assert f.USCC_COOP in r.content.decode(), base
        assert client.get(base + "?q=示范农业").status_code == 200
        assert client.get(base + "add/").status_code == 200
        assert client.get(f"{base}{f.USCC_COOP}/change/").status_code == 200
    body = client.get("/admin/registry/").content.decode()
    assert "海关企管注册信息" in body and "外汇企业名录" in body and "外汇注销名录" in body
    assert client.get("/admin/registry/forexdirectoryentry/?forex_bureau=440300").status_code == 200
    assert client.get("/admin/registry/forexcancellation/?cancelled_on__year=2025").status_code == 200


def test_admin_edits_are_validated(client):
    client.force_login(f.staff(UserKind.ADMIN, None, is_staff=True, is_superuser=True))
    r = client.post(
        "/admin/registry/customsrecord/add/",
        {"uscc": U1, "name": "甲公司", "reg_no": "123", "customs_code": "5300"},
    )
    assert r.status_code == 200 and not CustomsRecord.objects.exists()  # the form again, with the error
    wrong = U1[:-1] + ("0" if U1[-1] != "0" else "1")
    r = client.post(
        "/admin/registry/forexdirectoryentry/add/",
        {"uscc": wrong, "name": "甲公司", "forex_bureau": "440300"},
    )
    assert r.status_code == 200 and not ForexDirectoryEntry.objects.exists()  # a wrong check character
    r = client.post(
        "/admin/registry/customsrecord/add/",
        {"uscc": U1, "name": "甲公司", "reg_no": "4403160001", "customs_code": "5300"},
    )
    assert r.status_code == 302 and CustomsRecord.objects.get(pk=U1).reg_no == "4403160001"
