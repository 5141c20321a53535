"""制卡: making a card (its row, its account, its certificate and initial PIN) and the card file handed out
once with it. The certificate issue is shared with 延期 (actions.py), which reissues for the same key."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.accounts.models import User, UserKind
from eport.applications.models import Application
from eport.applications.models import Status as AppStatus
from eport.audit.services import record
from eport.cards.codes import Code
from eport.enterprises.models import Enterprise
from eport.errors import Conflict, Forbidden, InvalidInput, NotFound
from eport.operators.kinds import CANCELLATION, open_applications
from eport.operators.models import Operator, OperatorStatus
from eport.pki import ca as pki_ca
from eport.pki.models import Certificate
from eport.pki.services import certificate_record

from . import cardfile, notify, pins
from .models import LEGAL_CARD_REQUEST, Card, CardKind, CardState, VoidReason
from .numbers import card_no_make
from .selectors import legal_card_request_for_making, live_card_of

CHINA = ZoneInfo(settings.TIME_ZONE)  # card validity dates are China dates (Asia/Shanghai)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=CHINA)


def _day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=CHINA)


def _subject(card: Card) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, card.enterprise.name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, card.enterprise.code),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, card.kind),
            x509.NameAttribute(NameOID.COMMON_NAME, card.holder_name[:64]),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, card.made_no),
        ]
    )


def issue_certificate(
    card: Card, public_key: CertificatePublicKeyTypes
) -> tuple[x509.Certificate, Certificate]:
    """The card's certificate for its validity (China days), recorded; made and renewed alike."""
    cert = pki_ca.issue_end_entity(
        public_key=public_key,
        subject=_subject(card),
        not_before=_day_start(card.valid_from),
        not_after=_day_end(card.valid_to),
    )
    return cert, certificate_record(cert=cert, subject_key=f"card:{card.card_no}")


def _card_file(card: Card, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate, password: str) -> bytes:
    ca = pki_ca.issuing_ca()
    return cardfile.card_file_seal(card.made_no, key, cert, [ca.certificate, ca.root], password)


def _require_ra(actor: User) -> None:
    if getattr(actor, "kind", None) != UserKind.RA or not actor.unit_id:
        raise Forbidden(Code.RA_ONLY, _("只有数据分中心（操作中心）可以办理。"))


@dataclass
class MadeCard:
    card: Card
    initial_pin: str  # for signing in (the holder changes it at the first sign-in)
    card_file: bytes
    card_file_password: str  # opens card_file; kept nowhere


def card_make(
    *,
    actor: User,
    kind: str,
    enterprise_uscc: str = "",
    operator_no: str | None = None,
    request_id: int | str | None = None,
) -> MadeCard:
    """Make a card for an enterprise in the network (legal card) or one of its approved operators.

    `request_id`: a legal card request of the RA's 待制法人卡 queue; the card is then its enterprise's legal
    card (the USCC comes from it). A legal card fulfils the enterprise's approved request in any case, in
    the same transaction, and its enterprise is told the card is ready.

    The key is generated here and leaves only inside the card file returned once, sealed under its own
    card file password (returned once too, never stored, logged or audited).
    """
    _require_ra(actor)
    request = None
    if request_id not in (None, ""):
        request = legal_card_request_for_making(actor, request_id)
        kind, enterprise_uscc, operator_no = CardKind.LEGAL, request.enterprise.code, None
    if kind not in CardKind.values:
        raise InvalidInput(
            Code.KIND_INVALID, _("卡类型须为 legal（法人卡）或 operator（操作员卡）。"), "kind"
        )
    uscc, operator_no = (enterprise_uscc or "").strip().upper(), (operator_no or "").strip()
    key = ec.generate_private_key(ec.SECP256R1())
    try:
        with transaction.atomic():
            card, cert, initial_pin = _card_make(
                actor=actor,
                kind=kind,
                uscc=uscc,
                operator_no=operator_no,
                public_key=key.public_key(),
                request_id=request.pk if request is not None else None,
            )
    except IntegrityError:
        # A concurrent making for the same enterprise or operator won (the partial unique indexes);
        # anything else is a real error and goes on up.
        usable = Card.objects.exclude(state=CardState.VOIDED)
        if (
            usable.filter(kind=CardKind.LEGAL, enterprise__uscc=uscc).exists()
            if kind == CardKind.LEGAL
            else usable.filter(operator__operator_no=operator_no, operator__enterprise__uscc=uscc).exists()
        ):
            raise Conflict(*_duplicate(kind)) from None
        raise
    # The card file is sealed after the commit: its PBKDF2 rounds need no database lock (on SQLite the
    # write lock of every other request).
    password = cardfile.card_file_password()
    return MadeCard(
        card=card,
        initial_pin=initial_pin,
        card_file=_card_file(card, key, cert, password),
        card_file_password=password,
    )


def _duplicate(kind: str) -> tuple[str, str, str]:
    if kind == CardKind.LEGAL:
        return (
            "legal_card_exists",
            _("该企业已有未作废的法人卡；如需换卡，请先作废原卡或办理补办。"),
            "enterprise_uscc",
        )
    return ("operator_card_exists", _("该操作员已有未作废的操作员卡。"), "operator_no")


def _fulfilled_request(enterprise: Enterprise, request_id: int | None) -> Application | None:
    """The legal card request the new legal card fulfils (locked): the one the RA made it from, else the
    enterprise's oldest approved one still waiting. A request fulfilled meanwhile (a race) is refused."""
    # of=self: PostgreSQL locks no row of an outer join's nullable side (made_card)
    qs = Application.objects.select_for_update(of=("self",)).filter(
        kind=LEGAL_CARD_REQUEST, status=AppStatus.APPROVED, enterprise=enterprise
    )
    if request_id is not None:
        request = qs.filter(pk=request_id).first()
        if request is None or Card.objects.filter(request=request).exists():
            raise Conflict(Code.REQUEST_FULFILLED, _("这条法人卡申请已经制卡。"), "request")
        return request
    return qs.filter(made_card__isnull=True).order_by("decided_at", "id").first()


def _card_make(
    *,
    actor: User,
    kind: str,
    uscc: str,
    operator_no: str,
    public_key: ec.EllipticCurvePublicKey,
    request_id: int | None = None,
) -> tuple[Card, x509.Certificate, str]:
    unit = actor.unit
    assert unit is not None, "card_make let in an RA, who always belongs to a unit (_require_ra)"
    if not uscc:
        raise InvalidInput(Code.FIELD_REQUIRED, _("请输入企业统一社会信用代码。"), "enterprise_uscc")
    # An enterprise first approved by organization code (old system) is found by that code until it has a USCC.
    enterprise = (
        Enterprise.objects.select_for_update(of=("self",))
        .select_related("card_issuer")
        .filter(Q(uscc=uscc) | Q(uscc__isnull=True, org_code=uscc), card_issuer__path__startswith=unit.path)
        .first()
    )
    if enterprise is None:
        raise NotFound(Code.ENTERPRISE_NOT_FOUND, _("本分中心辖区内没有这家企业。"), "enterprise_uscc")
    issuer = enterprise.card_issuer
    assert issuer is not None, "the enterprise was found by its card issuer's path"
    if not enterprise.in_network:
        raise Conflict(Code.ENTERPRISE_NOT_IN_NETWORK, _("企业尚未入网，不能制卡。"), "enterprise_uscc")
    operator = None
    if kind == CardKind.LEGAL:
        if operator_no:
            raise InvalidInput(Code.OPERATOR_NOT_EXPECTED, _("法人卡不填写操作员编号。"), "operator_no")
        if Card.objects.filter(enterprise=enterprise, kind=kind).exclude(state=CardState.VOIDED).exists():
            raise Conflict(*_duplicate(kind))
        holder = (enterprise.legal_rep_name, enterprise.legal_rep_id_type, enterprise.legal_rep_id_no)
    else:
        if not operator_no:
            raise InvalidInput(Code.FIELD_REQUIRED, _("请输入操作员统一编号。"), "operator_no")
        operator = (
            Operator.objects.select_for_update()
            .filter(enterprise=enterprise, operator_no=operator_no)
            .first()
        )
        if operator is None:
            raise NotFound(Code.OPERATOR_NOT_FOUND, _("该企业没有这个操作员。"), "operator_no")
        if operator.status != OperatorStatus.APPROVED:
            raise Conflict(Code.OPERATOR_NOT_APPROVED, _("操作员信息尚未审核通过，不能制卡。"), "operator_no")
        if live_card_of(operator) is not None:
            raise Conflict(*_duplicate(kind))
        if open_applications(operator.saved_no, CANCELLATION).exists():
            raise Conflict(Code.OPERATOR_CANCELLING, _("该操作员正在注销申报中，不能制卡。"), "operator_no")
        holder = (operator.name, operator.id_type, operator.id_no)
    if not holder[0]:
        raise Conflict(Code.HOLDER_MISSING, _("企业法人信息不完整，不能制卡。"), "enterprise_uscc")

    request = _fulfilled_request(enterprise, request_id) if kind == CardKind.LEGAL else None
    today = timezone.localdate()
    card = Card(
        kind=kind,
        enterprise=enterprise,
        operator=operator,
        holder_name=holder[0],
        holder_id_type=holder[1],
        holder_id_no=holder[2],
        issuer=issuer,
        valid_from=today,
        valid_to=today + dt.timedelta(days=settings.CARD_VALIDITY_DAYS),
        made_by=actor,
        request=request,
    )
    card.save()
    card.card_no = card_no_make(kind=kind, issuer_code=issuer.code, serial=card.pk)
    # The card's account: a name registration cannot produce (":" is not allowed there), no password.
    user = User(
        username=f"card:{card.card_no}",
        enterprise=enterprise,
        kind=UserKind.LEGAL_CARD if kind == CardKind.LEGAL else UserKind.OPERATOR_CARD,
    )
    user.set_unusable_password()
    user.save()
    card.user = user
    cert, card.certificate = issue_certificate(card, public_key)
    initial_pin = pins.pin_initial()
    card.pin_hash = pins.pin_verifier(card.card_no, initial_pin)
    card.save(update_fields=["card_no", "user", "certificate", "pin_hash"])
    replaced = []
    if kind == CardKind.LEGAL:  # the legal cards a reissue voided name their replacement (作废原因)
        old = Card.objects.filter(
            enterprise=enterprise,
            kind=CardKind.LEGAL,
            state=CardState.VOIDED,
            void_reason=VoidReason.SUPERSEDED,
            replaced_by__isnull=True,
        ).exclude(pk=card.pk)
        replaced = list(old.values_list("card_no", flat=True))
        if replaced:  # most legal cards replace none: no UPDATE for them
            old.update(replaced_by=card)
    record(
        actor=actor,
        action="card.make",
        obj=card,
        after={
            "card_no": card.card_no,
            "kind": kind,
            "uscc": enterprise.code,
            "holder": card.holder_name,
            "valid_to": card.valid_to,
            "serial": card.certificate.serial,
            **({"request": request.number} if request is not None else {}),
            **({"replaces": replaced} if replaced else {}),
        },
    )
    if request is not None:
        notify.legal_card_ready(request, card)
    else:
        notify.card_changed(card, _("制卡"))
    return card, cert, initial_pin
