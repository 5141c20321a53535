"""代理报关委托 (SPEC §6.2): the consignor's card signs a 委托书 for a broker; the broker's cards accept or
refuse it; either side revokes; it expires by date. Each step one transaction, audited, the other party
told (notify.py). The screens and the API call these and nothing else.

States: SENT (已发送) → ACCEPTED (已接受) | REJECTED (已拒绝); SENT/ACCEPTED → REVOKED (已撤销) by either
side, → EXPIRED (已到期) once valid_to has passed (written by `expire_due`, daily, and by any step that
meets it). One open delegation per (consignor, broker, 关区): the partial unique index decides a race."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.agreements.selectors import has_approved
from eport.audit.services import record
from eport.cards.documents import document_complete, document_prepare, signing_context
from eport.cards.selectors import subsystem_card
from eport.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, from_form_errors
from eport.pdfdoc import text_pdf
from eport.refdata.lookup import name_for

from . import notify
from .codes import Code
from .forms import DelegationForm
from .models import OPEN_STATES, Broker, Delegation, DelegationMode, DelegationState, Direction
from .selectors import SUBSYSTEM, visible
from .terms import TERMS, TERMS_VERSION

PURPOSE = "paperless_delegation"


def _clean(data: dict, *, today=None) -> dict:
    form = DelegationForm(data={k: v for k, v in (data or {}).items() if v is not None}, today=today)
    if not form.is_valid():
        raise from_form_errors(form)
    d = form.cleaned_data
    if not d["accept_terms"]:
        raise InvalidInput(
            Code.TERMS_NOT_ACCEPTED, _("未同意委托报关协议通用条款，不能发起委托。"), "accept_terms"
        )
    return d


def _open_conflict(consignor, broker: Broker, customs: str) -> Conflict | None:
    # One past its date is 已到期 already (the list says so): written now, it blocks nothing.
    expire_due(consignor=consignor, broker=broker, customs=customs)
    live = Delegation.objects.filter(
        consignor=consignor, broker=broker, customs=customs, state__in=OPEN_STATES
    )
    row = live.first()
    if row is None:
        return None
    return Conflict(
        Code.DELEGATION_OPEN,
        _("已有对该报关企业在关区 %(c)s 的委托（状态：%(s)s）。")
        % {"c": customs, "s": row.get_state_display()},
        "broker",
    )


def _checked(card, d: dict) -> Broker:
    """The preconditions of a delegation by `card`'s enterprise with data `d`: the broker it names."""
    consignor = card.enterprise
    if not has_approved(consignor, d["customs"]):
        raise Conflict(
            Code.AGREEMENT_REQUIRED,
            _("本企业在关区 %(c)s 尚未签约通关无纸化三方协议（或海关尚未审批）：请先办理三方协议签约。")
            % {"c": d["customs"]},
            "customs",
        )
    broker = Broker.objects.select_related("enterprise").filter(customs_code=d["broker"]).first()
    if broker is None:
        raise NotFound(
            Code.BROKER_UNKNOWN,
            _("没有海关编码为 %(b)s 的报关企业（须经报关协会审核通过）。") % {"b": d["broker"]},
            "broker",
        )
    if broker.enterprise_id == consignor.pk:
        raise Conflict(Code.SELF_DELEGATION, _("不能委托本企业自己。"), "broker")
    if (conflict := _open_conflict(consignor, broker, d["customs"])) is not None:
        raise conflict
    return broker


def document_rows(consignor, broker: Broker, d: dict, when) -> list[tuple[str, str]]:
    """The particulars of the 委托书, as printed in its PDF and shown on the page the card signs on."""
    return [
        (_("委托方（经营单位）"), f"{consignor.name}（{consignor.uscc or consignor.org_code}）"),
        (_("被委托方（报关企业）"), f"{broker.name}（{_('海关编码')} {broker.customs_code}）"),
        (_("关区"), f"{d['customs']} {name_for('customs', d['customs'])}".strip()),
        (_("进出口"), str(Direction(d["direction"]).label)),
        (_("委托方式"), str(DelegationMode(d["mode"]).label)),
        (_("有效期"), f"{d['valid_from']} — {d['valid_to']}"),
        (_("主要货物"), d["goods"]),
        (_("备注"), d.get("remarks") or "-"),
        (_("通用条款版本"), TERMS_VERSION),
        (_("委托日期"), when.strftime("%Y-%m-%d")),
    ]


def delegation_prepare(actor, data: dict) -> tuple[str, bytes, list[tuple[str, str]]]:
    """发起委托申请: the checked data as a 委托书 PDF prepared for the signed-in card's signature:
    (sign_id, to_sign, the particulars shown while the card signs)."""
    card = subsystem_card(actor, SUBSYSTEM)
    d = _clean(data)
    broker = _checked(card, d)
    rows = document_rows(card.enterprise, broker, d, timezone.localdate())
    pdf = text_pdf(
        str(_("代理报关委托书")),
        rows,
        [str(t) for t in TERMS],
        author=card.enterprise.name,
        subject=PURPOSE,
    )
    context = {
        "broker": broker.customs_code,
        "customs": d["customs"],
        "direction": d["direction"],
        "mode": d["mode"],
        "valid_from": d["valid_from"].isoformat(),
        "valid_to": d["valid_to"].isoformat(),
        "goods": d["goods"],
        "remarks": d.get("remarks") or "",
        "accept_terms": True,
        "prepared_on": timezone.localdate().isoformat(),  # signed after midnight: still what was shown
    }
    sign_id, to_sign = document_prepare(
        pdf, card, purpose=PURPOSE, reason=str(_("代理报关委托")), context=context
    )
    return sign_id, to_sign, rows


def delegation_sign(actor, sign_id: str, signature: str, *, ip: str | None = None) -> Delegation:
    """The card's signature completes the prepared 委托书: the delegation is sent to the broker (已发送)."""
    card = subsystem_card(actor, SUBSYSTEM)
    context = signing_context(sign_id, card, PURPOSE)
    if context is None:
        # document_complete refuses it with the exact reason (used, expired, another card's) and audits it.
        document_complete(sign_id, signature, card, purpose=PURPOSE, ip=ip)
        raise InvalidInput(
            Code.SIGNING_UNKNOWN, _("没有这份待签名的委托书，或已过期，请重新发起委托。"), "sign_id"
        )
    prepared_on = context.pop("prepared_on", None)
    d = _clean(context, today=dt.date.fromisoformat(prepared_on) if prepared_on else None)
    refusal: DomainError | None = None
    with transaction.atomic():
        broker = _checked(card, d)  # again: the agreement, the broker and the open delegations now
        try:
            signed = document_complete(sign_id, signature, card, purpose=PURPOSE, ip=ip)
        except DomainError as e:  # kept: the sign_id spent and the refusal audited (document_complete's rows)
            refusal = e
        else:
            try:
                with transaction.atomic():  # a savepoint: a race lost on the index keeps the signing's audit
                    delegation = Delegation.objects.create(
                        consignor=card.enterprise,
                        broker=broker,
                        customs=d["customs"],
                        direction=d["direction"],
                        mode=d["mode"],
                        valid_from=d["valid_from"],
                        valid_to=d["valid_to"],
                        goods=d["goods"],
                        remarks=d.get("remarks") or "",
                        terms_version=TERMS_VERSION,
                        state=DelegationState.SENT,
                        card=card,
                        pdf=signed,
                        signed_at=timezone.now(),
                    )
            except IntegrityError:
                refusal = Conflict(
                    Code.DELEGATION_OPEN, _("已有对该报关企业在该关区的委托（刚由另一请求发出）。"), "broker"
                )
            else:
                record(
                    actor=actor,
                    action="delegation.sent",
                    obj=delegation,
                    ip=ip,
                    after={
                        "broker": broker.customs_code,
                        "customs": delegation.customs,
                        "direction": delegation.direction,
                        "card": card.card_no,
                        "terms": TERMS_VERSION,
                    },
                )
                notify.delegation_changed(delegation, to="broker")
    if refusal is not None:
        raise refusal
    return delegation


# --- reading ----------------------------------------------------------------------------------------


def _side(actor, delegation: Delegation) -> str | None:
    e = getattr(actor, "enterprise_id", None)
    if e is None:
        return None
    if delegation.consignor_id == e:
        return "consignor"
    if delegation.broker.enterprise_id == e:
        return "broker"
    return None


def delegation_for(actor, delegation_id, *, lock: bool = False) -> Delegation:
    qs = visible(actor).select_related("consignor", "broker", "broker__enterprise", "card")
    if lock:
        qs = qs.select_for_update(of=("self",))
    row = qs.filter(pk=delegation_id).first() if str(delegation_id).isdigit() else None
    if row is None:
        raise NotFound(Code.DELEGATION_NOT_FOUND, _("没有这份委托，或您无权查看。"))
    return row


# --- the broker's decision, revoking, expiry ----------------------------------------------------------


def _expired(row: Delegation, actor, ip) -> bool:
    """Past its valid_to: written as 已到期 now (in the caller's transaction)."""
    if row.state in OPEN_STATES and row.valid_to < timezone.localdate():
        row.state = DelegationState.EXPIRED
        row.save(update_fields=["state"])
        record(
            actor=actor, action="delegation.expired", obj=row, ip=ip, after={"valid_to": str(row.valid_to)}
        )
        return True
    return False


def _decide(actor, delegation_id, *, accept: bool, reason: str = "", ip: str | None = None) -> Delegation:
    reason = (reason or "").strip()
    if not accept and not reason:
        raise InvalidInput(Code.REASON_REQUIRED, _("请填写拒绝原因。"), "reason")
    with transaction.atomic():
        row = delegation_for(actor, delegation_id, lock=True)
        if _side(actor, row) != "broker":
            raise Forbidden(Code.DELEGATION_NOT_PENDING, _("只有被委托的报关企业可以接受或拒绝委托。"))
        if _expired(row, actor, ip):
            expired = row
        else:
            expired = None
            if row.state != DelegationState.SENT:
                raise Conflict(
                    Code.DELEGATION_NOT_PENDING,
                    _("委托当前状态为“%(s)s”，不能接受或拒绝。") % {"s": row.get_state_display()},
                )
            if accept and not has_approved(row.consignor, row.customs):
                raise Conflict(
                    Code.AGREEMENT_REQUIRED,
                    _("委托方在关区 %(c)s 的通关无纸化三方协议已不在审批通过状态，不能接受委托。")
                    % {"c": row.customs},
                )
            row.state = DelegationState.ACCEPTED if accept else DelegationState.REJECTED
            row.decided_at = timezone.now()
            row.decided_by = actor.card
            row.reason = reason
            row.save(update_fields=["state", "decided_at", "decided_by", "reason"])
            record(
                actor=actor,
                action="delegation.accepted" if accept else "delegation.rejected",
                obj=row,
                ip=ip,
                after={"card": actor.card.card_no, "reason": reason},
            )
            notify.delegation_changed(row, to="consignor")
    if expired is not None:  # the expiry is kept; the decision is refused
        raise Conflict(
            Code.DELEGATION_EXPIRED, _("委托已过有效期（%(d)s），不能再接受或拒绝。") % {"d": row.valid_to}
        )
    return row


def delegation_accept(actor, delegation_id, *, ip: str | None = None) -> Delegation:
    return _decide(actor, delegation_id, accept=True, ip=ip)


def delegation_reject(actor, delegation_id, reason: str, *, ip: str | None = None) -> Delegation:
    return _decide(actor, delegation_id, accept=False, reason=reason, ip=ip)


def delegation_revoke(actor, delegation_id, reason: str = "", *, ip: str | None = None) -> Delegation:
    """撤销: either side, while sent or accepted; declarations already made stay as they are."""
    with transaction.atomic():
        row = delegation_for(actor, delegation_id, lock=True)
        side = _side(actor, row)
        if not _expired(row, actor, ip):
            if row.state not in OPEN_STATES:
                raise Conflict(
                    Code.DELEGATION_NOT_OPEN,
                    _("委托当前状态为“%(s)s”，不能撤销。") % {"s": row.get_state_display()},
                )
            row.state = DelegationState.REVOKED
            row.revoked_at = timezone.now()
            row.revoked_by = side or ""
            row.reason = (reason or "").strip()
            row.save(update_fields=["state", "revoked_at", "revoked_by", "reason"])
            record(
                actor=actor,
                action="delegation.revoked",
                obj=row,
                ip=ip,
                after={"by": side, "card": actor.card.card_no, "reason": row.reason},
            )
            notify.delegation_changed(row, to="broker" if side == "consignor" else "consignor")
            return row
    raise Conflict(Code.DELEGATION_EXPIRED, _("委托已过有效期（%(d)s），无需撤销。") % {"d": row.valid_to})


def expire_due(today=None, **among) -> list[Delegation]:
    """已到期: every open delegation whose valid_to has passed (`among`: only those matching these filters),
    written and both sides told (daily; and before a new delegation is checked against the open ones)."""
    today = today or timezone.localdate()
    done = []
    due = Delegation.objects.filter(state__in=OPEN_STATES, valid_to__lt=today, **among)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            row = (
                Delegation.objects.select_for_update(of=("self",))
                .select_related("consignor", "broker", "broker__enterprise")
                .filter(pk=pk, state__in=OPEN_STATES, valid_to__lt=today)
                .first()
            )
            if row is None:
                continue
            row.state = DelegationState.EXPIRED
            row.save(update_fields=["state"])
            record(actor=None, action="delegation.expired", obj=row, after={"valid_to": str(row.valid_to)})
            notify.delegation_changed(row, to="both")
            done.append(row)
    return done
