"""快件通关 (SPEC §6.6): 数据上载 (every row checked, all or nothing), customs' 放行 / 退单, 修改类别 before
release. Each step is one transaction, audited, the other party mailed (notify.py), and leaves its 回执.
The screens and the API call these and nothing else.

A customs decision names the `version` of the declaration it looked at: a 修改类别 committed in between
makes it 409 (`stale`), and a 修改类别 after the release is 409 (`released`); both lock the row, so a
release and a 修改类别 at once end in one final state and one 409."""

from collections import Counter
from typing import NoReturn

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.audit.services import record
from eport.cards.selectors import subsystem_card
from eport.errors import Conflict, InvalidInput, from_form_errors
from eport.refdata.models import Currency, CustomsDistrict

from . import notify
from .codes import Code
from .files import cell, column_label
from .forms import CategoryForm, DeclarationRowForm, ManifestRowForm, ReturnForm, UploadForm
from .models import Declaration, Direction, ManifestLine, Receipt, State, Upload
from .selectors import SUBSYSTEM, declaration_for, require_customs

Row = tuple[int, dict]


class RowErrors:
    """The refusals of one upload, each naming its sheet, row and column, in file order."""

    def __init__(self):
        self.items: list[dict] = []

    def add(self, row: int, field: str, message, *, manifest: bool = False, code: str = "invalid"):
        column = column_label(field, manifest=manifest)
        where = _("舱单第%(r)d行") if manifest else _("第%(r)d行")
        self.items.append(
            {
                "sheet": "manifest" if manifest else "declarations",
                "row": row,
                "field": field,
                "column": column,
                "code": code,
                "message": f"{where % {'r': row}}“{column}”：{message}",
            }
        )

    def form(self, row: int, form, *, manifest: bool = False):
        """The first problem of each bad field of a row form."""
        for field, errors in form.errors.items():
            err = errors.as_data()[0]
            self.add(row, field, " ".join(err.messages), manifest=manifest, code=err.code or "invalid")

    def refusal(self) -> InvalidInput:
        first = self.items[0]["message"]
        message = _("上载文件有%(n)d处错误，未保存任何数据。%(f)s") % {"n": len(self.items), "f": first}
        return InvalidInput(Code.ROWS_INVALID, message, "file", self.items)


def _head(data: dict) -> dict:
    form = UploadForm(data={k: v for k, v in (data or {}).items() if v is not None})
    if not form.is_valid():
        raise from_form_errors(form)
    return form.cleaned_data


def _manifest(rows: list[Row], errors: RowErrors) -> dict[str, tuple[int, dict]]:
    """The manifest's waybills: 分运单号 -> (row number, cleaned row)."""
    seen: dict[str, tuple[int, dict]] = {}
    for number, raw in rows:
        form = ManifestRowForm(data=raw)
        if not form.is_valid():
            errors.form(number, form, manifest=True)
            continue
        row = form.cleaned_data
        if row["sub_waybill"] in seen:
            errors.add(
                number,
                "sub_waybill",
                _("与第%(r)d行重复。") % {"r": seen[row["sub_waybill"]][0]},
                manifest=True,
                code="duplicate",
            )
            continue
        seen[row["sub_waybill"]] = (number, row)
    return seen


def _declarations(card, head: dict, rows: list[Row], manifest, errors: RowErrors) -> list[tuple[int, dict]]:
    currencies = set(Currency.objects.exclude(legacy_code="").values_list("legacy_code", flat=True))
    ports = set(CustomsDistrict.objects.values_list("code", flat=True))
    live = set(
        Declaration.objects.filter(
            enterprise_id=card.enterprise_id, direction=head["direction"], waybill=head["waybill"]
        )
        .exclude(state=State.RETURNED)
        .values_list("sub_waybill", flat=True)
    )
    out: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        form = DeclarationRowForm(data=raw)
        bad = len(errors.items)
        if not form.is_valid():
            errors.form(number, form)
        row = form.cleaned_data  # the fields that passed: checked against the code lists all the same
        sub = row.get("sub_waybill", "")
        if row.get("currency") and row["currency"] not in currencies:
            errors.add(
                number,
                "currency",
                _("%(c)s 不是币制代码表中的代码。") % {"c": row["currency"]},
                code="unknown",
            )
        if row.get("port") and row["port"] not in ports:
            errors.add(
                number, "port", _("%(c)s 不是关区代码表中的关区。") % {"c": row["port"]}, code="unknown"
            )
        if not sub:
            continue
        if sub in seen:
            errors.add(number, "sub_waybill", _("与第%(r)d行重复。") % {"r": seen[sub]}, code="duplicate")
        elif sub in live:
            errors.add(
                number,
                "sub_waybill",
                _("该分运单已上载过，未退单前不能再次上载。"),
                code="exists",
            )
        if manifest is not None:
            line = manifest.get(sub)
            if line is None:
                errors.add(number, "sub_waybill", _("舱单中没有这个分运单号。"), code="not_in_manifest")
            elif row.get("flight_no") and line[1]["flight_no"] != row["flight_no"]:
                errors.add(
                    number,
                    "flight_no",
                    _("与舱单第%(r)d行的航班号 %(f)s 不一致。") % {"r": line[0], "f": line[1]["flight_no"]},
                    code="manifest_mismatch",
                )
        seen.setdefault(sub, number)
        if len(errors.items) == bad:
            out.append((number, row))
    return out


def _texts(rows: list[Row]) -> list[Row]:
    """Every value as text (a JSON number such as 20261201 or 12345 reads as a file's cell would): the
    forms and the matching of 分运单号 then see one kind of value."""
    return [(n, {k: cell(v, k) for k, v in (raw or {}).items()}) for n, raw in rows]


def upload(actor, head: dict, rows: list[Row], manifest: list[Row] | None, *, file_name: str = "", ip=None):
    """数据上载: `head` (direction, category, waybill) and the rows read off the file (files.read), the
    manifest's for an import. Any bad row refuses the whole upload (400 rows_invalid, details per row)."""
    card = subsystem_card(actor, SUBSYSTEM)
    h = _head(head)
    if h["direction"] == Direction.IMPORT and not manifest:
        raise InvalidInput(
            Code.MANIFEST_REQUIRED, _("进口报关数据须随附舱单（分运单号、件数、重量、航班号）。"), "manifest"
        )
    if h["direction"] == Direction.EXPORT and manifest:
        raise InvalidInput(Code.MANIFEST_NOT_ALLOWED, _("出口报关数据不随附舱单。"), "manifest")
    if not rows:
        raise InvalidInput(Code.FILE_EMPTY, _("上载文件中没有报关数据。"), "file")
    rows = _texts(rows)
    manifest = _texts(manifest) if manifest is not None else None
    errors = RowErrors()
    lines = _manifest(manifest, errors) if manifest is not None else None
    good = _declarations(card, h, rows, lines, errors)
    if lines is not None:
        declared = {r.get("sub_waybill", "").strip().upper() for _n, r in rows}
        for sub, (number, _row) in lines.items():
            if sub not in declared:
                errors.add(
                    number,
                    "sub_waybill",
                    _("报关数据中没有这个分运单号。"),
                    manifest=True,
                    code="not_declared",
                )
    if errors.items:
        raise errors.refusal()
    try:
        with transaction.atomic():
            u = Upload.objects.create(
                enterprise_id=card.enterprise_id,
                card=card,
                direction=h["direction"],
                category=h["category"],
                waybill=h["waybill"],
                file_name=(file_name or "")[:200],
            )
            if lines:
                ManifestLine.objects.bulk_create(
                    ManifestLine(
                        upload=u,
                        sub_waybill=r["sub_waybill"],
                        pieces=r["pieces"],
                        weight=r["weight"],
                        flight_no=r["flight_no"],
                    )
                    for _n, r in lines.values()
                )
            # One INSERT for the file's rows (their ids come back on both databases), not one a row.
            made = Declaration.objects.bulk_create(
                Declaration(
                    upload=u,
                    enterprise_id=card.enterprise_id,
                    direction=h["direction"],
                    category=h["category"],
                    waybill=h["waybill"],
                    **{k: r[k] for k in DeclarationRowForm.base_fields},
                )
                for _n, r in good
            )
            Receipt.objects.bulk_create(
                Receipt(declaration=d, kind=State.RECEIVED, message=str(_("入库成功"))) for d in made
            )
            record(
                actor=actor,
                action="express.uploaded",
                obj=u,
                ip=ip,
                after={
                    "direction": u.direction,
                    "category": u.category,
                    "waybill": u.waybill,
                    "declarations": [d.sub_waybill for d in made],
                    "manifest": len(lines or {}),
                    "file": u.file_name,
                },
            )
            notify.uploaded(u, dict(Counter(d.port for d in made)))
    except IntegrityError:  # the same 分运单 uploaded at the same moment by another card of the enterprise
        raise Conflict(
            Code.ROWS_INVALID, _("该总运单的分运单已由他人同时上载，请查询回执后再试。"), "file"
        ) from None
    return u


def _snapshot(d: Declaration) -> dict:
    return {"state": d.state, "category": d.category, "version": d.version, "reason": d.reason}


def _decide(actor, declaration_id, version, state: str, reason: str, ip) -> Declaration:
    require_customs(actor)
    with transaction.atomic():
        d = declaration_for(actor, declaration_id, lock=True)
        if d.state != State.RECEIVED:
            raise Conflict(
                Code.ALREADY_DECIDED,
                _("该报关单已%(s)s，不能再审核。") % {"s": d.get_state_display()},
            )
        if version != d.version:
            raise Conflict(Code.STALE, _("报关数据已被修改（如修改类别），请刷新后重新审核。"), "version")
        before = _snapshot(d)
        d.state, d.reason = state, reason
        d.decided_at, d.decided_by = timezone.now(), actor
        d.save(update_fields=["state", "reason", "decided_at", "decided_by"])
        message = _("退单：%(r)s") % {"r": reason} if state == State.RETURNED else _("海关已放行")
        Receipt.objects.create(declaration=d, kind=state, message=str(message)[:500])
        record(
            actor=actor,
            action=f"express.{'released' if state == State.RELEASED else 'returned'}",
            obj=d,
            ip=ip,
            before=before,
            after=_snapshot(d),
            reason=reason,
        )
        notify.decided(d)
    return d


def _version(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        raise InvalidInput(Code.STALE, _("缺少报关数据版本，请刷新后重新审核。"), "version")
    return value


def release(actor, declaration_id, version, *, ip=None) -> Declaration:
    """放行 a received declaration of the officer's 关区, as of `version`."""
    return _decide(actor, declaration_id, _version(version), State.RELEASED, "", ip)


def return_(actor, declaration_id, version, reason, *, ip=None) -> Declaration:
    """退单 with a reason (required)."""
    form = ReturnForm(data={"reason": (reason or "").strip()})
    if not form.is_valid():
        if not (reason or "").strip():
            raise InvalidInput(Code.REASON_REQUIRED, _("请填写退单原因。"), "reason")
        raise from_form_errors(form)
    return _decide(actor, declaration_id, _version(version), State.RETURNED, form.cleaned_data["reason"], ip)


def change_category(actor, declaration_id, category, *, ip=None) -> Declaration:
    """报关数据维护 › 修改类别: before the release only (409 after it, or after a 退单)."""
    subsystem_card(actor, SUBSYSTEM)
    form = CategoryForm(data={"category": category or ""})
    if not form.is_valid():
        raise InvalidInput(Code.CATEGORY_INVALID, _("没有这个快件类别。"), "category")
    new = form.cleaned_data["category"]
    with transaction.atomic():
        d = declaration_for(actor, declaration_id, lock=True)
        if d.state == State.RELEASED:
            raise Conflict(Code.RELEASED, _("已放行的报关单不能修改类别。"), "category")
        if d.state == State.RETURNED:
            raise Conflict(
                Code.ALREADY_DECIDED, _("已退单的报关单不能修改类别，请改正后重新上载。"), "category"
            )
        if new == d.category:
            return d
        before = _snapshot(d)
        d.category, d.version = new, d.version + 1
        d.save(update_fields=["category", "version"])
        record(
            actor=actor, action="express.category_changed", obj=d, ip=ip, before=before, after=_snapshot(d)
        )
    return d


def require_file() -> NoReturn:
    """数据上载 without a file: refused naming the field."""
    raise InvalidInput(Code.FILE_EMPTY, _("请选择要上载的报关数据文件（.xlsx 或 .csv）。"), "file")
