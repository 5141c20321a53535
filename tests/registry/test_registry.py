"""The business registry: CSV import (all or none), the local-table adapter and its configuration."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from eport.registry import adapters
from eport.registry.adapters import BusinessRegistry, LocalTableRegistry, RegistryEntry, registry
from eport.registry.importer import DEMO_CSV, ImportError_, import_csv
from eport.registry.models import BusinessRecord, RegistryStatus
from eport.validators import make_uscc
from tests import factories as f

pytestmark = pytest.mark.django_db

HEADER = "uscc,name,legal_rep_name,registered_capital,capital_unit,status\n"
U1, U2, U3 = (make_uscc("91", "440300", f"R{n:07d}") for n in (1, 2, 3))
N_DEMO = 7


def _csv(tmp_path, text, name="registry.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def fresh_registry():
    adapters.registry.cache_clear()
    yield
    adapters.registry.cache_clear()


# --- import ----------------------------------------------------------------------------------------------


def test_demo_rows_loaded_and_import_idempotent():
    assert BusinessRecord.objects.count() == N_DEMO
    BusinessRecord.objects.filter(pk=f.USCC_SZ).update(name="changed")
    assert import_csv(DEMO_CSV) == N_DEMO
    assert import_csv(DEMO_CSV) == N_DEMO
    assert BusinessRecord.objects.count() == N_DEMO
    sz = BusinessRecord.objects.get(pk=f.USCC_SZ)
    assert sz.name == "深圳市前海示范贸易有限公司"  # the file wins
    assert str(sz.registered_capital) == "500.00" and sz.status == RegistryStatus.NORMAL
    assert BusinessRecord.objects.get(pk=f.USCC_CANCELLED).status == RegistryStatus.CANCELLED
    assert BusinessRecord.objects.get(pk=f.USCC_REVOKED).status == RegistryStatus.REVOKED
    assert BusinessRecord.objects.get(pk=f.USCC_COOP).name == "深圳市示范农业专业合作社"


def test_status_words_and_normalization(tmp_path):
    path = _csv(
        tmp_path,
        "\ufeff"
        + HEADER  # Excel writes a BOM
        + f"{U1.lower()},甲公司,张三,100,wan_yuan,正常\n"
        + f"{U2[:4]}-{U2[4:]},乙公司,,, ,注销\n"
        + f" {U3} ,丙公司,,,,吊销\n",
    )
    assert import_csv(path) == 3
    got = {r.uscc: (r.name, r.status) for r in BusinessRecord.objects.filter(uscc__in=[U1, U2, U3])}
    assert got == {U1: ("甲公司", "normal"), U2: ("乙公司", "cancelled"), U3: ("丙公司", "revoked")}
    assert BusinessRecord.objects.get(pk=U2).registered_capital is None


def test_missing_status_is_normal_and_values_accepted(tmp_path):
    path = _csv(tmp_path, f"uscc,name,status,unknown_column\n{U1},甲公司,,x\n{U2},乙公司,cancelled,y\n")
    assert import_csv(path) == 2
    assert BusinessRecord.objects.get(pk=U1).status == RegistryStatus.NORMAL
    assert BusinessRecord.objects.get(pk=U2).status == RegistryStatus.CANCELLED


def _fails(path, match):
    before = set(BusinessRecord.objects.values_list("uscc", "name", "status"))
    with pytest.raises(ImportError_, match=match):
        import_csv(path)
    assert set(BusinessRecord.objects.values_list("uscc", "name", "status")) == before  # nothing imported


def test_bad_uscc_fails_with_line_number_and_imports_nothing(tmp_path):
    bad = U3[:-1] + ("0" if U3[-1] != "0" else "1")
    path = _csv(tmp_path, HEADER + f"{U1},甲公司,,,,\n{f.USCC_SZ},改名公司,,,,注销\n{bad},丙公司,,,,\n")
    _fails(path, r"^line 4: ")
    assert not BusinessRecord.objects.filter(pk=U1).exists()
    assert BusinessRecord.objects.get(pk=f.USCC_SZ).name == "深圳市前海示范贸易有限公司"


@pytest.mark.parametrize(
    "row,message",
    [
        (f"{U2},,,,,", "line 3: name is required"),
        (f"{U2},乙公司,,,,休眠", "line 3: unknown status"),
        (f"{U2},乙公司,,1万,,", "line 3: registered_capital"),
        (f"{U2},乙公司,,NaN,,", "line 3: registered_capital"),
        (f"{U2},乙公司,,1e30,,", "line 3: registered_capital"),
        (f"{U2},乙公司,,,ten_thousand_yuan,", "line 3: capital_unit"),  # too long for the column
        (f"{U2},{'长' * 201},,,,", "line 3: name"),
        (f"{U1},乙公司,,,,", "line 3: .*line 2"),  # the same USCC twice
        (",乙公司,,,,", "line 3: "),
    ],
)
def test_bad_rows_fail_with_line_number(tmp_path, row, message):
    _fails(_csv(tmp_path, HEADER + f"{U1},甲公司,,,,\n{row}\n"), message)


def test_line_numbers_count_blank_lines_and_multiline_fields(tmp_path):
    text = HEADER + f"{U1},甲公司,,,,\n\n" + f'{U2},"乙\n公司",,,,\n' + "ZZZ,丙公司,,,,\n"
    _fails(_csv(tmp_path, text), r"^line 6: ")


def test_not_utf8_fails_cleanly(tmp_path):
    _fails(_csv(tmp_path, HEADER + f"{U1},甲公司,,,,\n", encoding="gbk"), "UTF-8")


# --- the command -----------------------------------------------------------------------------------------


def test_import_registry_command(tmp_path):
    out = StringIO()
    call_command("import_registry", stdout=out)
    assert f"registry rows imported: {N_DEMO}" in out.getvalue()
    call_command("import_registry", str(_csv(tmp_path, HEADER + f"{U1},甲公司,,,,\n")), stdout=out)
    assert "registry rows imported: 1" in out.getvalue()
    assert BusinessRecord.objects.filter(pk=U1).exists()


@pytest.mark.parametrize(
    "text,encoding,message",
    [
        (HEADER + "91440300MA5DDEM15L,坏公司,,,,\n", "utf-8", "line 2"),
        (HEADER + f"{U1},甲公司,,,,\n", "gbk", "UTF-8"),
    ],
)
def test_import_registry_command_bad_file(tmp_path, text, encoding, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_registry", str(_csv(tmp_path, text, encoding=encoding)))
    assert not BusinessRecord.objects.filter(pk=U1).exists()


def test_import_registry_command_missing_file(tmp_path):
    with pytest.raises(CommandError):
        call_command("import_registry", str(tmp_path / "nope.csv"))
    with pytest.raises(CommandError):
        call_command("import_registry", str(tmp_path))  # a directory


# --- the adapter -----------------------------------------------------------------------------------------


def test_local_table_lookup():
    reg = LocalTableRegistry()
    entry = reg.lookup(f.USCC_SZ)
    assert isinstance(entry, RegistryEntry)
    assert entry.name == "深圳市前海示范贸易有限公司" and entry.status == RegistryStatus.NORMAL
    assert entry.registered_capital == "500.00" and entry.legal_rep_id_type == "resident_id"
    assert entry.as_dict()["uscc"] == f.USCC_SZ
    assert reg.lookup(f.USCC_REVOKED).status == RegistryStatus.REVOKED
    assert reg.lookup(f.USCC_COOP).uscc == f.USCC_COOP
    assert reg.lookup(f.new_uscc()) is None
    assert reg.lookup("") is None
    assert reg.lookup(" " + f.USCC_SZ.lower()) == entry  # the same code, typed loosely


def test_lookup_without_capital():
    BusinessRecord.objects.create(uscc=U1, name="甲公司")
    entry = LocalTableRegistry().lookup(U1)
    assert entry.registered_capital == "" and entry.status == RegistryStatus.NORMAL


class FakeRegistry(BusinessRegistry):
    def lookup(self, uscc):
        return RegistryEntry(uscc=uscc, name="外部服务企业", status=RegistryStatus.NORMAL)


def test_default_registry_is_local_table(fresh_registry):
    assert isinstance(registry(), LocalTableRegistry)
    assert registry() is registry()  # one instance


def test_registry_setting_points_at_another_class(fresh_registry):
    with override_settings(BUSINESS_REGISTRY="tests.registry.test_registry.FakeRegistry"):
        adapters.registry.cache_clear()
        assert isinstance(registry(), FakeRegistry)
        assert registry().lookup(U1).name == "外部服务企业"
    adapters.registry.cache_clear()
    assert isinstance(registry(), LocalTableRegistry)


def test_registry_follows_setting_changes_without_manual_clear(fresh_registry):
    assert isinstance(registry(), LocalTableRegistry)
    with override_settings(BUSINESS_REGISTRY="tests.registry.test_registry.FakeRegistry"):
        assert isinstance(registry(), FakeRegistry)
    assert isinstance(registry(), LocalTableRegistry)
