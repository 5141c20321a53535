"""Demo data: registry rows, one card-less enterprise user, reviewers of every unit a Shenzhen entry
visits (and the province above them), a data sub-centre officer, an administrator, and an enterprise
already in the network with a legal-person card and an operator card (card files under
$EPORT_DATA_DIR/demo-cards/, to run the card agent with). Idempotent."""

import datetime as dt
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from eport.accounts.models import User, UserKind
from eport.applications.models import Application, StepStatus
from eport.applications.services import application_create, application_submit, step_approve
from eport.cards.making import card_make
from eport.cards.models import Card, CardPermission
from eport.customs_registration.models import Registration
from eport.customs_registration.services import registration_ensure
from eport.delegations.models import Broker
from eport.enterprises.models import Enterprise
from eport.enterprises.registration import account_register
from eport.enterprises.services import enterprise_apply_data
from eport.errors import DomainError
from eport.express.models import Upload as ExpressUpload
from eport.express.services import release as express_release
from eport.express.services import return_ as express_return
from eport.express.services import upload as express_upload
from eport.filings.models import EnterpriseFiling
from eport.operators.models import Operator, OperatorStatus
from eport.private_files import write_private
from eport.refdata.models import Unit
from eport.registry.importer import import_demo_lists
from eport.registry.licence import demo_issuer_ensure
from eport.validators import make_uscc

PASSWORD = "Eport@2026"
DEMO_USCC = "91440300MA5DDEM15K"
STAFF = [
    ("aic_sz", UserKind.REVIEWER, "aic:440300", "深圳市市场监督管理局（工商审核）"),
    ("aic_gd", UserKind.REVIEWER, "aic:440000", "广东省市场监督管理局（可审核深圳等下级单位）"),
    ("tax_sz", UserKind.REVIEWER, "tax:14403000000", "国家税务总局深圳市税务局"),
    ("quality_sz", UserKind.REVIEWER, "quality:440300", "深圳市质量技术监督局（技监审核）"),
    ("ra_sz", UserKind.RA, "ra:5300", "深圳海关电子口岸数据分中心（操作中心）"),
    ("customs_sz", UserKind.REVIEWER, "customs:5300", "深圳海关（企业海关备案审核，含下属海关）"),
    ("forex_sz", UserKind.REVIEWER, "forex:440300", "国家外汇管理局深圳市分局（企业外汇备案审核）"),
    ("assoc_sz", UserKind.REVIEWER, "assoc:5300", "深圳报关协会（报关企业注册审核）"),
    # 海关企业管理 (SPEC §6.7): the 企管 of 深圳海关 reviews the registrations' 变更 and 延续 (its customs unit).
    ("qiguan_sz", UserKind.REVIEWER, "customs:5300", "深圳海关企管（报关单位注册登记变更、延续审核）"),
]


@transaction.atomic
def create_demo() -> list[dict]:
    import_demo_lists()
    accounts = []
    if not User.objects.filter(username="demo").exists():
        user = account_register(
            data={
                "username": "demo",
                "password": PASSWORD,
                "uscc": DEMO_USCC,
                "enterprise_name": "深圳市前海示范贸易有限公司",
                "contact_name": "王小明",
                "phone": "13800138000",
                "email": "demo@example.com",
            }
        )
        # Made by a command: its e-mail counts as confirmed (SPEC §8); it is verified when its entry is approved.
        User.objects.filter(pk=user.pk).update(email_confirmed_at=timezone.now())
    demo_issuer_ensure()  # the demo licence issuer, trusted in demo mode only
    accounts.append(
        {
            "username": "demo",
            "password": PASSWORD,
            "role": UserKind.CARDLESS,
            "note": "深圳市前海示范贸易有限公司 " + DEMO_USCC,
        }
    )
    for username, kind, unit_id, label in STAFF:
        user, created = User.objects.get_or_create(
            username=username, defaults={"kind": kind, "unit": Unit.objects.get(pk=unit_id)}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
        accounts.append(
            {
                "username": username,
                "password": PASSWORD,
                "role": kind,
                "note": f"{unit_id} {label}",
            }
        )
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"kind": UserKind.ADMIN, "is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(PASSWORD)
        admin.save()
    accounts.append({"username": "admin", "password": PASSWORD, "role": UserKind.ADMIN, "note": "/admin/"})
    cards = create_demo_cards()
    # The landing page lists these while the file exists (delete it to hide the demo accounts).
    (settings.DATA_DIR / "demo_accounts.json").write_text(json.dumps(accounts, ensure_ascii=False, indent=1))
    write_private(
        settings.DATA_DIR / "demo_cards.json",
        json.dumps(cards, ensure_ascii=False, indent=1).encode(),
        replace=True,
    )  # it holds initial PINs and card file passwords
    return accounts


CARD_USCC = make_uscc("91", "440300", "MA5DCARD")
CARD_ENTERPRISE = "深圳市南山示范进出口有限公司"


def _in_network(uscc: str, name: str, **data) -> Enterprise:
    """A 深圳 enterprise in the network, as if its 三证合一 entry had been approved: the same effect,
    history and audit (once)."""
    e, created = Enterprise.objects.get_or_create(uscc=uscc, defaults={"name": name})
    if created or not e.in_network:
        defaults = {
            "name": name,
            "legal_rep_id_type": "resident_id",
            "legal_person_type": "enterprise",
            "enterprise_type": "6",
            "capital_unit": "wan_yuan",
            "aic_unit": "440300",
            "tax_unit": "14403000000",
            "quality_unit": "440300",
            "issuing_authority_name": "深圳市市场监督管理局",
        }
        enterprise_apply_data(enterprise=e, application=None, data={**defaults, **data})
        e.refresh_from_db()
    return e


def create_demo_cards() -> list[dict]:
    """An enterprise in the network with a legal card and an operator card, made by the demo RA officer.

    Written once under demo-cards/ (0600): <kind>.p12, the card file; <kind>.password, its card file
    password (scripts/run gives it to the card agent); <kind>.json, the card number, the initial PIN
    (typed at 卡介质登录) and the card file password, shown on the start page.
    """

    folder = settings.DATA_DIR / "demo-cards"
    folder.mkdir(exist_ok=True)
    e = _in_network(
        CARD_USCC,
        CARD_ENTERPRISE,
        legal_rep_name="陈建国",
        legal_rep_id_no="440305198501011231",
        registered_capital="1000",
        address="深圳市南山区粤海街道示范路8号",
        phone="0755-26001234",
        customs_code="5301",
    )
    if not e.contact_email:  # where its notifications go (printed on the console by default)
        Enterprise.objects.filter(pk=e.pk).update(contact_name="陈建国", contact_email="ic-admin@example.com")
    operator, _ = Operator.objects.get_or_create(
        enterprise=e,
        id_no="440305199203154415",
        defaults={
            "name": "林小燕",
            "phone": "13923456789",
            "job_title": "报关员",
            "email": "lin@example.com",
            "status": OperatorStatus.APPROVED,
        },
    )
    ra = User.objects.get(username="ra_sz")
    out = []
    for kind in ("legal", "operator"):
        card = Card.objects.filter(enterprise=e, kind=kind).exclude(state="voided").first()
        info = folder / f"{kind}.json"
        if card is None or not info.exists():
            if card is not None:
                continue  # made earlier, its file is gone: nothing to hand out again
            made = card_make(
                actor=ra,
                kind=kind,
                enterprise_uscc=e.uscc or "",
                operator_no=operator.operator_no if kind == "operator" else None,
            )
            card = made.card
            write_private(folder / f"{kind}.p12", made.card_file, replace=True)
            write_private(folder / f"{kind}.password", made.card_file_password.encode(), replace=True)
            write_private(
                info,
                json.dumps(
                    {
                        "card_no": card.card_no,
                        "initial_pin": made.initial_pin,
                        "card_file_password": made.card_file_password,
                    }
                ).encode(),
                replace=True,
            )
        if kind == "legal":
            _demo_declaration(card.user)
        saved = json.loads(info.read_text())
        if (
            "card_file_password" not in saved
        ):  # made before card files had their own password: the PIN opens it
            saved["card_file_password"] = saved["initial_pin"]
            write_private(folder / f"{kind}.password", saved["initial_pin"].encode(), replace=True)
        out.append(
            {
                "card_no": card.card_no,
                "kind": card.kind,
                "holder": card.holder_name,
                "enterprise": e.name,
                "initial_pin": saved["initial_pin"],
                "card_file_password": saved["card_file_password"],
                "file": str(folder / f"{kind}.p12"),
            }
        )
    legal = Card.objects.filter(enterprise=e, kind="legal").exclude(state="voided").first()
    if legal is not None:
        try:
            with transaction.atomic():
                _demo_filings(legal.user, User.objects.get(username="customs_sz"))
                _demo_registration(e)
                _demo_broker()
                _demo_express(e, User.objects.get(username="customs_sz"))
        except DomainError as err:
            # e.g. the 商务/外汇局 list was replaced (eport load-units) without the demo's units:
            # the demo goes on without its filings rather than failing.
            print(f"demo filings skipped: {err.message}")
        try:
            with transaction.atomic():
                _demo_export_receipts(e)
        except DomainError as err:  # e.g. without its forex filing (above): the rest of the demo stands
            print(f"demo export receipts skipped: {err.message}")
    return out


def _demo_filings(legal_user, customs_reviewer) -> None:
    """The enterprise's filings as its legal card files them, through the engine: 商务部 (approved by
    itself), 海关 (approved by customs_sz), 外汇 (matches the demo 外汇企业名录: by itself), both cards'
    customs filing, the operator card's forex filing, and each card's subsystem permissions."""

    e = legal_user.enterprise
    if EnterpriseFiling.objects.filter(enterprise=e).exists():
        return

    def file(kind, data):
        app = application_create(actor=legal_user, kind=kind, data=data)
        return application_submit(actor=legal_user, application_id=app.id)

    legal = legal_user.card.card_no
    operator = Card.objects.get(enterprise=e, kind="operator", state="normal").card_no
    file("commerce_filing", {"authority": "440300"})
    customs = file("customs_filing", {"customs_code": e.customs_code, "filing_customs": "5300"})
    for step in customs.steps.filter(status=StepStatus.PENDING):
        step_approve(actor=customs_reviewer, step_id=step.id, opinion="海关企管备案信息一致，同意备案。")
    file("forex_filing", {"forex_bureau": "440300"})
    file("card_customs_filing", {"card_nos": [legal, operator]})
    file("card_forex_filing", {"card_nos": [operator]})
    documents = {"paperless_documents": ["entry", "declare"]}  # 报关单录入 and 报关申报
    file(
        "card_permission",
        {
            "card_no": legal,
            "subsystems": [
                "paperless_signing",
                "paperless_delegation",
                "paperless_documents",
                "processing_trade",
                "enterprise_mgmt",
            ],
            "rights": documents,
        },
    )
    file(
        "card_permission",
        {
            "card_no": operator,
            "subsystems": [
                "paperless_delegation",
                "paperless_documents",
                "export_receipt",
                "enterprise_mgmt",
                "express",
            ],
            "rights": documents,
        },
    )


def _demo_registration(e) -> None:
    """The card enterprise's customs registration (from its customs filing), made ending in 45 days the first
    time, so its cards see the 报关有效期提醒 (and the 年度报告 due) after sign-in and may apply for 延续."""
    if Registration.objects.filter(enterprise=e).exists():
        return
    reg = registration_ensure(e)
    if reg is not None:
        reg.valid_until = timezone.localdate() + dt.timedelta(days=45)
        reg.save(update_fields=["valid_until"])


def _demo_express(e: Enterprise, customs_reviewer) -> None:
    """快件通关 (SPEC §6.6): the operator card holds `express` (a demo made before it had it is given it),
    and has uploaded an import (KJ2, with its 舱单, 进出口岸 5301 皇岗) and an export (B类, 5304 蛇口);
    customs_sz released one import declaration and returned another, the third waits for it."""
    card = Card.objects.filter(enterprise=e, kind="operator", state="normal").first()
    if card is None:
        return
    CardPermission.objects.get_or_create(card=card, subsystem_id="express")
    if ExpressUpload.objects.filter(enterprise=e).exists():
        return
    user = card.user

    def row(sub, party, goods, value, currency, port, flight):
        return {
            "sub_waybill": sub,
            "party": party,
            "goods": goods,
            "quantity": "1",
            "value": value,
            "currency": currency,
            "port": port,
            "transport_mode": "5",
            "flight_no": flight,
            "date": timezone.localdate().isoformat(),
        }

    imports = [
        row("SF7001000001", "王小明", "书籍", "120.00", "142", "5301", "CA1301"),
        row("SF7001000002", "李丽", "保健品", "680.00", "142", "5301", "CA1301"),
        row("SF7001000003", "赵强", "手机壳", "45.00", "502", "5301", "CA1301"),
    ]
    manifest = [
        {"sub_waybill": r["sub_waybill"], "pieces": "1", "weight": "1.2", "flight_no": "CA1301"}
        for r in imports
    ]
    u = express_upload(
        user,
        {"direction": "I", "category": "KJ2", "waybill": "999-70010000"},
        list(enumerate(imports, 1)),
        list(enumerate(manifest, 1)),
    )
    express_upload(
        user,
        {"direction": "E", "category": "B", "waybill": "781-70020000"},
        [(1, row("EX7002000001", "林小燕", "茶叶", "80.00", "502", "5304", "CZ3001"))],
        None,
    )
    first, second, _third = u.declarations.order_by("pk")
    express_release(customs_reviewer, first.pk, first.version)
    express_return(customs_reviewer, second.pk, second.version, "申报品名与实际不符，请核实后重新上载。")


def _demo_export_receipts(e) -> None:
    """出口收汇: the operator card (it holds export_receipt) asked the 外汇局 (forex_sz) for forms; one request
    issued in part (6 of 8), its forms in every state — 已发单, 已备案 at 5301 皇岗, 已报关 (customs_sz recorded
    the declaration), 已交单, 已核销, 挂失 — and one request waiting for 发单."""
    from eport.export_receipts import services as receipts
    from eport.export_receipts.models import FormRequest

    if FormRequest.objects.filter(enterprise=e).exists():
        return
    card = Card.objects.filter(enterprise=e, kind="operator", state="normal").first()
    if card is None:
        return
    op, forex, customs = (
        card.user,
        User.objects.get(username="forex_sz"),
        User.objects.get(username="customs_sz"),
    )
    year = timezone.localdate().year
    request = receipts.request_forms(op, 8)
    nos = [f.form_no for f in receipts.issue(forex, request.request_no, 6)]
    for no in nos[1:5]:
        receipts.port_filing(op, no, "5301")
    for i, no in enumerate(nos[2:5], start=1):
        receipts.record_declaration(customs, no, f"5301{year}0{i:09d}")
    for no in nos[3:5]:
        receipts.hand_in(op, no)
    receipts.write_off(forex, nos[4])
    receipts.report_lost(op, nos[5])
    receipts.request_forms(op, 3)


BROKER_USCC = make_uscc("91", "440300", "MA5DBRKR")
BROKER_NAME = "深圳市示范报关行有限公司"


def _demo_broker() -> None:
    """A customs broker in the network, registered through the engine and approved by 深圳报关协会
    (assoc_sz): what the demo's operator card finds when it delegates (代理报关委托)."""
    e = _in_network(
        BROKER_USCC,
        BROKER_NAME,
        legal_rep_name="黄志明",
        legal_rep_id_no="440305198003031236",
        registered_capital="500",
        address="深圳市福田区示范报关大厦3楼",
        phone="0755-83001234",
        customs_code="5300",
    )
    if Broker.objects.filter(enterprise=e).exists():
        return
    now = timezone.now()
    clerk, _ = User.objects.get_or_create(
        username="broker_demo",
        defaults={
            "kind": UserKind.CARDLESS,
            "enterprise": e,
            "email": "broker@example.com",
            "email_confirmed_at": now,
            "verified_at": now,
            "verified_by": "legal_card",
        },
    )
    app = application_create(
        actor=clerk,
        kind="broker_registration",
        data={
            "org_code": BROKER_USCC[8:17],
            "broker_code": "5300980001",
            "customs": "5300",
            "contact_name": "黄志明",
            "contact_phone": "13800138111",
        },
    )
    app = application_submit(actor=clerk, application_id=app.id)
    assoc = User.objects.get(username="assoc_sz")
    for step in app.steps.filter(status=StepStatus.PENDING):
        step_approve(actor=assoc, step_id=step.id, opinion="报关企业资质齐全，同意注册。")


def _demo_declaration(legal_user) -> None:
    """A second operator declared by the legal card and waiting at the sub-centre (ra_sz): the review
    queue and the operator list have something to show."""

    if Application.objects.filter(enterprise=legal_user.enterprise, kind="operator_declaration").exists():
        return
    app = application_create(
        actor=legal_user,
        kind="operator_declaration",
        data={
            "name": "周志强",
            "id_type": "resident_id",
            "id_no": "440305199507216611",
            "phone": "13712345678",
            "job_title": "单证员",
            "email": "zhou@example.com",
        },
    )
    application_submit(actor=legal_user, application_id=app.id)
