"""Test data: accounts, units, valid 三证合一 data, applications in any state."""

import itertools

from eport.accounts.models import User, UserKind
from eport.applications import services
from eport.enterprises.models import Enterprise
from eport.refdata.models import Unit
from eport.validators import make_uscc

PASSWORD = "Eport#Pass2026"
_seq = itertools.count(1)

# The demo registry rows (src/eport/registry/data/demo_registry.csv)
USCC_SZ = "91440300MA5DDEM15K"  # 正常, 深圳
USCC_INSTITUTION = "1244030045576DEM0X"  # 事业单位
USCC_COOP = "N2440300MA5DDEM58G"  # 农业合作社 (registration authority N)
USCC_CANCELLED = "91440300MA5DDEM66U"
USCC_REVOKED = "91440300MA5DDEM74N"


def new_uscc() -> str:
    n = next(_seq)
    return make_uscc("91", "440300", f"T{n:07d}")


def cardless(
    uscc: str | None = None,
    name: str = "测试企业有限公司",
    username: str | None = None,
    verified: bool = True,
    email: str = "",
) -> User:
    """A card-less account as made by a command (e-mail confirmed), proven for its enterprise unless
    `verified=False` (then it names the established enterprise of that USCC and waits, SPEC §8)."""
    from django.utils import timezone

    uscc = uscc or new_uscc()
    enterprise, _ = Enterprise.objects.get_or_create(uscc=uscc, candidate=False, defaults={"name": name})
    now = timezone.now()
    user = User(
        username=username or f"ent{next(_seq)}",
        kind=UserKind.CARDLESS,
        enterprise=enterprise,
        email=email,
        contact_name="联系人",  # registration asks for them (the legal card request's contact defaults to them)
        phone="13800138000",
        email_confirmed_at=now,
        verified_at=now if verified else None,
        verified_by="legal_card" if verified else "",
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def staff(kind: str, unit_id: str | None, username: str | None = None, **extra) -> User:
    user = User(
        username=username or f"{kind}{next(_seq)}",
        kind=kind,
        unit=Unit.objects.get(pk=unit_id) if unit_id else None,
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def entry_data(uscc: str, **over) -> dict:
    data = {
        "uscc": uscc,
        "name": "深圳测试贸易有限公司",
        "legal_rep_name": "张三",
        "legal_rep_id_type": "resident_id",
        "legal_rep_id_no": "11010519491231002X",
        "legal_person_type": "enterprise",
        "enterprise_type": "6",
        "registered_capital": "500",
        "capital_unit": "wan_yuan",
        "address": "深圳市南山区科技园1号",
        "phone": "0755-86001234",
        "aic_unit": "440300",
        "tax_unit": "14403000000",
        "quality_unit": "440300",
        "issuing_authority_name": "深圳市市场监督管理局",
        "customs_code": "5300",
    }
    data.update(over)
    return data


def draft_entry(user: User, *, documents: bool = True, **over):
    """A saved entry, with the documents its 申报 requires uploaded (unless `documents=False`): ready to submit."""
    app = services.application_create(
        actor=user, kind="enterprise_entry", data=entry_data(user.enterprise.uscc, **over)
    )
    return attach_required(user, app) if documents else app


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def attach(user: User, app, *doc_types: str):
    """Upload a small valid PDF per document type to the application, as its filer."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    for doc_type in doc_types:
        services.attachment_add(
            actor=user,
            application_id=app.id,
            doc_type=doc_type,
            upload=SimpleUploadedFile(f"{doc_type}.pdf", PDF, content_type="application/pdf"),
        )
    return app


def attach_required(user: User, app):
    """Upload what 申报 requires of the application (its kind's required documents, for its data) that it
    has not got yet: what every test submitting an application it does not test the documents of uses."""
    from eport.applications.kinds import get_kind

    return attach(user, app, *get_kind(app.kind).missing_doc_types(app))


REISSUE_DOCUMENTS = ("business_license", "legal_rep_id")


def submitted_entry(user: User, **over):
    app = draft_entry(user, **over)
    return services.application_submit(actor=user, application_id=app.id)


# Reviewers of the units a Shenzhen entry is routed to, and some above them.
def reviewers() -> dict[str, User]:
    return {
        "aic": staff(UserKind.REVIEWER, "aic:440300"),
        "tax": staff(UserKind.REVIEWER, "tax:14403000000"),
        "quality": staff(UserKind.REVIEWER, "quality:440300"),
        "ra": staff(UserKind.RA, "ra:5300"),
        "aic_province": staff(UserKind.REVIEWER, "aic:440000"),
        "aic_beijing": staff(UserKind.REVIEWER, "aic:110000"),
    }


# --- enterprises in the network, operators, cards ------------------------------------------------


def enterprise_in_network(uscc: str | None = None, name: str = "深圳测试贸易有限公司", customs: str = "5300"):
    """An enterprise whose 三证合一 entry was approved: it may get cards from its sub-centre."""
    from eport.enterprises.choices import NetworkStatus
    from eport.refdata.lookup import ra_unit_for_customs

    uscc = uscc or new_uscc()
    e, _ = Enterprise.objects.get_or_create(uscc=uscc, defaults={"name": name})
    e.name, e.legal_rep_name, e.legal_rep_id_type, e.legal_rep_id_no = (
        name,
        "张三",
        "resident_id",
        "11010519491231002X",
    )
    e.customs_code, e.card_issuer, e.network_status = (
        customs,
        ra_unit_for_customs(customs),
        NetworkStatus.IN_NETWORK,
    )
    e.save()
    return e


def resident_id(n: int | None = None) -> str:
    """A valid 居民身份证号码 (GB 11643 check digit), a different one each call."""
    import datetime

    from stdnum.cn import ric

    n = n if n is not None else next(_seq)
    born = datetime.date(1990, 1, 1) + datetime.timedelta(days=n // 1000)
    body = f"440305{born:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # it takes the number with a check-digit slot


def operator(enterprise, name: str = "李四", id_no: str | None = None, approved: bool = True):
    from eport.operators.models import Operator, OperatorStatus

    return Operator.objects.create(
        enterprise=enterprise,
        name=name,
        id_no=id_no or resident_id(),
        phone="13800138000",
        status=OperatorStatus.APPROVED if approved else OperatorStatus.DRAFT,
    )


def ra_officer(unit_id: str = "ra:5300") -> User:
    return staff(UserKind.RA, unit_id)


def make_card(kind: str = "legal", enterprise=None, ra: User | None = None, operator_no: str | None = None):
    """A card made by the RA: making.MadeCard (card, initial_pin, card_file, card_file_password)."""
    from eport.cards.making import card_make

    enterprise = enterprise or enterprise_in_network()
    if kind == "operator" and operator_no is None:
        operator_no = operator(enterprise).operator_no
    return card_make(
        actor=ra or ra_officer(), kind=kind, enterprise_uscc=enterprise.code, operator_no=operator_no
    )


def card_key(made):
    """The card's private key, read from its card file with the card file password (as the card agent does)."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, _cert, _chain = pkcs12.load_key_and_certificates(made.card_file, made.card_file_password.encode())
    return key


def sign_nonce(key, nonce_b64: str) -> str:
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    return base64.b64encode(key.sign(base64.b64decode(nonce_b64), ec.ECDSA(hashes.SHA256()))).decode()


def card_proof(made, key=None, purpose: str = "login") -> dict:
    """A fresh challenge for the card, answered with its key: {"challenge_id", "signature"}."""
    from eport.cards.challenges import challenge_issue

    c = challenge_issue(made.card.card_no, purpose)
    return {"challenge_id": c["challenge_id"], "signature": sign_nonce(key or card_key(made), c["nonce"])}


def renewal(made, key=None) -> dict:
    """Bring the card into its renewal window (the last weeks of its validity) and present it for 延期."""
    import datetime

    from django.utils import timezone

    from eport.cards.models import Card

    made.card.valid_to = timezone.localdate() + datetime.timedelta(days=30)
    Card.objects.filter(pk=made.card.pk).update(valid_to=made.card.valid_to)
    return card_proof(made, key, purpose="renew")


def pin_changed(made):
    """A made card past its first sign-in (its initial PIN changed): what every test of a card's business
    starts from."""
    from eport.cards.models import Card

    Card.objects.filter(pk=made.card.pk).update(must_change_pin=False)
    made.card.must_change_pin = False
    return made


def legal_card(enterprise=None, ra: User | None = None):
    """A legal card past its first sign-in, of the enterprise (a new one in the network by default)."""
    return pin_changed(make_card("legal", enterprise or enterprise_in_network(), ra=ra))


def operator_card(enterprise, ra: User | None = None, name: str = "李四"):
    """An operator card past its first sign-in, for a new approved operator of the enterprise."""
    op = operator(enterprise, name=name)
    return pin_changed(make_card("operator", enterprise, ra=ra, operator_no=op.operator_no))


def op_data(**over) -> dict:
    """operator_declaration data (API.md field names), a fresh valid 居民身份证号码 each call."""
    data = {
        "name": "王五",
        "id_type": "resident_id",
        "id_no": resident_id(),
        "phone": "13912345678",
        "job_title": "报关员",
        "email": "wangwu@example.com",
    }
    data.update(over)
    return data


def enterprise_filed(enterprise, filing: str, unit_id: str):
    """An enterprise filing (commerce / customs / forex) an earlier approved application left behind."""
    from eport.filings.models import EnterpriseFiling

    return EnterpriseFiling.objects.create(
        enterprise=enterprise, filing=filing, unit=Unit.objects.get(pk=unit_id)
    )


def as_user(client, user):
    """The test client signed in as the user (a screen session)."""
    client.force_login(user)
    return client


# --- 通关无纸化: agreements, brokers, delegations, the 随附单据 permission ------------------------------------


def agreement_approved(enterprise, customs: str = "5300", card=None):
    """An approved 三方协议 of the enterprise for the 关区 of `customs` (its direct customs), as the
    agreements app leaves it after customs approved it (the PDF is a stand-in, not a signed one)."""
    from django.utils import timezone

    from eport.agreements.models import Agreement, AgreementState
    from eport.cards.models import Card
    from tests.sample_pdf import sample_pdf

    existing = Agreement.objects.filter(
        enterprise=enterprise, customs=customs[:2] + "00", state=AgreementState.APPROVED
    ).first()
    if existing is not None:  # one live agreement per 关区: asked twice, the same one
        return existing
    card = card or Card.objects.filter(enterprise=enterprise, kind="legal").first()
    card = card or legal_card(enterprise).card
    now = timezone.now()
    return Agreement.objects.create(
        enterprise=enterprise,
        customs=customs[:2] + "00",
        state=AgreementState.APPROVED,
        card=card,
        pdf=sample_pdf("agreement"),
        signed_at=now,
        received_at=now,
        decided_at=now,
    )


def broker(enterprise, customs: str = "5300"):
    """An approved 报关企业 record of the enterprise (as broker_registration's approval writes it)."""
    from django.utils import timezone

    from eport.delegations.models import Broker

    direct = customs[:2] + "00"
    return Broker.objects.get_or_create(
        enterprise=enterprise,
        defaults={
            "org_code": (enterprise.uscc or "X" * 17)[8:17],
            "customs_code": f"{direct}98{next(_seq) % 10000:04d}",
            "name": enterprise.name,
            "direct_customs": direct,
            "unit": Unit.objects.get(pk=f"assoc:{direct}"),
            "approved_at": timezone.now(),
        },
    )[0]


def delegation(
    consignor,
    broker_enterprise,
    customs: str = "5300",
    direction: str = "I",
    state: str = "ACCEPTED",
    valid_from=None,
    valid_to=None,
    card=None,
):
    """A 代理报关委托 of the consignor to the broker for the 关区 and direction, in `state` (accepted by
    default), valid from yesterday for a year unless told; its PDF a stand-in for the signed one. The
    consignor's agreement for the 关区 is approved (made if missing), as a delegation needs."""
    import datetime

    from django.utils import timezone

    from eport.agreements.selectors import has_approved
    from eport.cards.models import Card
    from eport.delegations.models import Delegation
    from tests.sample_pdf import sample_pdf

    today = timezone.localdate()
    card = card or Card.objects.filter(enterprise=consignor).first() or make_card("legal", consignor).card
    if not has_approved(consignor, customs):  # a consignor delegates under its own approved agreement
        agreement_approved(consignor, customs)
    return Delegation.objects.create(
        consignor=consignor,
        broker=broker(broker_enterprise, customs),
        customs=customs[:2] + "00",
        direction=direction,
        mode="long_term",
        valid_from=valid_from or today - datetime.timedelta(days=1),
        valid_to=valid_to or today + datetime.timedelta(days=365),
        goods="电子元件",
        terms_version="2026-1",
        state=state,
        card=card,
        pdf=sample_pdf("delegation"),
        signed_at=timezone.now(),
    )


def documents_permission(made, rights=("entry", "declare")):
    """The card (or made card) may use 报关单电子随附单据 with the given rights (as an approved IC卡权限申请
    leaves it)."""
    from eport.cards.models import CardPermission

    CardPermission.objects.update_or_create(
        card=getattr(made, "card", made),
        subsystem_id="paperless_documents",
        defaults={"rights": list(rights)},
    )
    return made
