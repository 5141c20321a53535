"""Excel (.xlsx) export of the lists (operators, cards, applications) with the caller's current filters.

The screens and the API hand over the same scoped, filtered queryset they page through; this module
only decides the columns (one table per list), writes the workbook (openpyxl, write-only mode) and
audits the export (who, which list, the filters, how many rows).

Every cell is text, never a formula: names come from enterprises and operators, and a spreadsheet
program runs `=HYPERLINK(...)` typed as a formula (openpyxl types any "=..." string so). Each value is
written as an inline string; one that starts like a formula (= + - @, tab, CR) also carries Excel's
quotePrefix, so editing the cell in Excel keeps it text.
"""

import io
import re
import zipfile

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

from eport.applications.kinds import all_kinds
from eport.audit.services import record
from eport.errors import Code, InvalidInput
from eport.export_receipts.selectors import holder_name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _dt(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _kind_label(app) -> str:
    kind = all_kinds().get(app.kind)
    return kind.label_of(app) if kind else app.kind


def _filed(card, filing: str) -> str:
    # prefetched by the caller (filings.selectors.enterprise_cards)
    return str(_("已备案")) if any(f.filing == filing for f in card.filings.all()) else ""


# list -> (file name, sheet title, [(header, value of a row)], select_related)
LISTS = {
    "operators": (
        "operators",
        gettext_lazy("企业操作员"),
        [
            (gettext_lazy("操作员统一编号"), lambda o: o.operator_no),
            (gettext_lazy("姓名"), lambda o: o.name),
            (gettext_lazy("证件类型"), lambda o: str(o.get_id_type_display())),
            (gettext_lazy("证件号"), lambda o: o.id_no),
            (gettext_lazy("联系电话"), lambda o: o.phone),
            (gettext_lazy("职务"), lambda o: o.job_title),
            (gettext_lazy("电子邮箱"), lambda o: o.email),
            (gettext_lazy("信息状态"), lambda o: str(o.get_status_display())),
            (gettext_lazy("企业名称"), lambda o: o.enterprise.name),
            (gettext_lazy("更新时间"), lambda o: _dt(o.updated_at)),
        ],
        ("enterprise",),
    ),
    "cards": (
        "cards",
        gettext_lazy("IC卡"),
        [
            (gettext_lazy("IC卡号"), lambda c: c.card_no),
            (gettext_lazy("卡类型"), lambda c: str(c.get_kind_display())),
            (gettext_lazy("企业名称"), lambda c: c.enterprise.name),
            (gettext_lazy("统一社会信用代码"), lambda c: c.enterprise.code),
            (gettext_lazy("持卡人"), lambda c: c.holder_name),
            (gettext_lazy("证件编号"), lambda c: c.holder_id_no),
            (gettext_lazy("操作员统一编号"), lambda c: c.operator.operator_no if c.operator_id else ""),
            (gettext_lazy("卡状态"), lambda c: c.display_state),
            (gettext_lazy("有效期自"), lambda c: c.valid_from.isoformat()),
            (gettext_lazy("有效期至"), lambda c: c.valid_to.isoformat()),
            (gettext_lazy("发卡机构"), lambda c: f"{c.issuer.code} {c.issuer.name}"),
            (
                gettext_lazy("证书状态"),
                lambda c: str(c.certificate.get_status_display()) if c.certificate_id else "",
            ),
        ],
        ("enterprise", "operator", "issuer", "certificate"),
    ),
    "filings": (
        "filings",
        gettext_lazy("IC卡备案与权限"),
        [
            (gettext_lazy("IC卡号"), lambda c: c.card_no),
            (gettext_lazy("卡类型"), lambda c: str(c.get_kind_display())),
            (gettext_lazy("持卡人"), lambda c: c.holder_name),
            (gettext_lazy("卡状态"), lambda c: c.display_state),
            (gettext_lazy("有效期至"), lambda c: c.valid_to.isoformat()),
            (gettext_lazy("海关备案"), lambda c: _filed(c, "customs")),
            (gettext_lazy("外汇备案"), lambda c: _filed(c, "forex")),
            (
                gettext_lazy("子系统权限"),
                lambda c: "、".join(
                    p.subsystem.label for p in sorted(c.permissions.all(), key=lambda p: p.subsystem.sort)
                ),
            ),
        ],
        ("certificate",),
    ),
    "brokers": (
        "brokers",
        gettext_lazy("报关企业"),
        [
            (gettext_lazy("组织机构代码"), lambda b: b.org_code),
            (gettext_lazy("海关编码"), lambda b: b.customs_code),
            (gettext_lazy("企业名称"), lambda b: b.name),
            (gettext_lazy("直属海关"), lambda b: b.direct_customs),
            (gettext_lazy("注册时间"), lambda b: _dt(b.approved_at)),
        ],
        (),
    ),
    "delegations": (
        "delegations",
        gettext_lazy("代理报关委托"),
        [
            (gettext_lazy("委托编号"), lambda d: str(d.pk)),
            (gettext_lazy("委托方"), lambda d: d.consignor.name),
            (gettext_lazy("报关企业"), lambda d: d.broker.name),
            (gettext_lazy("海关编码"), lambda d: d.broker.customs_code),
            (gettext_lazy("关区"), lambda d: d.customs),
            (gettext_lazy("进出口"), lambda d: str(d.get_direction_display())),
            (gettext_lazy("委托方式"), lambda d: str(d.get_mode_display())),
            (gettext_lazy("有效期自"), lambda d: d.valid_from.isoformat()),
            (gettext_lazy("有效期至"), lambda d: d.valid_to.isoformat()),
            (gettext_lazy("主要货物"), lambda d: d.goods),
            (gettext_lazy("状态"), lambda d: str(d.display_state)),
            (gettext_lazy("委托时间"), lambda d: _dt(d.signed_at)),
            (gettext_lazy("接受/拒绝时间"), lambda d: _dt(d.decided_at)),
            (gettext_lazy("撤销时间"), lambda d: _dt(d.revoked_at)),
            (gettext_lazy("原因"), lambda d: d.reason),
        ],
        ("consignor", "broker"),
    ),
    "processing_grants": (
        "processing-grants",
        gettext_lazy("加贸权限"),
        [
            (gettext_lazy("授权类型"), lambda g: str(g.get_book_type_display())),
            (gettext_lazy("授权企业"), lambda g: g.grantor.name),
            (gettext_lazy("企业编码"), lambda g: g.grantee_customs_code),
            (gettext_lazy("名称"), lambda g: g.grantee_name),
            (gettext_lazy("类别"), lambda g: g.category),
            (gettext_lazy("企业内部编号"), lambda g: g.internal_no),
            (gettext_lazy("权限代码"), lambda g: g.rights),
            (gettext_lazy("权限"), lambda g: g.rights_display),
            (gettext_lazy("授权时间"), lambda g: _dt(g.created_at)),
            (gettext_lazy("修改时间"), lambda g: _dt(g.updated_at)),
        ],
        ("grantor",),
    ),
    "express_declarations": (
        "express-declarations",
        gettext_lazy("快件报关单"),
        [
            (gettext_lazy("总运单号"), lambda d: d.waybill),
            (gettext_lazy("分运单号"), lambda d: d.sub_waybill),
            (gettext_lazy("进出口"), lambda d: str(d.get_direction_display())),
            (gettext_lazy("类别"), lambda d: d.category),
            (gettext_lazy("经营单位"), lambda d: d.enterprise.name),
            (gettext_lazy("收/发件人"), lambda d: d.party),
            (gettext_lazy("货物名称"), lambda d: d.goods),
            (gettext_lazy("数量"), lambda d: str(d.quantity)),
            (gettext_lazy("价值"), lambda d: f"{d.value:.2f}"),
            (gettext_lazy("币制"), lambda d: d.currency),
            (gettext_lazy("进出口岸"), lambda d: d.port),
            (gettext_lazy("运输方式"), lambda d: d.transport_mode),
            (gettext_lazy("航班号"), lambda d: d.flight_no),
            (gettext_lazy("日期"), lambda d: d.date.isoformat()),
            (gettext_lazy("状态"), lambda d: str(d.get_state_display())),
            (gettext_lazy("退单原因"), lambda d: d.reason),
            (gettext_lazy("入库时间"), lambda d: _dt(d.received_at)),
            (gettext_lazy("审核时间"), lambda d: _dt(d.decided_at)),
        ],
        ("enterprise",),
    ),
    "express_receipts": (
        "express-receipts",
        gettext_lazy("快件回执"),
        [
            (gettext_lazy("总运单号"), lambda r: r.declaration.waybill),
            (gettext_lazy("分运单号"), lambda r: r.declaration.sub_waybill),
            (gettext_lazy("进出口"), lambda r: str(r.declaration.get_direction_display())),
            (gettext_lazy("回执类型"), lambda r: str(r.get_kind_display())),
            (gettext_lazy("回执内容"), lambda r: r.message),
            (gettext_lazy("回执时间"), lambda r: _dt(r.at)),
        ],
        ("declaration",),
    ),
    "export_receipts": (
        "export-receipts",
        gettext_lazy("出口收汇核销单"),
        [
            (gettext_lazy("核销单号"), lambda f: f.form_no),
            (gettext_lazy("企业名称"), lambda f: holder_name(f.enterprise)),
            (gettext_lazy("申请号"), lambda f: f.request.request_no),
            (gettext_lazy("状态"), lambda f: str(f.get_state_display())),
            (gettext_lazy("使用口岸"), lambda f: f.port),
            (gettext_lazy("出口报关单号"), lambda f: f.decl_no),
            (gettext_lazy("外汇局"), lambda f: f.bureau.name),
            (gettext_lazy("发单时间"), lambda f: _dt(f.issued_at)),
            (gettext_lazy("备案时间"), lambda f: _dt(f.filed_at)),
            (gettext_lazy("报关时间"), lambda f: _dt(f.declared_at)),
            (gettext_lazy("交单时间"), lambda f: _dt(f.handed_in_at)),
            (gettext_lazy("核销时间"), lambda f: _dt(f.written_off_at)),
            (gettext_lazy("挂失时间"), lambda f: _dt(f.lost_at)),
        ],
        ("enterprise", "request", "bureau"),
    ),
    "export_receipt_requests": (
        "export-receipt-requests",
        gettext_lazy("核销单申请"),
        [
            (gettext_lazy("申请号"), lambda r: r.request_no),
            (gettext_lazy("企业名称"), lambda r: holder_name(r.enterprise)),
            (gettext_lazy("外汇局"), lambda r: r.bureau.name),
            (gettext_lazy("申请份数"), lambda r: str(r.count)),
            (gettext_lazy("发单份数"), lambda r: str(r.issued_count)),
            (gettext_lazy("状态"), lambda r: str(r.get_state_display())),
            (gettext_lazy("申请时间"), lambda r: _dt(r.created_at)),
            (gettext_lazy("发单时间"), lambda r: _dt(r.issued_at)),
        ],
        ("enterprise", "bureau"),
    ),
    "agreements": (
        "agreements",
        gettext_lazy("三方协议"),
        [
            (gettext_lazy("关区代码"), lambda a: a.customs),
            (gettext_lazy("关区名称"), lambda a: getattr(a, "customs_name", "") or ""),
            (gettext_lazy("状态"), lambda a: str(a.get_state_display())),
            (gettext_lazy("签约时间"), lambda a: _dt(a.signed_at)),
            (gettext_lazy("入库时间"), lambda a: _dt(a.received_at)),
            (gettext_lazy("审批时间"), lambda a: _dt(a.decided_at)),
            (gettext_lazy("解约时间"), lambda a: _dt(a.terminated_at)),
            (gettext_lazy("审批意见"), lambda a: a.opinion),
            (gettext_lazy("签约法人卡"), lambda a: a.card.card_no),
        ],
        ("card",),
    ),
    "declarations": (
        "declarations",
        gettext_lazy("报关单电子随附单据"),
        [
            (gettext_lazy("报关单号"), lambda d: d.decl_no),
            (gettext_lazy("经营单位"), lambda d: d.consignor.name),
            (gettext_lazy("申报单位"), lambda d: d.declarant.name),
            (gettext_lazy("关区"), lambda d: d.customs),
            (gettext_lazy("进出口"), lambda d: str(d.get_direction_display())),
            (gettext_lazy("状态"), lambda d: str(d.get_state_display())),
            (gettext_lazy("录入时间"), lambda d: _dt(d.created_at)),
            (gettext_lazy("申报时间"), lambda d: _dt(d.declared_at)),
        ],
        ("consignor", "declarant"),
    ),
    "reuploads": (
        "reupload-requests",
        gettext_lazy("重传指令"),
        [
            (gettext_lazy("报关单号"), lambda r: r.dossier.decl_no),
            (gettext_lazy("申报单位"), lambda r: r.dossier.declarant.name),
            (gettext_lazy("关区"), lambda r: r.dossier.customs),
            (gettext_lazy("单据类型"), lambda r: str(r.get_doc_type_display())),
            (gettext_lazy("重传原因"), lambda r: r.reason),
            (gettext_lazy("指令时间"), lambda r: _dt(r.requested_at)),
            (gettext_lazy("重传时间"), lambda r: _dt(r.satisfied_at)),
        ],
        ("dossier", "dossier__declarant"),
    ),
    "applications": (
        "applications",
        gettext_lazy("业务办理"),
        [
            (gettext_lazy("申请编号"), lambda a: a.number),
            (gettext_lazy("业务类型"), _kind_label),
            (gettext_lazy("企业名称"), lambda a: a.enterprise.name),
            (gettext_lazy("信息状态"), lambda a: str(a.get_status_display())),
            (gettext_lazy("提交日期"), lambda a: _dt(a.submitted_at)),
            (gettext_lazy("审核日期"), lambda a: _dt(a.decided_at)),
        ],
        ("enterprise",),
    ),
}


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The code points outside XML 1.0's Char besides openpyxl's ILLEGAL_CHARACTERS_RE (the C0 controls).
NONCHARACTERS_RE = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
SHEET = "xl/worksheets/sheet1.xml"


def _text(ws, value):
    """One value as a string cell, whatever it looks like (a formula, an error code such as #N/A)."""
    if value is None or value == "":
        return None
    # Control characters XML cannot carry are written as Excel's own escape (_x000B_), which Excel shows
    # as the character, rather than failing the export; what is no character at all (U+FFFE, U+FFFF, a
    # lone surrogate: XML 1.0 allows none, and Excel's escape would only bring it back) is dropped. The
    # formula check below sees the cleaned text.
    text = ILLEGAL_CHARACTERS_RE.sub(
        lambda m: f"_x{ord(m.group()):04X}_", NONCHARACTERS_RE.sub("", str(value))
    )
    if not text:
        return None
    if not text.startswith(FORMULA_START) and text not in ERROR_CODES:
        return text  # openpyxl writes it as a string already (and reuses one cell: quicker)
    cell = WriteOnlyCell(ws, text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _keep_carriage_returns(data: bytes) -> bytes:
    """XML reads a raw CR in text as LF; as a character reference (&#13;) it stays a CR, so a value
    reads back exactly. openpyxl writes it raw, and only text can hold one, so the sheet is patched."""
    src = zipfile.ZipFile(io.BytesIO(data))
    if b"\r" not in src.read(SHEET):
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info, body.replace(b"\r", b"&#13;") if info.filename == SHEET else body)
    return out.getvalue()


def write_workbook(out, list_name: str, qs) -> int:
    """The list as one worksheet into the binary file `out` (streamed: write-only, in chunks); its rows."""
    _filename, title, columns, related = LISTS[list_name]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(title)[:31])
    ws.append([_text(ws, h) for h, _fn in columns])
    rows = 0
    for row in qs.select_related(*related).iterator(chunk_size=2000):
        ws.append([_text(ws, fn(row)) for _h, fn in columns])
        rows += 1
    wb.save(out)
    return rows


def keep_carriage_returns_file(src_path, dst) -> None:
    """_keep_carriage_returns from file to file, the sheet streamed (a CR is one byte: chunks may split
    anywhere)."""
    with zipfile.ZipFile(src_path) as src, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            with src.open(info) as r, out.open(info.filename, "w") as w:
                while chunk := r.read(1 << 20):
                    w.write(chunk.replace(b"\r", b"&#13;") if info.filename == SHEET else chunk)


def file_name(list_name: str, at=None) -> str:
    stamp = timezone.localtime(at or timezone.now()).strftime("%Y%m%d-%H%M")
    return f"{LISTS[list_name][0]}-{stamp}.xlsx"


def audit_export(actor, list_name: str, filters: dict, rows: int, **extra) -> None:
    record(
        actor=actor,
        action="export",
        object_type="export",
        object_id=list_name,
        after={"list": list_name, "filters": {k: v for k, v in filters.items() if v}, "rows": rows, **extra},
    )  # the client address: the request's, if any (audit.record)


def xlsx_response(request, list_name: str, qs, filters: dict) -> HttpResponse:
    """The whole filtered list as one worksheet; refused when longer than EXPORT_MAX_ROWS. A list longer
    than EXPORT_INLINE_ROWS whose query the worker can run again (jobs.BUILDERS) becomes an export job:
    the screens go to 我的导出, the API answers 202 with the job.

    The actor is the API's `request.auth` or the screens' `request.user`; `filters` are the query the
    list was asked with (recorded in the audit with the number of rows).
    """
    from eport.exports import jobs

    limit = settings.EXPORT_MAX_ROWS
    count = qs.count()
    if count > limit:
        raise InvalidInput(
            Code.EXPORT_TOO_LARGE, _("导出的记录超过%(n)d条，请缩小查询条件后再导出。") % {"n": limit}
        )
    actor = getattr(request, "auth", None) or request.user
    if count > settings.EXPORT_INLINE_ROWS and list_name in jobs.BUILDERS:
        return jobs.queued_response(request, jobs.request_export(actor, list_name, filters, count))
    buf = io.BytesIO()
    rows = write_workbook(buf, list_name, qs)
    audit_export(actor, list_name, filters, rows)
    response = HttpResponse(_keep_carriage_returns(buf.getvalue()), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{file_name(list_name)}"'
    return response
