"""出口收汇 (SPEC §6.5): every state change of a request or a form, one transaction each, audited, the
other party mailed (notify.py). The screens and the API call these and nothing else.

Concurrency: a state change locks its row (SELECT ... FOR UPDATE) and re-reads the state under the lock,
so of two people acting on one form at once (撤销备案 against the customs' 报关, two 口岸备案) one wins and the
other gets a 409 naming the state it found. Numbers come from a locked counter row (Sequence) in the
transaction that uses them: no gaps (a rollback gives them back), no duplicates (the unique index too)."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.audit.services import record
from eport.cards.selectors import subsystem_card
from eport.errors import Conflict, InvalidInput, NotFound

from . import notify
from .codes import Code
from .models import LOSABLE, FormRequest, FormState, ReceiptForm, RequestState, Sequence
from .selectors import (
    BUREAU,
    ENTERPRISE,
    SUBSYSTEM,
    clean_form_no,
    clean_port,
    forex_bureau,
    require_bureau,
    require_customs,
    role,
    visible_forms,
    visible_requests,
)

MAX_COUNT = 9999  # 申请份数 / 发单份数 / 批量备案份数: four digits, as the paper forms were ordered
FORM_SERIAL_MAX = 9_999_999


def next_numbers(name: str, n: int) -> int:
    """Take `n` consecutive numbers of counter `name`; answers the first. Call inside a transaction."""
    Sequence.objects.bulk_create([Sequence(name=name)], ignore_conflicts=True)
    seq = Sequence.objects.select_for_update().get(name=name)
    first = seq.last + 1
    seq.last += n
    seq.save(update_fields=["last"])
    return first


def clean_count(value, field: str = "count", *, label: str = "") -> int:
    label = label or _("份数")
    try:
        n = int(str(value).strip()) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        n = None
    if n is None or n < 1 or n > MAX_COUNT:
        raise InvalidInput(
            Code.COUNT_INVALID, _("%(l)s须为1到%(m)d之间的整数。") % {"l": label, "m": MAX_COUNT}, field
        )
    return n


def _state_conflict(f: ReceiptForm, doing: str) -> Conflict:
    return Conflict(
        Code.STATE_CONFLICT,
        _("核销单 %(f)s 的状态为“%(s)s”，不能%(d)s。")
        % {"f": f.form_no, "s": f.get_state_display(), "d": doing},
        "state",
    )


def _snapshot(f: ReceiptForm) -> dict:
    return {"state": f.state, "port": f.port, "decl_no": f.decl_no}


def _locked(actor, form_no) -> ReceiptForm:
    """The form, scoped to the actor (404 otherwise), then locked by its key. Not locked through the scope
    itself: the customs' scope is the form's port, which a concurrent 撤销备案 clears, and a row that leaves
    the WHERE while waiting for the lock would read as "not found" instead of the 409 of its new state."""
    form_no = clean_form_no(form_no)
    seen = visible_forms(actor).filter(form_no=form_no).values_list("pk", flat=True).first()
    if seen is None:
        raise NotFound(Code.FORM_NOT_FOUND, _("没有这份核销单，或您无权查看。"))
    return (
        ReceiptForm.objects.select_for_update(of=("self",))
        .select_related("enterprise", "bureau", "request")
        .get(pk=seen)
    )


def _audit(actor, f: ReceiptForm, action: str, before: dict, ip) -> None:
    record(actor=actor, action=f"export_receipt.{action}", obj=f, ip=ip, before=before, after=_snapshot(f))


# --- requests ------------------------------------------------------------------------------------------


def request_forms(actor, count, *, ip=None) -> FormRequest:
    """核销单申请: 申请份数 to the 外汇局 of the enterprise's forex filing; a new 申请号."""
    card = subsystem_card(actor, SUBSYSTEM)
    n = clean_count(count, label=_("申请份数"))
    bureau = forex_bureau(card.enterprise)
    if bureau is None:
        raise Conflict(Code.FOREX_FILING_REQUIRED, _("本企业尚未办理企业外汇备案，不能申请核销单。"))
    with transaction.atomic():
        year = timezone.localdate().year
        serial = next_numbers(f"request:{year}", 1)
        r = FormRequest.objects.create(
            request_no=f"{year}{serial:06d}", enterprise=card.enterprise, bureau=bureau, count=n, card=card
        )
        record(
            actor=actor,
            action="export_receipt.requested",
            obj=r,
            ip=ip,
            after={"request_no": r.request_no, "count": n, "bureau": bureau.pk},
        )
        notify.requested(r)
    return r


def issue(actor, request_no, count, *, ip=None) -> list[ReceiptForm]:
    """发单: the bureau issues 0 < n ≤ 申请份数 forms for a request of one of its enterprises, numbered on."""
    require_bureau(actor, _("发单"))
    with transaction.atomic():
        r = (
            visible_requests(actor)
            .select_for_update(of=("self",))
            .filter(request_no=str(request_no or "").strip())
            .first()
        )
        if r is None:
            raise NotFound(Code.REQUEST_NOT_FOUND, _("没有这个申请号，或您无权查看。"))
        n = clean_count(count, label=_("发单份数"))
        if r.state != RequestState.REQUESTED:
            raise Conflict(Code.REQUEST_DONE, _("申请 %(n)s 已发单。") % {"n": r.request_no})
        if n > r.count:
            raise InvalidInput(
                Code.COUNT_TOO_MANY, _("发单份数不能超过申请份数（%(c)d）。") % {"c": r.count}, "count"
            )
        yy = timezone.localdate().year % 100
        first = next_numbers(f"form:{yy:02d}", n)
        if first + n - 1 > FORM_SERIAL_MAX:
            raise Conflict(Code.COUNT_TOO_MANY, _("本年度核销单号已用完。"), "count")
        forms = ReceiptForm.objects.bulk_create(
            [
                ReceiptForm(
                    form_no=f"{yy:02d}{serial:07d}", enterprise=r.enterprise, bureau=r.bureau, request=r
                )
                for serial in range(first, first + n)
            ]
        )
        r.state, r.issued_count, r.issued_at, r.issued_by = RequestState.ISSUED, n, timezone.now(), actor
        r.save(update_fields=["state", "issued_count", "issued_at", "issued_by"])
        record(
            actor=actor,
            action="export_receipt.issued",
            obj=r,
            ip=ip,
            after={"request_no": r.request_no, "count": n, "from": forms[0].form_no, "to": forms[-1].form_no},
        )
        notify.issued(r, forms[0].form_no, forms[-1].form_no)
    return forms


# --- the enterprise's steps on a form ------------------------------------------------------------------


def _file(f: ReceiptForm, port) -> None:
    f.state, f.port, f.filed_at = FormState.FILED, port.code, timezone.now()
    f.save(update_fields=["state", "port", "filed_at", "updated_at"])


def port_filing(actor, form_no, port, *, ip=None) -> ReceiptForm:
    """口岸备案: the port (关区) that alone may use the form. A filed form is 撤销备案 first."""
    subsystem_card(actor, SUBSYSTEM)
    district = clean_port(port)
    with transaction.atomic():
        f = _locked(actor, form_no)
        if f.state == FormState.FILED:
            raise Conflict(
                Code.ALREADY_FILED,
                _("核销单 %(f)s 已备案（口岸 %(p)s），请先撤销备案。") % {"f": f.form_no, "p": f.port},
                "port",
            )
        if f.state != FormState.ISSUED:
            raise _state_conflict(f, _("口岸备案"))
        before = _snapshot(f)
        _file(f, district)
        _audit(actor, f, "port_filed", before, ip)
        notify.port_changed([f], f.port, _("已备案"))
    return f


def batch_candidates(actor, start_no, count) -> list[ReceiptForm]:
    """批量备案's list: the enterprise's forms not yet filed (已发单) from 起始号 on, at most 份数 of them."""
    subsystem_card(actor, SUBSYSTEM)
    start = clean_form_no(start_no, "start_no")
    n = clean_count(count, label=_("核销单份数"))
    qs = visible_forms(actor).filter(state=FormState.ISSUED, form_no__gte=start).order_by("form_no")
    return list(qs[:n])


def batch_port_filing(actor, start_no, count, port, *, form_nos=None, ip=None) -> list[ReceiptForm]:
    """批量备案: the listed forms (or those of them the screen ticked) filed for one port, all or none."""
    subsystem_card(actor, SUBSYSTEM)
    district = clean_port(port)
    listed = [f.form_no for f in batch_candidates(actor, start_no, count)]
    chosen = listed if form_nos is None else [n for n in listed if n in set(form_nos)]
    if form_nos is not None and set(form_nos) - set(listed):
        raise Conflict(Code.NOTHING_TO_FILE, _("所选核销单已不能备案，请重新查询。"), "form_nos")
    if not chosen:
        raise Conflict(Code.NOTHING_TO_FILE, _("没有可备案的核销单，请选择核销单。"), "form_nos")
    with transaction.atomic():
        rows = list(
            visible_forms(actor)
            .select_for_update(of=("self",))
            .filter(form_no__in=chosen)
            .order_by("form_no")
        )
        moved = [f for f in rows if f.state != FormState.ISSUED]
        if moved:
            raise _state_conflict(moved[0], _("口岸备案"))
        for f in rows:
            before = _snapshot(f)
            _file(f, district)
            _audit(actor, f, "port_filed", before, ip)
        notify.port_changed(rows, rows[0].port, _("已备案"))
    return rows


def revoke_filing(actor, form_no, *, ip=None) -> ReceiptForm:
    """撤销备案: only while the form is not used on an export declaration."""
    subsystem_card(actor, SUBSYSTEM)
    with transaction.atomic():
        f = _locked(actor, form_no)
        if f.decl_no and f.state != FormState.LOST:
            raise Conflict(
                Code.USED_ON_DECLARATION,
                _("核销单 %(f)s 已用于出口报关（报关单号 %(d)s），不能撤销备案。")
                % {"f": f.form_no, "d": f.decl_no},
                "state",
            )
        if f.state != FormState.FILED:
            raise _state_conflict(f, _("撤销备案"))
        before = _snapshot(f)
        port = f.port
        f.state, f.port, f.filed_at = FormState.ISSUED, "", None
        f.save(update_fields=["state", "port", "filed_at", "updated_at"])
        _audit(actor, f, "filing_revoked", before, ip)
        notify.port_changed([f], port, _("撤销备案"))
    return f


def hand_in(actor, form_no, *, ip=None) -> ReceiptForm:
    """交单: after the export, the declared form goes to the 外汇局 for 核销."""
    subsystem_card(actor, SUBSYSTEM)
    with transaction.atomic():
        f = _locked(actor, form_no)
        if f.state != FormState.DECLARED:
            raise _state_conflict(f, _("交单"))
        before = _snapshot(f)
        f.state, f.handed_in_at = FormState.HANDED_IN, timezone.now()
        f.save(update_fields=["state", "handed_in_at", "updated_at"])
        _audit(actor, f, "handed_in", before, ip)
        notify.form_changed(f, str(FormState.HANDED_IN.label), to_bureau=True)
    return f


def report_lost(actor, form_no, *, ip=None) -> ReceiptForm:
    """挂失, by the enterprise or its 外汇局, from any state before 已核销; the other party is told."""
    r = role(actor)
    if r != BUREAU:
        subsystem_card(actor, SUBSYSTEM)
    with transaction.atomic():
        f = _locked(actor, form_no)
        if f.state not in LOSABLE:
            raise _state_conflict(f, _("挂失"))
        before = _snapshot(f)
        f.lost_from, f.state, f.lost_at = f.state, FormState.LOST, timezone.now()
        f.save(update_fields=["lost_from", "state", "lost_at", "updated_at"])
        _audit(actor, f, "reported_lost", before, ip)
        notify.form_changed(f, str(FormState.LOST.label), to_bureau=r == ENTERPRISE)
        if f.port and f.lost_from in (FormState.FILED, FormState.DECLARED):
            notify.port_changed([f], f.port, str(FormState.LOST.label))  # the port must not accept it
    return f


# --- the 外汇局 and the customs ---------------------------------------------------------------------------


def write_off(actor, form_no, *, ip=None) -> ReceiptForm:
    """核销: the bureau writes off a handed-in form."""
    require_bureau(actor, _("核销"))
    with transaction.atomic():
        f = _locked(actor, form_no)
        if f.state != FormState.HANDED_IN:
            raise _state_conflict(f, _("核销"))
        before = _snapshot(f)
        f.state, f.written_off_at = FormState.WRITTEN_OFF, timezone.now()
        f.save(update_fields=["state", "written_off_at", "updated_at"])
        _audit(actor, f, "written_off", before, ip)
        notify.form_changed(f, str(FormState.WRITTEN_OFF.label), to_bureau=False)
    return f


def clean_decl_no(value, port: str) -> str:
    text = str(value or "").strip()
    if len(text) != 18 or not text.isascii() or not text.isdigit():
        raise InvalidInput(Code.DECL_NO_INVALID, _("出口报关单号为18位数字。"), "decl_no")
    if text[:4] != port or text[8] != "0":
        raise InvalidInput(
            Code.DECL_NO_INVALID,
            _("出口报关单号应以备案口岸 %(p)s 开头，第9位为出口标志 0。") % {"p": port},
            "decl_no",
        )
    return text


def record_declaration(actor, form_no, decl_no, *, ip=None) -> ReceiptForm:
    """已报关: the customs of the filed port records the export declaration the form was used on; from
    then on 撤销备案 is refused. One form per declaration."""
    require_customs(actor)
    with transaction.atomic():
        f = _locked(actor, form_no)
        if f.state != FormState.FILED:
            raise _state_conflict(f, _("登记出口报关单"))
        number = clean_decl_no(decl_no, f.port)

        def taken() -> Conflict:
            return Conflict(
                Code.STATE_CONFLICT, _("出口报关单 %(d)s 已登记在另一份核销单上。") % {"d": number}, "decl_no"
            )

        if ReceiptForm.objects.filter(decl_no=number).exclude(pk=f.pk).exists():
            raise taken()
        before = _snapshot(f)
        f.state, f.decl_no, f.declared_at = FormState.DECLARED, number, timezone.now()
        try:
            with transaction.atomic():  # the unique index decides a race the check above cannot see
                f.save(update_fields=["state", "decl_no", "declared_at", "updated_at"])
        except IntegrityError:
            raise taken() from None
        _audit(actor, f, "declared", before, ip)
        notify.form_changed(f, str(FormState.DECLARED.label), to_bureau=False)
    return f
