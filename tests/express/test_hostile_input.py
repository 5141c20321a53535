"""快件通关 against the files and bodies a user (or a probe) can send: a CSV cell over the csv module's limit,
a workbook of far more rows than an upload may hold, characters an Excel export cannot carry, numbers
where the JSON has text, and two files each within the stated limit. Each is a clear refusal or works —
never a 500, never a whole workbook read for nothing."""

import io

import pytest
from django.conf import settings
from openpyxl import Workbook

from eport.express import files
from eport.express.models import Declaration, Receipt
from tests.api.helpers import assert_error
from tests.express.helpers import customs, export_body, import_body, line, operator, row

pytestmark = pytest.mark.django_db

HEAD = "分运单号,发件人,货物名称,数量,价值,币制,进出口岸,运输方式,航班号,日期\r\n"
GOOD = "EX0001,李四,茶叶,1,80.00,502,5304,5,CZ3001,2026-12-01\r\n"
API_UPLOAD = "/api/v1/express/declarations/upload"


def _named(content: bytes, name: str):
    fh = io.BytesIO(content)
    fh.name = name
    return fh


def _form(content: bytes, name: str, direction="E", manifest: tuple | None = None) -> dict:
    data = {"direction": direction, "category": "B", "waybill": "781-00000001", "file": _named(content, name)}
    if manifest:
        data["manifest"] = _named(*manifest)
    return data


def _api_file(api, content: bytes, name: str, **kw):
    headers = {"Authorization": f"Bearer {api.token}"}
    return api.client.post(API_UPLOAD, _form(content, name, **kw), headers=headers)


def _web_file(client, content: bytes, name: str, **kw):
    return client.post("/express/upload/", _form(content, name, **kw))


@pytest.fixture
def op(client):
    made, api = operator()
    client.force_login(made.card.user)
    return made, api, client


# 1 ------------------------------------------------------------------------------------------------------


def test_a_csv_cell_over_the_csv_limit_is_a_400_naming_the_file(op):
    _made, api, client = op
    huge = (
        HEAD + "EX0001," + "李" * (130 * 1024) + ",茶叶,1,80.00,502,5304,5,CZ3001,2026-12-01\r\n"
    ).encode()
    r = _api_file(api, huge, "big-cell.csv")
    e = assert_error(r, 400, "file_invalid", "file")
    assert "big-cell.csv" in e["message"] and "第2行" in e["message"], e["message"]
    page = _web_file(client, huge, "big-cell.csv")
    assert page.status_code == 400 and "big-cell.csv" in page.content.decode()
    # the 舱单 file of an import: the refusal names that field and file
    manifest = ("分运单号,件数,重量(千克),航班号\r\n" + "S" * (130 * 1024) + ",1,1,CA1\r\n").encode()
    decl = (HEAD + GOOD).encode()
    r = _api_file(api, decl, "decl.csv", direction="I", manifest=(manifest, "cangdan.csv"))
    e = assert_error(r, 400, "file_invalid", "manifest")
    assert "cangdan.csv" in e["message"]
    assert not Declaration.objects.exists()


def test_long_cells_that_reach_the_forms_are_refused_row_by_row(op):
    _made, api, _client = op
    long = "9" * 100_000
    cells = [long] * 10
    body = (HEAD + GOOD + ",".join(cells) + "\r\n").encode()
    r = _api_file(api, body, "long.csv")
    e = assert_error(r, 400, "rows_invalid", "file")
    got = {(d["row"], d["column"]) for d in e["details"]}
    heads = [files.column_label(f) for f in files.DECLARATION_COLUMNS]
    assert got == {(3, h) for h in heads}, got
    assert all(long not in d["message"] for d in e["details"])
    assert not Declaration.objects.exists()


# 2 ------------------------------------------------------------------------------------------------------


def _big_workbook(rows: int, *, manifest_rows: int = 0) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("报关数据")
    ws.append([files.column_label(f) for f in files.DECLARATION_COLUMNS])
    for n in range(rows):
        ws.append([f"SF{n:08d}", "张三", "书籍", "1", "1.00", "142", "5301", "5", "CA1234", "2026-12-01"])
    ms = wb.create_sheet("舱单")
    ms.append([files.column_label(f, manifest=True) for f in files.MANIFEST_COLUMNS])
    for n in range(manifest_rows):
        ms.append([f"SF{n:08d}", "1", "1", "CA1234"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_workbook_past_the_row_limit_is_refused_without_reading_it_all(op, monkeypatch):
    _made, api, client = op
    data = _big_workbook(20_000)
    seen = []
    real = files._xlsx_rows

    def counting(ws, field):
        for r in real(ws, field):
            seen.append(1)
            yield r

    monkeypatch.setattr(files, "_xlsx_rows", counting)
    r = _api_file(api, data, "big.xlsx", direction="I")
    e = assert_error(r, 400, "file_invalid", "file")
    assert str(files.MAX_ROWS) in e["message"]
    assert len(seen) <= files.MAX_ROWS + 2  # stopped at the first row past the limit
    page = _web_file(client, data, "big.xlsx", direction="I")
    assert page.status_code == 400 and str(files.MAX_ROWS) in page.content.decode()


def test_a_workbook_that_unzips_to_far_more_than_its_size_is_refused_before_it_is_parsed(op, monkeypatch):
    """openpyxl parses every sheet through on opening a workbook: the unzipped size is checked first."""
    _made, api, _client = op
    data = _big_workbook(3_000)
    monkeypatch.setattr(files, "MAX_UNZIPPED", 256 * 1024)
    opened = []
    monkeypatch.setattr(files, "load_workbook", lambda *a, **k: opened.append(1))
    e = assert_error(_api_file(api, data, "zipped.xlsx", direction="I"), 400, "file_invalid", "file")
    assert "zipped.xlsx" in e["message"] and str(files.MAX_ROWS) in e["message"]
    assert not opened


def test_a_manifest_sheet_past_the_row_limit_is_refused_and_other_sheets_are_not_read(op):
    _made, api, _client = op
    wb = Workbook()
    wb.active.title = "说明"  # a sheet before the data is still the declarations' (the first one)
    wb.active.append([files.column_label(f) for f in files.DECLARATION_COLUMNS])
    wb.active.append(["SF00000000", "张三", "书籍", "1", "1.00", "142", "5301", "5", "CA1234", "2026-12-01"])
    ms = wb.create_sheet("舱单")
    ms.append([files.column_label(f, manifest=True) for f in files.MANIFEST_COLUMNS])
    for n in range(files.MAX_ROWS + 1):
        ms.append([f"SF{n:08d}", "1", "1", "CA1234"])
    junk = wb.create_sheet("备注")
    junk.append(["x"] * 5)
    buf = io.BytesIO()
    wb.save(buf)
    r = _api_file(api, buf.getvalue(), "m.xlsx", direction="I")
    e = assert_error(r, 400, "file_invalid", "file")
    assert str(files.MAX_ROWS) in e["message"]


def test_a_workbook_of_exactly_the_limit_is_read():
    rows, manifest = files.read("ok.xlsx", _big_workbook(files.MAX_ROWS, manifest_rows=files.MAX_ROWS))
    assert len(rows) == files.MAX_ROWS and manifest is not None and len(manifest) == files.MAX_ROWS
    assert rows[-1] == (files.MAX_ROWS + 1, rows[-1][1]) and rows[0][1]["sub_waybill"] == "SF00000000"


# 3 (input side; the export side is in tests/test_exports.py) ----------------------------------------------


@pytest.mark.parametrize("bad", ["\ufffe", "\uffff", "\x0b", "\x1f"])
def test_characters_an_export_cannot_carry_are_refused_at_input(op, bad):
    _made, api, client = op
    body = export_body(subs=("EX0001", "EX0002"))
    body["declarations"][1] = row("EX0002", party="李" + bad + "四", goods="茶" + bad + "叶")
    e = assert_error(api.post("/express/declarations", body), 400, "rows_invalid", "file")
    got = {(d["row"], d["column"]) for d in e["details"]}
    assert got == {(2, "收/发件人"), (2, "货物名称")}
    assert "第2行“收/发件人”" in e["details"][0]["message"] and "字符" in e["details"][0]["message"]
    csv_body = (HEAD + GOOD.replace("李四", "李" + bad + "四")).encode()
    page = _web_file(client, csv_body, "bad-char.csv")
    assert page.status_code == 400 and "第2行“收/发件人”" in page.content.decode()
    assert not Declaration.objects.exists()


# 5, 6 ---------------------------------------------------------------------------------------------------


def test_json_numbers_are_read_as_text_like_a_files_cells(op):
    _made, api, _client = op
    body = export_body()
    body["declarations"][0].update(date=20261201, quantity=3, value=80.5, currency=502, port=5304)
    r = api.post("/express/declarations", body)
    assert r.status_code == 201, r.content
    d = r.json()["declarations"][0]
    assert (d["date"], d["quantity"], d["value"], d["currency"], d["port"]) == (
        "2026-12-01",
        3,
        "80.50",
        "502",
        "5304",
    )


def test_numeric_sub_waybills_match_between_declarations_and_manifest(op):
    _made, api, _client = op
    body = import_body()
    body["declarations"] = [row(12345), row(67890)]
    body["manifest"] = [line(12345), line(67890)]
    r = api.post("/express/declarations", body)
    assert r.status_code == 201, r.content
    assert sorted(d["sub_waybill"] for d in r.json()["declarations"]) == ["12345", "67890"]
    assert Receipt.objects.count() == 2


def test_the_service_reads_non_text_values_itself(op):
    from eport.express import services

    made, _api, _client = op
    rows = [(1, row(12345, date=20261201, quantity=1))]
    u = services.upload(
        made.card.user,
        {"direction": "I", "category": "KJ2", "waybill": "999-12345678"},
        rows,
        [(1, line(12345))],
    )
    assert u.declarations.get().sub_waybill == "12345"


# 9 ------------------------------------------------------------------------------------------------------


def _padded_csv(text: str, size: int) -> bytes:
    """A valid CSV of `size` bytes: the rows, then blank lines (skipped as blank rows)."""
    data = text.encode()
    return data + b"\r\n" * ((size - len(data)) // 2)


def test_two_files_within_the_stated_limit_are_accepted(op):
    _made, api, client = op
    four_mb = 4 * 1024 * 1024
    assert 2 * four_mb > settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # the body is over the general limit
    decl = _padded_csv(HEAD.replace("发件人", "收件人") + GOOD.replace("EX0001", "SF0001"), four_mb)
    manifest = _padded_csv("分运单号,件数,重量(千克),航班号\r\nSF0001,1,2.5,CZ3001\r\n", four_mb)
    r = _api_file(api, decl, "decl.csv", direction="I", manifest=(manifest, "m.csv"))
    assert r.status_code == 201, r.content[:300]
    page = _web_file(
        client,
        decl.replace(b"SF0001", b"SF0002"),
        "d.csv",
        direction="I",
        manifest=(manifest.replace(b"SF0001", b"SF0002"), "m.csv"),
    )
    assert page.status_code == 302, page.content[:300]
    assert Declaration.objects.count() == 2


def test_a_file_over_the_stated_limit_is_refused_naming_it(op):
    _made, api, client = op
    big = _padded_csv(HEAD + GOOD, files.MAX_BYTES + 10)
    e = assert_error(_api_file(api, big, "big.csv"), 400, "file_invalid", "file")
    assert "5MB" in e["message"] or "5 MB" in e["message"]
    over = settings.LARGE_UPLOAD_MAX_BYTES + 1024
    r = _api_file(api, _padded_csv(HEAD + GOOD, over), "huge.csv")
    e = assert_error(r, 413, "request_too_large")
    assert "5 MB" in e["message"] and "20" not in e["message"].split("；")[-1], e["message"]


def test_an_export_of_a_stored_noncharacter_still_works():
    """Stored before the forms refused it (or by another way in): the export drops it, no 500."""
    made, _api = operator()
    off, capi = customs()
    body = export_body()
    from eport.express import services

    services.upload(
        made.card.user,
        {k: body[k] for k in ("direction", "category", "waybill")},
        list(enumerate(body["declarations"], 1)),
        None,
    )
    Declaration.objects.update(party="李四\ufffe", goods="=茶\uffff叶")
    r = capi.get("/express/declarations.xlsx")
    assert r.status_code == 200, r.content[:300]
    from openpyxl import load_workbook

    values = {c.value for rw in load_workbook(io.BytesIO(r.content)).active.iter_rows() for c in rw}
    assert "李四" in values and "=茶叶" in values
