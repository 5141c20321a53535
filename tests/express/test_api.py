"""快件通关 through the API (SPEC §6.6, API.md "Other subsystems"): 数据上载 (import with its 舱单, export
without), refused row by row with nothing saved; 回执查询 by 总运单号; customs of the 关区 放行 / 退单; 修改类别
before release only; the released lists, print and exports; mail and audit at each step."""

import io

import pytest
from django.core import mail
from openpyxl import Workbook, load_workbook

from eport.audit.models import AuditEvent
from eport.express import files
from eport.express.models import Declaration, ManifestLine, Receipt, Upload
from tests.api.helpers import assert_error
from tests.express.helpers import customs, export_body, import_body, line, operator, row

pytestmark = pytest.mark.django_db

URL = "/express/declarations"


@pytest.fixture
def x():
    made, api = operator()
    officer, c_api = customs()
    return {"made": made, "api": api, "officer": officer, "c_api": c_api}


def _upload(x, body=None):
    r = x["api"].post(URL, body or import_body())
    assert r.status_code == 201, r.content
    return r.json()


def test_import_with_manifest_is_received_mailed_and_audited(x, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        u = _upload(x)
    assert u["manifest_lines"] == 2 and [d["sub_waybill"] for d in u["declarations"]] == ["SF0001", "SF0002"]
    assert {d["state"] for d in u["declarations"]} == {"received"}
    assert [m.to for m in mail.outbox] == [["hg5300@example.com"]]  # the direct customs over 5301
    assert "999-12345678" in mail.outbox[0].subject and "2票" in mail.outbox[0].body
    r = x["api"].get("/express/receipts", {"waybill": "999-12345678"})
    assert r.status_code == 200 and r.json()["total"] == 2
    assert {i["kind"] for i in r.json()["items"]} == {"received"}
    assert AuditEvent.objects.filter(action="express.uploaded", object_id=str(u["id"])).exists()


def test_export_has_no_manifest(x):
    u = _upload(x, export_body())
    assert u["manifest_lines"] == 0 and u["declarations"][0]["port"] == "5304"
    body = export_body(subs=("EX0002",))
    body["manifest"] = [line("EX0002")]
    assert_error(x["api"].post(URL, body), 400, "manifest_not_allowed", "manifest")


def test_an_import_without_its_manifest_is_refused(x):
    body = import_body()
    body.pop("manifest")
    assert_error(x["api"].post(URL, body), 400, "manifest_required", "manifest")
    assert not Upload.objects.exists()


def test_declarations_not_matching_the_manifest_name_row_and_field_and_save_nothing(x):
    body = import_body(subs=("SF0001", "SF0002", "SF0003"))
    body["manifest"] = [line("SF0001"), line("SF0002", flight_no="MU5000"), line("SF0009")]
    r = x["api"].post(URL, body)
    assert_error(r, 400, "rows_invalid", "file")
    details = r.json()["error"]["details"]
    got = {(d["sheet"], d["row"], d["field"], d["code"]) for d in details}
    assert got == {
        ("declarations", 2, "flight_no", "manifest_mismatch"),
        ("declarations", 3, "sub_waybill", "not_in_manifest"),
        ("manifest", 3, "sub_waybill", "not_declared"),
    }
    msgs = [d["message"] for d in details]
    assert "第2行“航班号”：与舱单第2行的航班号 MU5000 不一致。" in msgs
    assert "舱单第3行“分运单号”：报关数据中没有这个分运单号。" in msgs
    assert not (Upload.objects.exists() or Declaration.objects.exists() or ManifestLine.objects.exists())


def test_bad_codes_are_refused_row_by_row(x):
    body = export_body(subs=("EX0001", "EX0002", "EX0003", "EX0004", "EX0005"))
    d = body["declarations"]
    d[0]["currency"] = "999"
    d[1]["port"] = "53011"
    d[2]["transport_mode"] = "X"
    d[3]["sub_waybill"] = "EX0001"  # the same 分运单 twice
    d[4]["quantity"] = 0
    d[4]["port"] = "5399"  # 4 digits, but no such 关区
    r = x["api"].post(URL, body)
    assert_error(r, 400, "rows_invalid", "file")
    details = r.json()["error"]["details"]
    got = {(e["row"], e["field"]) for e in details}
    assert got == {
        (1, "currency"),
        (2, "port"),
        (3, "transport_mode"),
        (4, "sub_waybill"),
        (5, "quantity"),
        (5, "port"),
    }
    msgs = [e["message"] for e in details]
    assert "第1行“币制”：999 不是币制代码表中的代码。" in msgs and "第4行“分运单号”：与第1行重复。" in msgs
    assert not Declaration.objects.exists()


def test_the_same_sub_waybill_is_not_uploaded_twice_until_returned(x):
    u = _upload(x)
    r = x["api"].post(URL, import_body(subs=("SF0001",)))
    assert_error(r, 400, "rows_invalid", "file")
    assert r.json()["error"]["details"][0]["code"] == "exists"
    first = u["declarations"][0]
    r = x["c_api"].post(f"{URL}/{first['id']}/return", {"version": first["version"], "reason": "品名不清"})
    assert r.status_code == 200
    assert x["api"].post(URL, import_body(subs=("SF0001",))).status_code == 201


def test_head_fields_are_checked(x):
    assert_error(x["api"].post(URL, {**import_body(), "category": "KJ9"}), 400, None, "category")
    assert_error(x["api"].post(URL, {**import_body(), "direction": "X"}), 400, None, "direction")
    assert_error(x["api"].post(URL, {**import_body(), "waybill": "a b"}), 400, "waybill_invalid", "waybill")
    assert_error(x["api"].post(URL, {**export_body(), "declarations": []}), 400, "file_empty", "file")


def test_customs_releases_and_returns_and_the_operator_reads_the_receipts(
    x, django_capture_on_commit_callbacks
):
    u = _upload(x)
    a, b = u["declarations"]
    queue = x["c_api"].get(URL, {"state": "received"}).json()
    assert {i["id"] for i in queue["items"]} == {a["id"], b["id"]}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = x["c_api"].post(f"{URL}/{a['id']}/release", {"version": 1})
        assert r.status_code == 200 and r.json()["state"] == "released"
        assert_error(
            x["c_api"].post(f"{URL}/{b['id']}/return", {"version": 1, "reason": " "}), 400, "reason_required"
        )
        r = x["c_api"].post(f"{URL}/{b['id']}/return", {"version": 1, "reason": "申报价值偏低"})
        assert r.json()["state"] == "returned" and r.json()["reason"] == "申报价值偏低"
    assert [m.to for m in mail.outbox] == [["express@example.com"], ["express@example.com"]]
    assert "放行" in mail.outbox[0].subject and "申报价值偏低" in mail.outbox[1].body
    assert_error(
        x["c_api"].post(f"{URL}/{a['id']}/return", {"version": 1, "reason": "x"}), 409, "already_decided"
    )
    items = x["api"].get("/express/receipts", {"waybill": "999-12345678", "direction": "I"}).json()["items"]
    assert [i["kind"] for i in items][:2] == ["returned", "released"]  # newest first
    assert items[0]["message"] == "退单：申报价值偏低"
    assert set(
        AuditEvent.objects.filter(object_type="express.declaration").values_list("action", flat=True)
    ) == {
        "express.released",
        "express.returned",
    }


def test_customs_sees_only_its_own_guanqu(x):
    u = _upload(x)
    d = u["declarations"][0]
    _bj, bj_api = customs("customs:0100", "hg0100@example.com")
    assert bj_api.get(URL).json()["total"] == 0
    assert_error(bj_api.post(f"{URL}/{d['id']}/release", {"version": 1}), 404, "declaration_not_found")
    sub, sub_api = customs("customs:5304", "hg5304@example.com")  # 蛇口: not 皇岗's
    assert_error(sub_api.post(f"{URL}/{d['id']}/release", {"version": 1}), 404, "declaration_not_found")
    own, own_api = customs("customs:5301", "hg5301@example.com")
    assert own_api.get(URL).json()["total"] == 2
    # an operator card cannot release; a card without the subsystem reads nothing
    assert_error(x["api"].post(f"{URL}/{d['id']}/release", {"version": 1}), 403, "customs_required")
    other, other_api = operator("另一快件公司", "other@example.com")
    assert other_api.get(URL).json()["total"] == 0
    assert_error(other_api.patch(f"{URL}/{d['id']}", {"category": "B"}), 404, "declaration_not_found")


def test_change_category_before_release_only_and_a_stale_release_is_refused(x):
    d = _upload(x)["declarations"][0]
    r = x["api"].patch(f"{URL}/{d['id']}", {"category": "C"})
    assert r.status_code == 200 and r.json()["category"] == "C" and r.json()["version"] == 2
    assert_error(x["api"].patch(f"{URL}/{d['id']}", {"category": "Z"}), 400, "category_invalid", "category")
    assert_error(x["c_api"].post(f"{URL}/{d['id']}/release", {"version": 1}), 409, "stale", "version")
    assert x["c_api"].post(f"{URL}/{d['id']}/release", {"version": 2}).status_code == 200
    assert_error(x["api"].patch(f"{URL}/{d['id']}", {"category": "KJ2"}), 409, "released", "category")
    ev = AuditEvent.objects.get(action="express.category_changed")
    assert ev.before["category"] == "KJ2" and ev.after["category"] == "C"


def test_released_lists_print_and_exports(x):
    u = _upload(x, import_body(subs=("SF0001", "SF0002", "SF0003")))
    a, b, c = u["declarations"]
    x["api"].patch(f"{URL}/{b['id']}", {"category": "A"})
    assert_error(x["api"].get(f"{URL}/{a['id']}/pdf"), 409, "not_released")
    x["c_api"].post(f"{URL}/{a['id']}/release", {"version": 1})
    x["c_api"].post(f"{URL}/{b['id']}/release", {"version": 2})
    kj2 = x["api"].get(URL, {"released": "kj2"}).json()
    other = x["api"].get(URL, {"released": "other"}).json()
    assert [i["id"] for i in kj2["items"]] == [a["id"]] and [i["id"] for i in other["items"]] == [b["id"]]
    assert_error(x["api"].get(URL, {"released": "x"}), 400, "released_invalid", "released")
    r = x["api"].get(f"{URL}/{a['id']}/pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    r = x["api"].get(f"{URL}.xlsx", {"waybill": "999-12345678"})
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.max_row == 4 and ws["A1"].value == "总运单号"
    r = x["api"].get("/express/receipts.xlsx", {"waybill": "999-12345678"})
    assert load_workbook(io.BytesIO(r.content)).active.max_row == 1 + 3 + 2
    assert_error(x["api"].get("/express/receipts"), 400, "waybill_invalid", "waybill")


def _xlsx(rows, manifest=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    if manifest is not None:
        ms = wb.create_sheet("舱单")
        for r in manifest:
            ms.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _post_file(x, content: bytes, name: str, direction="I", manifest: tuple | None = None):
    data = {
        "direction": direction,
        "category": "KJ2",
        "waybill": "999-00000001",
        "file": _named(content, name),
    }
    if manifest:
        data["manifest"] = _named(*manifest)
    return x["api"].client.post(
        "/api/v1/express/declarations/upload", data, headers={"Authorization": f"Bearer {x['api'].token}"}
    )


def _named(content: bytes, name: str):
    fh = io.BytesIO(content)
    fh.name = name
    return fh


def test_the_templates_upload_as_they_are(x):
    r = x["api"].get("/express/templates/I.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["报关数据", "舱单"] and wb["报关数据"]["G2"].value == "5301"
    r = _post_file(x, r.content, "import.xlsx")
    assert r.status_code == 201, r.content
    assert r.json()["manifest_lines"] == 1
    csv_decl = x["api"].get("/express/templates/E.csv").content
    r = _post_file(x, csv_decl, "export.csv", direction="E")
    assert r.status_code == 201, r.content and r.json()["declarations"][0]["currency"] == "502"
    assert x["api"].get("/express/templates/Q.xlsx").status_code == 404


def test_a_csv_import_with_its_manifest_file_and_excel_numbers(x):
    heads = [files.column_label(f) for f in files.DECLARATION_COLUMNS]
    # Excel typed the codes as numbers: 进出口岸 0101 arrives as 101 and is padded back
    body = _xlsx([heads, ["SF01", "王五", "衣服", 1, 20.5, 142, 101, 5, "CA1", "2026-12-01"]])
    manifest = "分运单号,件数,重量(千克),航班号\r\nSF01,1,0.8,CA1\r\n".encode("gbk")
    r = _post_file(x, body, "decl.xlsx", manifest=(manifest, "manifest.csv"))
    assert r.status_code == 201, r.content
    d = r.json()["declarations"][0]
    assert d["port"] == "0101" and d["value"] == "20.50" and d["quantity"] == 1


def test_a_bad_file_is_refused_with_rows_and_columns(x):
    heads = [files.column_label(f) for f in files.DECLARATION_COLUMNS]
    body = _xlsx(
        [heads, ["SF01", "", "衣服", "x", 20, "142", "5301", "5", "CA1", "2026-13-01"]],
        [["分运单号", "件数", "重量(千克)", "航班号"], ["SF01", 1, 1, "CA1"]],
    )
    r = _post_file(x, body, "decl.xlsx")
    assert_error(r, 400, "rows_invalid", "file")
    got = {(d["row"], d["column"]) for d in r.json()["error"]["details"]}
    assert got == {(2, "收/发件人"), (2, "数量"), (2, "日期")}
    assert_error(_post_file(x, b"not a sheet", "decl.pdf"), 400, "file_invalid", "file")
    assert_error(_post_file(x, b"PK\x03\x04broken", "decl.xlsx"), 400, "file_invalid", "file")
    assert not Receipt.objects.exists()


def test_rows_of_the_json_api_are_numbered_from_one(x):
    body = export_body(subs=("EX0001", "EX0002"))
    body["declarations"][1] = row("EX0002", date="2026-02-30")
    r = x["api"].post(URL, body)
    assert r.json()["error"]["details"][0]["message"].startswith("第2行“日期”")
