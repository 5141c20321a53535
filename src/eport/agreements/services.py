"""三方协议签约, 入库, 解约 (SPEC §6.1): every state change of an agreement but the customs decision, which
is the engine's (kinds.PaperlessAgreement.apply / track).

签约 is two steps, as every card signature of a document (cards/documents.py):
1. `agreement_prepare(actor, customs)`: the legal card (holding 通关无纸化网上签约) of an enterprise in the
   network, one or more direct customs without a live agreement → the agreement PDF for them, prepared
   for the card's signature; the 关区 stay with the prepared document (DocumentSigning.context).
2. `agreement_sign(actor, sign_id, signature)`: the card's signature checked and embedded
   (`document_complete`, its own transaction: the sign_id is spent whatever follows), then in one
   transaction one Agreement (SENT, 签约已发往海关) and one `paperless_agreement` application per 关区,
   submitted to the customs unit `customs:XX00`. The partial unique index keeps one live agreement per
   (enterprise, 关区): a concurrent 签约 of the same 关区 is refused (409) in a savepoint, never a 500.
   Then the data centre records them (`agreements_receive`, RECEIVED, 海关入库成功): it validates the
   signed PDF with pyHanko against the system root, in a transaction of its own after the signing one.
"""

import hashlib
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.accounts.models import UserKind
from eport.accounts.permissions import acting_enterprise
from eport.applications.models import Application
from eport.applications.services import application_close, application_save
from eport.audit.services import record
from eport.cards.codes import Code as CardCode
from eport.cards.documents import document_complete, document_prepare, signing_context
from eport.cards.models import Card
from eport.cards.proof import CardRefused
from eport.cards.selectors import subsystem_card
from eport.enterprises.services import require_in_network
from eport.errors import Conflict, Forbidden, InvalidInput, NotFound
from eport.pki.documents import Verification, pdf_verify
from eport.refdata.lookup import unit_for
from eport.refdata.models import CustomsDistrict, Dept, Unit

from . import notify, signals
from .codes import Code
from .document import Party, agreement_pdf
from .models import LIVE_STATES, Agreement, AgreementState

SUBSYSTEM = "paperless_signing"
PURPOSE = "paperless_agreement"
KIND = "paperless_agreement"


def signing_card(actor) -> Card:
    """The legal card that may sign and terminate agreements: a legal card holding 通关无纸化网上签约 today,
    usable (cards.selectors.subsystem_card, the rule of every subsystem)."""
    if getattr(actor, "kind", None) != UserKind.LEGAL_CARD:
        raise Forbidden(Code.LEGAL_CARD_REQUIRED, _("只有法人卡可以签订和解除三方协议。"))
    return subsystem_card(actor, SUBSYSTEM)


def direct_customs() -> list[CustomsDistrict]:
    """The 关区 an enterprise may sign for: the direct customs (XX00, not 海关总署) with a customs unit."""
    with_unit = Unit.objects.filter(dept=Dept.CUSTOMS, code__endswith="00", active=True).exclude(code="0000")
    return list(
        CustomsDistrict.objects.filter(code__in=with_unit.values("code"))
        .exclude(code="0000")
        .order_by("code")
    )


def _districts(codes: Iterable[str]) -> list[CustomsDistrict]:
    wanted = sorted({(c or "").strip() for c in codes if (c or "").strip()})
    if not wanted:
        raise InvalidInput(Code.CUSTOMS_REQUIRED, _("请至少选择一个关区。"), "customs")
    known = {d.code: d for d in CustomsDistrict.objects.filter(code__in=wanted)}
    for code in wanted:
        d = known.get(code)
        if d is None or not code.endswith("00") or code == "0000" or unit_for(Dept.CUSTOMS, code) is None:
            raise InvalidInput(
                Code.CUSTOMS_UNKNOWN, _("关区 %(c)s 不是可以签约的直属海关。") % {"c": code}, "customs"
            )
    return [known[c] for c in wanted]


def _exists(agreement: Agreement) -> Conflict:
    return Conflict(
        Code.AGREEMENT_EXISTS,
        _("%(c)s 该关区已签约（状态：%(s)s）。")
        % {"c": agreement.customs, "s": agreement.get_state_display()},
        "customs",
    )


def _require_none_live(enterprise, codes: list[str]) -> None:
    live = (
        Agreement.objects.filter(enterprise=enterprise, customs__in=codes, state__in=LIVE_STATES)
        .order_by("customs")
        .first()
    )
    if live is not None:
        raise _exists(live)


def agreement_prepare(actor, customs: Iterable[str]) -> tuple[str, bytes]:
    """同意—签约: the agreement PDF for the chosen 关区, prepared for the legal card's signature:
    (sign_id, the DER signed attributes the card signs)."""
    card = signing_card(actor)
    enterprise = acting_enterprise(actor, filing=True)
    require_in_network(enterprise, _("企业尚未入网，不能签订三方协议。"))
    districts = _districts(customs)
    codes = [d.code for d in districts]
    _require_none_live(enterprise, codes)
    pdf = agreement_pdf(
        Party(name=enterprise.name, uscc=enterprise.code),
        [(d.code, d.name) for d in districts],
        timezone.localdate(),
        card_no=card.card_no or "",
    )
    with transaction.atomic():
        sign_id, to_sign = document_prepare(
            pdf, card, purpose=PURPOSE, reason=str(_("三方协议签约")), context={"customs": codes}
        )
        record(actor=actor, action="agreement.prepare", obj=enterprise, after={"customs": codes})
    return sign_id, to_sign


def agreement_sign(actor, sign_id: str, signature: str | bytes) -> list[Agreement]:
    """The card's signature over the prepared agreement: the signed PDF, then per 关区 an agreement sent to
    its customs (SENT) and the application customs reviews; then the data centre's receipt (RECEIVED)."""
    card = signing_card(actor)
    enterprise = acting_enterprise(actor, filing=True)
    require_in_network(enterprise, _("企业尚未入网，不能签订三方协议。"))
    context = signing_context(sign_id, card, PURPOSE)
    if context is None:
        # Not an agreement waiting for this card's signature: document_complete refuses it with the exact
        # reason (used, expired, unknown, another card's) and audits the refusal; another purpose's document
        # (a delegation's) is not found for this purpose and stays unspent.
        document_complete(sign_id, signature, card, purpose=PURPOSE)
        raise CardRefused(
            CardCode.SIGN_ID_INVALID, _("没有这份待签名文件，或它不是为这张卡准备的。"), "sign_id"
        )
    codes = list(context.get("customs") or [])
    _require_none_live(enterprise, codes)  # early and cheap; the index decides a race below
    signed = document_complete(sign_id, signature, card, purpose=PURPOSE)  # own transaction: sign_id spent
    with transaction.atomic():
        # The card first, before any audit row (that row holds the audit chain's head to the commit): a
        # concurrent signing by this card waits here, not in a lock cycle with the head (Kind.prelock).
        Card.objects.select_for_update(of=("self",)).filter(pk=card.pk).first()
        # Every row before the first audit row too: an insert may wait on the live index for another
        # transaction, which must never be one waiting for the head this one holds.
        now = timezone.now()
        rows = [_insert(card, enterprise, code, signed, now) for code in codes]
        agreements = [_file(actor, card, enterprise, row) for row in rows]
    agreements_receive([a.pk for a in agreements])
    return list(Agreement.objects.filter(pk__in=[a.pk for a in agreements]).order_by("customs"))


def _insert(card: Card, enterprise, code: str, signed: bytes, now) -> Agreement:
    """The agreement row of one 关区 (SENT), in a savepoint: losing a race on the live index leaves the
    transaction usable, to name the state of the agreement that won (409, never a 500)."""
    try:
        with transaction.atomic():
            return Agreement.objects.create(
                enterprise=enterprise,
                customs=code,
                state=AgreementState.SENT,
                card=card,
                pdf=signed,
                signed_at=now,
            )
    except IntegrityError:
        live = Agreement.objects.filter(enterprise=enterprise, customs=code, state__in=LIVE_STATES).first()
        if live is None:  # not the live index: a bug, not a race
            raise
        raise _exists(live) from None


def _file(actor, card: Card, enterprise, agreement: Agreement) -> Agreement:
    """Audit the signing of one 关区's agreement and file the application its customs reviews."""
    code = agreement.customs
    record(
        actor=actor,
        action="agreement.sign",
        obj=agreement,
        after={"customs": code, "state": agreement.state, "card": card.card_no},
    )
    # A returned agreement's application is still open (RETURNED): signing again ends it.
    for old in Agreement.objects.filter(
        enterprise=enterprise, customs=code, state=AgreementState.RETURNED, application__isnull=False
    ).select_related("application"):
        assert old.application is not None
        application_close(old.application, actor=actor, reason=str(_("已重新签约")))
    district = CustomsDistrict.objects.get(code=code)
    app = application_save(
        actor=actor,
        kind=KIND,
        data={
            "agreement": agreement.pk,
            "customs": code,
            "customs_name": district.name,
            "enterprise_name": enterprise.name,
            "uscc": enterprise.code,
            "card_no": card.card_no,
            "signed_at": timezone.localtime(agreement.signed_at).strftime("%Y-%m-%d %H:%M:%S"),
        },
        submit=True,
    )
    agreement.refresh_from_db()  # the kind linked it to `app` (track), maybe approved it (auto-review)
    assert agreement.application_id == app.pk
    return agreement


def receive(agreement: Agreement, checks: dict[bytes, Verification] | None = None) -> bool:
    """The data centre's receipt of one SENT agreement (locked by the caller): the signed PDF validated
    against the system root, then RECEIVED (海关入库成功) with its time; audited as the system's act. A PDF
    that does not validate stays SENT, the failure audited. True when received."""
    pdf = bytes(agreement.pdf)
    key = hashlib.sha256(pdf).digest()
    checks = {} if checks is None else checks  # the 关区 signed together share one PDF: validated once
    check = checks[key] if key in checks else checks.setdefault(key, pdf_verify(pdf))
    if not check.valid:
        record(
            actor=None,
            action="agreement.receipt_failed",
            obj=agreement,
            after={"customs": agreement.customs, "summary": check.summary},
        )
        return False
    agreement.state, agreement.received_at = AgreementState.RECEIVED, timezone.now()
    agreement.save(update_fields=["state", "received_at"])
    record(
        actor=None,
        action="agreement.receive",
        obj=agreement,
        after={
            "customs": agreement.customs,
            "state": agreement.state,
            "signer": check.signer_serial,
            "signing_time": check.signing_time.isoformat() if check.signing_time else "",
        },
    )
    return True


def agreements_receive(ids: Iterable[int] | None = None) -> int:
    """入库: the data centre records the signed agreements still SENT (these, or all of them: what a crash
    between signing and receipt left), each validated first. One transaction; returns how many."""
    with transaction.atomic():
        # FOR NO KEY UPDATE: a concurrent insert checking the live index against these rows need not wait
        qs = Agreement.objects.select_for_update(no_key=True).filter(state=AgreementState.SENT).order_by("pk")
        if ids is not None:
            qs = qs.filter(pk__in=list(ids))
        checks: dict[bytes, Verification] = {}
        return sum(receive(a, checks) for a in qs)


@transaction.atomic
def agreement_terminate(actor, customs: str) -> Agreement:
    """解约: the live agreement of that 关区 ends (TERMINATED) without review; an application customs has
    not decided yet is closed through the engine and leaves its queue."""
    signing_card(actor)
    enterprise = acting_enterprise(actor, filing=True)
    live = Agreement.objects.filter(
        enterprise=enterprise, customs=(customs or "").strip(), state__in=LIVE_STATES
    ).first()
    # The engine's order (a customs decision locks the application, then the kind's agreement): the
    # application first, then the agreement, whose state is read again once locked.
    if live is not None and live.application_id is not None:
        Application.objects.select_for_update().filter(pk=live.application_id).first()
    agreement = (
        Agreement.objects.select_for_update().filter(pk=live.pk, state__in=LIVE_STATES).first()
        if live
        else None
    )
    if agreement is None:
        raise NotFound(Code.AGREEMENT_NOT_FOUND, _("没有找到该关区的三方协议。"), "customs")
    before = {"state": agreement.state}
    if agreement.application is not None:
        application_close(agreement.application, actor=actor, reason=str(_("企业解约")))
    agreement.state, agreement.terminated_at = AgreementState.TERMINATED, timezone.now()
    agreement.save(update_fields=["state", "terminated_at"])
    # Customs is told (its reviewers' mail); the application it was reviewing, if any, left its queue.
    notify.agreement_terminated(agreement)
    signals.agreement_terminated.send(sender=Agreement, agreement=agreement, actor=actor)
    record(
        actor=actor,
        action="agreement.terminate",
        obj=agreement,
        before=before,
        after={
            "customs": agreement.customs,
            "state": agreement.state,
            "unit": f"customs:{agreement.customs}",
        },
    )
    return agreement
