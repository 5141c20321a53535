"""The upload files of 数据上载 and their templates: an .xlsx (openpyxl) or a .csv (UTF-8, or GBK as Excel in
Chinese saves it) whose first row names the columns. An import's 舱单 is a second file, or the sheet named
舱单 of the declarations' workbook (the import template has it).

Reading only turns cells into text keyed by field, with the spreadsheet's own row numbers; whether a value
is right is services.upload's to say, for the screens and the API alike."""

import csv
import datetime
import io
import zipfile
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook

from eport.errors import InvalidInput

from .codes import Code
from .models import Direction

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024
# A workbook's XML unzipped: openpyxl parses every sheet through once on opening it (for its size), so a
# few MB of zip that unpack to far more would take long before a row is counted. 2,000 rows are ~1 MB.
MAX_UNZIPPED = 32 * 1024 * 1024
MANIFEST_SHEET = "舱单"

# field -> the column heading of the template (other headings a file may use for it follow).
DECLARATION_COLUMNS: dict[str, tuple] = {
    "sub_waybill": (gettext_lazy("分运单号"),),
    "party": (gettext_lazy("收/发件人"), "收件人", "发件人"),
    "goods": (gettext_lazy("货物名称"), "货物", "品名"),
    "quantity": (gettext_lazy("数量"),),
    "value": (gettext_lazy("价值"), "货值"),
    "currency": (gettext_lazy("币制"),),
    "port": (gettext_lazy("进出口岸"), "进出口岸代码"),
    "transport_mode": (gettext_lazy("运输方式"),),
    "flight_no": (gettext_lazy("航班号"), "航班"),
    "date": (gettext_lazy("日期"),),
}
MANIFEST_COLUMNS: dict[str, tuple] = {
    "sub_waybill": (gettext_lazy("分运单号"),),
    "pieces": (gettext_lazy("件数"),),
    "weight": (gettext_lazy("重量(千克)"), "重量", "毛重"),
    "flight_no": (gettext_lazy("航班号"), "航班"),
}
# Cells Excel turns into numbers and so strips of their leading zeros: padded back to their width.
ZERO_PADDED = {"port": 4}

TEMPLATE_ROWS: dict[str, list[list[str]]] = {
    Direction.IMPORT: [
        ["SF1234567890", "张三", "书籍", "2", "150.00", "142", "5301", "5", "CA1234", "2026-12-01"],
    ],
    Direction.EXPORT: [
        ["SF9876543210", "李四", "茶叶", "1", "80.00", "502", "5304", "5", "CZ3001", "2026-12-01"],
    ],
}
TEMPLATE_MANIFEST = [["SF1234567890", "1", "2.500", "CA1234"]]


def column_label(field: str, manifest: bool = False) -> str:
    columns = MANIFEST_COLUMNS if manifest else DECLARATION_COLUMNS
    return str(columns[field][0])


def _unreadable(field: str = "file") -> InvalidInput:
    return InvalidInput(Code.FILE_INVALID, _("无法读取上载文件：只接受 .xlsx 或 .csv 文件。"), field)


def _too_many_rows(field: str = "file") -> InvalidInput:
    return InvalidInput(
        Code.FILE_INVALID, _("一次最多上载%(n)d条报关数据，请分批上载。") % {"n": MAX_ROWS}, field
    )


def cell(value, field: str) -> str:
    """A value as text, as the row forms read it: a file's cell or a JSON value alike."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        text = str(value)
        return text.zfill(ZERO_PADDED[field]) if field in ZERO_PADDED else text
    if isinstance(value, float):
        text = format(Decimal(repr(value)).normalize(), "f")
        return text.zfill(ZERO_PADDED[field]) if field in ZERO_PADDED and text.isdigit() else text
    return str(value).strip()


def _keyed(table: list[list], columns: dict[str, tuple]) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {field: text}) for every non-blank row under the heading row."""
    if not table:
        return []
    names = {str(n).strip(): field for field, heads in columns.items() for n in heads}
    heading = [names.get(str(h).strip() if h is not None else "", "") for h in table[0]]
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        row = {f: "" for f in columns}
        for field, value in zip(heading, cells, strict=False):
            if field:
                row[field] = cell(value, field)
        if any(row.values()):
            rows.append((number, row))
    return rows


def _csv_table(name: str, data: bytes, field: str) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        reader = csv.reader(io.StringIO(text))
        try:
            return list(reader)
        except csv.Error:  # a cell over the csv module's limit (128 KiB), or a broken quote
            raise InvalidInput(
                Code.FILE_INVALID,
                _("无法读取上载文件“%(name)s”：第%(r)d行的格式有误或单元格过长。")
                % {"name": name, "r": reader.line_num},
                field,
            ) from None
    raise _unreadable(field)


def _xlsx_rows(ws, field: str):
    """The rows of a sheet, stopped at the first non-blank one past the heading and MAX_ROWS: a workbook
    of many more rows is refused without being read through."""
    filled = 0
    for values in ws.iter_rows(values_only=True):
        if any(v is not None and str(v).strip() for v in values):
            filled += 1
            if filled > MAX_ROWS + 1:
                raise _too_many_rows(field)
        yield list(values)


def _xlsx_tables(
    name: str, data: bytes, field: str, want_manifest: bool
) -> tuple[list[list], list[list] | None]:
    """(the first sheet other than 舱单, the 舱单 sheet or None); no other sheet's rows are read."""
    try:
        unzipped = sum(
            i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if i.filename.endswith(".xml")
        )
    except Exception:  # not a zip: not a workbook
        raise _unreadable(field) from None
    if unzipped > MAX_UNZIPPED:
        raise InvalidInput(
            Code.FILE_INVALID,
            _(
                "上载文件“%(name)s”的内容过多（解压后超过%(n)d MB）：一次最多上载%(rows)d条报关数据，"
                "请删除多余的行、列或工作表后分批上载。"
            )
            % {"name": name, "n": MAX_UNZIPPED // (1024 * 1024), "rows": MAX_ROWS},
            field,
        )
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise _unreadable(field) from None
    try:
        sheets = wb.worksheets
        main_ws = next((ws for ws in sheets if ws.title.strip() != MANIFEST_SHEET), None)
        manifest_ws = next((ws for ws in sheets if ws.title.strip() == MANIFEST_SHEET), None)
        main = list(_xlsx_rows(main_ws, field)) if main_ws is not None else []
        manifest = None
        if want_manifest and manifest_ws is not None:
            manifest = list(_xlsx_rows(manifest_ws, field))
    except InvalidInput:
        raise
    except Exception:  # a sheet openpyxl cannot parse
        raise _unreadable(field) from None
    finally:
        wb.close()
    return main, manifest


def _tables(name: str, data: bytes, field: str, want_manifest: bool) -> tuple[list[list], list[list] | None]:
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            Code.FILE_INVALID,
            _("上载文件“%(name)s”超过%(n)d MB的上限。") % {"name": name, "n": MAX_BYTES // (1024 * 1024)},
            field,
        )
    lower = (name or "").lower()
    if lower.endswith(".xlsx") or data[:2] == b"PK":
        return _xlsx_tables(name, data, field, want_manifest)
    if lower.endswith(".csv") or lower.endswith(".txt"):
        return _csv_table(name, data, field), None
    raise _unreadable(field)


def read(name: str, data: bytes, manifest_name: str = "", manifest_data: bytes | None = None):
    """(declaration rows, manifest rows or None): each row is (spreadsheet row number, {field: text})."""
    main, sheet = _tables(name, data, "file", want_manifest=not manifest_data)
    rows = _keyed(main, DECLARATION_COLUMNS)
    if manifest_data:
        table, _sheet = _tables(manifest_name, manifest_data, "manifest", want_manifest=False)
        manifest = _keyed(table, MANIFEST_COLUMNS)
    elif sheet is not None:
        manifest = _keyed(sheet, MANIFEST_COLUMNS)
    else:
        manifest = None
    if len(rows) > MAX_ROWS:
        raise _too_many_rows("file")
    if manifest and len(manifest) > MAX_ROWS:
        raise _too_many_rows("manifest" if manifest_data else "file")
    return rows, manifest


def _headings(direction: str) -> list[str]:
    heads = [column_label(f) for f in DECLARATION_COLUMNS]
    heads[1] = str(_("收件人")) if direction == Direction.IMPORT else str(_("发件人"))
    return heads


def template_xlsx(direction: str) -> bytes:
    """The upload template of a direction; the import one has its 舱单 sheet. Cells are text, so codes keep
    their leading zeros."""
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("报关数据"))
    for r in [_headings(direction), *TEMPLATE_ROWS[direction]]:
        ws.append(r)
    for row in ws.iter_rows():
        for c in row:
            c.number_format = "@"
    if direction == Direction.IMPORT:
        ms = wb.create_sheet(MANIFEST_SHEET)
        for r in [[column_label(f, manifest=True) for f in MANIFEST_COLUMNS], *TEMPLATE_MANIFEST]:
            ms.append(r)
        for row in ms.iter_rows():
            for c in row:
                c.number_format = "@"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_csv(direction: str, *, manifest: bool = False) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    if manifest:
        w.writerow([column_label(f, manifest=True) for f in MANIFEST_COLUMNS])
        w.writerows(TEMPLATE_MANIFEST)
    else:
        w.writerow(_headings(direction))
        w.writerows(TEMPLATE_ROWS[direction])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: Excel then reads it as UTF-8
