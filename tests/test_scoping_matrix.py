"""One scoping matrix: actor × endpoint × skin (the JSON API under /api/v1, and the screens).

Every actor here is a stranger to enterprise A: anonymous, a card-less user of enterprise B (verified), B's
legal card, B's operator card, a reviewer outside the units A's applications go to, and the RA officer of
another sub-centre. Each one tries A's applications, attachments, operators, cards, filings, review steps
and accounts, and the endpoints its kind may not use at all. The rule (issue 12, "one rule, one place"):

* what the actor may not see is not found, exactly as if it did not exist: API 404, screen 404 page;
* where its kind may not do the thing at all, it is refused as such: API 403, screen 403 page;
* anonymous: API 401, screens send it to the sign-in page (the card sign-in for the cards' screens);
* and afterwards nothing has changed: the rows of every object a request could touch, and the audit trail.

The data is built once for the module (inside a transaction rolled back at its end); each case runs in its
own savepoint, so a case that did change something could not hide it from the next one.
"""

import datetime as dt
import io
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from eport.accounts.models import User
from eport.agreements.models import Agreement
from eport.agreements.services import agreement_prepare, agreement_sign
from eport.applications import services
from eport.applications.models import Application, Attachment, ReviewStep, StepStatus
from eport.audit.models import AuditEvent
from eport.cards.models import Card, CardPermission
from eport.customs_registration.models import Registration
from eport.customs_registration.services import registration_ensure
from eport.declarations import services as declarations
from eport.declarations.models import Document, Dossier, ReuploadRequest
from eport.delegations.models import Broker, Delegation
from eport.enterprises.models import Enterprise
from eport.export_receipts import services as receipts
from eport.export_receipts.models import FormRequest, ReceiptForm
from eport.exports.models import ExportJob
from eport.express import services as express_services
from eport.express.models import Declaration as ExpressDeclaration
from eport.express.models import Receipt as ExpressReceipt
from eport.filings.models import CardFiling, EnterpriseFiling
from eport.operators.models import Operator
from eport.processing.models import Grant
from eport.processing.services import grant_add
from tests import factories as f
from tests.api.helpers import Api, created, make_pdf, submitted
from tests.delegations.helpers import agreement, broker, delegate, grant
from tests.express.helpers import export_body as express_export_body
from tests.express.helpers import import_body as express_import_body
from tests.processing.helpers import body as grant_body
from tests.processing.helpers import customs_filed
from tests.sample_pdf import sample_pdf

ACTORS = ("anonymous", "cardless_b", "legal_b", "operator_b", "reviewer_out", "ra_other")
FAST = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the world, built once ------------------------------------------------------------------------------


def build(files) -> SimpleNamespace:
    """Enterprise A with its legal card, an operator card, an approved operator without a card, a DRAFT
    operator declaration, a DRAFT 三证合一 change with an attachment, a SUBMITTED operator cancellation
    waiting at its sub-centre (a review step), a customs filing of A and of its operator card, and an
    account waiting for A's legal card. Enterprise B with a card-less user, a legal and an operator card."""
    ra = f.ra_officer()  # ra:5300, A's and B's sub-centre
    a = f.enterprise_in_network(name="甲方贸易有限公司")
    legal_a = f.legal_card(a, ra=ra)
    op_a = f.operator_card(a, ra=ra, name="周八")
    plain = f.operator(a, name="吴九")
    la = Api(legal_a.card.user)
    declaration = created(la, "operator_declaration", f.op_data(name="郑十"))
    change = created(la, "enterprise_change", {**f.entry_data(a.uscc), "name": "甲方贸易有限公司"})
    upload = la.upload(change["id"], make_pdf())
    assert upload.status_code == 201, upload.content
    cancellation = submitted(
        la, created(la, "operator_cancellation", {"operator_no": plain.operator_no})["id"], "SUBMITTED"
    )
    step = ReviewStep.objects.get(application_id=cancellation["id"], status=StepStatus.PENDING)
    f.enterprise_filed(a, "customs", "customs:5300")
    CardFiling.objects.create(card=op_a.card, filing="customs")
    pending = f.cardless(uscc=a.uscc, verified=False)
    # A's 报关企业注册, waiting at the 报关协会 of its direct customs (assoc:5300).
    broker_data = {
        "org_code": a.uscc[8:17],
        "broker_code": "4403980001",
        "customs": "5300",
        "contact_name": "王五",
        "contact_phone": "13912345678",
    }
    broker_reg = submitted(la, created(la, "broker_registration", broker_data)["id"], "SUBMITTED")
    broker_step = ReviewStep.objects.get(application_id=broker_reg["id"], status=StepStatus.PENDING)
    # A's 三方协议 for 0100, signed by its legal card, waiting at customs:0100.
    CardPermission.objects.create(card=legal_a.card, subsystem_id="paperless_signing")
    sign_id, to_sign = agreement_prepare(legal_a.card.user, ["0100"])
    signature = f.card_key(legal_a).sign(to_sign, ec.ECDSA(hashes.SHA256()))
    [signed] = agreement_sign(legal_a.card.user, sign_id, signature)
    agreement_step = ReviewStep.objects.get(application_id=signed.application_id, status=StepStatus.PENDING)
    officer, made_key, unlocked_key = _one_time_secrets(ra, legal_a.card.card_no, op_a.card.card_no)
    # A's operator card delegates to broker D (A's agreement for 5300 approved); D has not answered yet.
    agreement(a, legal_a.card, "5300")
    grant(op_a, "paperless_delegation")
    broker(name="丁方报关有限公司", code="4403985555")
    delegation = delegate(op_a, Api(op_a.card.user), broker_code="4403985555")
    # 加贸权限管理 (SPEC §6.4): A's legal card grants E rights on a manual.
    grant(legal_a, "processing_trade")
    customs_filed(f.enterprise_in_network(name="戊方加工有限公司"), "4403961111")
    processing_grant = grant_add(legal_a.card.user, grant_body(grantee_customs_code="4403961111"))
    # 海关企业管理 (SPEC §6.7): A's registration (from its customs filing) ends within 90 days; its 延续 waits
    # at customs:5300, the 企管 of its direct customs.
    grant(legal_a, "enterprise_mgmt")
    reg = registration_ensure(a)
    Registration.objects.filter(pk=reg.pk).update(valid_until=timezone.localdate() + dt.timedelta(days=30))
    renewal = submitted(
        la, created(la, "customs_registration_renewal", {"reason": "延续"})["id"], "SUBMITTED"
    )
    renewal_step = ReviewStep.objects.get(application_id=renewal["id"], status=StepStatus.PENDING)
    # 快件通关 (SPEC §6.6): A's operator card uploaded an import for 5301 (customs:5300's 关区).
    grant(op_a, "express")
    xbody = express_import_body(subs=("SF0001",))
    express_upload = express_services.upload(
        op_a.card.user,
        {k: xbody[k] for k in ("direction", "category", "waybill")},
        list(enumerate(xbody["declarations"], 1)),
        list(enumerate(xbody["manifest"], 1)),
    )

    # 出口收汇 (SPEC §6.5): A's operator card holds it; A is filed with forex:440300, which issued it two forms
    # (one filed at 5301) and has a second request of A's waiting.
    grant(op_a, "export_receipt")
    f.enterprise_filed(a, "forex", "forex:440300")
    bureau = f.staff("reviewer", "forex:440300")
    er_request = receipts.request_forms(op_a.card.user, 2)
    er_form, er_filed = (x.form_no for x in receipts.issue(bureau, er_request.request_no, 2))
    receipts.port_filing(op_a.card.user, er_filed, "5301")
    er_waiting = receipts.request_forms(op_a.card.user, 1)

    # Enterprise C, of A's sub-centre, waiting for its first legal card: an approved request in the queue.
    c = f.enterprise_in_network(name="丙方科技有限公司")
    c_user = f.cardless(uscc=c.uscc)
    request = services.application_submit(
        actor=c_user,
        application_id=services.application_create(actor=c_user, kind="legal_card_reissue", data={}).id,
    )
    services.step_approve(actor=ra, step_id=request.steps.get().id, opinion="同意")

    # A's declared 报关单 (SPEC §6.3): its operator card holds 报关单电子随附单据 with both rights.
    # (A's agreement for 5300 is approved above, for its delegation.)
    f.documents_permission(op_a)
    dossier_no = "530020261000000777"
    declarations.dossier_open(
        actor=op_a.card.user, decl_no=dossier_no, consignor=a.uscc, customs="5300", direction="I"
    )
    pdf_upload = SimpleUploadedFile("invoice.pdf", sample_pdf("invoice"))
    declarations.document_upload(
        actor=op_a.card.user, decl_no=dossier_no, doc_type="invoice", upload=pdf_upload
    )
    declarations.declare(actor=op_a.card.user, decl_no=dossier_no)

    b = f.enterprise_in_network(name="乙方实业有限公司")
    # B's cards may use 报关单电子随附单据 too: A's dossier is then not theirs (404), not a kind refusal.
    legal_b = grant(f.documents_permission(f.legal_card(b, ra=ra)), "processing_trade")
    operator_b = f.documents_permission(grant(f.operator_card(b, ra=ra, name="周八"), "paperless_delegation"))
    grant(legal_b, "enterprise_mgmt")  # B's own registration does not exist (no customs filing): 404
    grant(operator_b, "express")  # B's operator card uploads express declarations too: A's are not found
    grant(operator_b, "export_receipt")  # B's operator card uses 出口收汇 too: A's forms are not found for it
    users = {
        "anonymous": None,
        "cardless_b": f.cardless(uscc=b.uscc),
        "legal_b": _signing(legal_b.card).user,
        # B's operator card may use 代理报关委托 (its own delegations): A's are not found for it
        "operator_b": operator_b.card.user,
        "reviewer_out": f.staff("reviewer", "aic:110000"),  # A's entry-like steps go to aic:440300
        "ra_other": f.ra_officer("ra:0100"),
    }
    return SimpleNamespace(
        a=a,
        legal_a=legal_a,
        op_a=op_a,
        operator_no=plain.operator_no,
        declaration=declaration["id"],
        change=change["id"],
        attachment=upload.json()["id"],
        cancellation=cancellation["id"],
        step=step.id,
        broker_reg=broker_reg["id"],
        broker_step=broker_step.id,
        pending=pending.id,
        officer=officer,
        made_key=made_key,
        unlocked_key=unlocked_key,
        request=request.id,
        agreement_app=signed.application_id,
        agreement_step=agreement_step.id,
        dossier=dossier_no,
        delegation=delegation["id"],
        grant=processing_grant.pk,
        renewal=renewal["id"],
        renewal_step=renewal_step.id,
        xdecl=express_upload.declarations.get().pk,
        erform=er_form,
        erfiled=er_filed,
        erreq=er_waiting.request_no,
        # 我的导出: a job of A's legal card (a list too long to export in the request), not yet written.
        xjob=ExportJob.objects.create(owner=legal_a.card.user, list_name="cards", filters={}, rows=6000).pk,
        users=users,
        apis={k: Api(u) for k, u in users.items()},
    )


def _signing(card):
    """B's legal card may sign agreements too: what it is refused of A's is refused as not found."""
    CardPermission.objects.create(card=card, subsystem_id="paperless_signing")
    return card


# What the one-time pages hold for A's sub-centre officer: no stranger's session may show or download it.
SECRET_PIN, SECRET_PASSWORD, SECRET_FILE = "314159265358", "SECR-ETPA-SSWO-RD00-0000-0000", b"PKCS12-SECRET"


def _one_time_secrets(ra, legal_no: str, op_no: str) -> tuple[Client, str, str]:
    """制卡's and 解锁's one-time secrets, kept in the RA officer's own signed-in session (web/once.py)."""
    from eport.web import once
    from eport.web.cards import ONCE_MADE, ONCE_UNLOCKED

    officer = Client()
    officer.force_login(ra)
    request = SimpleNamespace(session=officer.session, user=ra)
    made = once.keep(
        request,
        ONCE_MADE,
        legal_no,
        {"initial_pin": SECRET_PIN, "card_file_password": SECRET_PASSWORD},
        card_file=SECRET_FILE,
    )
    unlocked = once.keep(request, ONCE_UNLOCKED, op_no, {"pin": SECRET_PIN})
    request.session.save()
    return officer, made, unlocked


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    files = tmp_path_factory.mktemp("files")
    storages = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {}}}
    storages["default"]["OPTIONS"]["location"] = str(files)
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST):
        from django.conf import settings

        with override_settings(STORAGES={**settings.STORAGES, **storages}):
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                yield build(files)
            finally:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)


@pytest.fixture
def w(world, db):
    """The world, in this case's own savepoint (the `db` fixture's transaction, nested in the module's)."""
    return world


def snapshot(w) -> dict:
    """Everything of A a request could change, the counts of everything anywhere, and the audit trail."""
    return {
        "apps": list(
            Application.objects.order_by("pk").values_list("pk", "status", "version", "round", "data")
        ),
        "attachments": list(Attachment.objects.order_by("pk").values_list("pk", "application_id", "sha256")),
        "steps": list(ReviewStep.objects.order_by("pk").values_list("pk", "status", "opinion")),
        "operators": list(Operator.objects.order_by("pk").values_list("pk", "status", "name")),
        "cards": list(Card.objects.order_by("pk").values_list("pk", "state", "version")),
        "exports": list(
            ExportJob.objects.order_by("pk").values_list("pk", "owner_id", "state", "storage_name")
        ),
        "filings": (
            EnterpriseFiling.objects.count(),
            CardFiling.objects.count(),
            CardPermission.objects.count(),
            Broker.objects.count(),
        ),
        "enterprise": list(Enterprise.objects.filter(pk=w.a.pk).values_list("name", "network_status")),
        "accounts": list(User.objects.order_by("pk").values_list("pk", "verified_at", "closed_at")),
        "agreements": list(Agreement.objects.order_by("pk").values_list("pk", "state", "application_id")),
        "dossiers": list(Dossier.objects.order_by("pk").values_list("pk", "state", "declared_at")),
        "documents": list(Document.objects.order_by("pk").values_list("pk", "doc_type", "sha256")),
        "reuploads": ReuploadRequest.objects.count(),
        "delegations": list(Delegation.objects.order_by("pk").values_list("pk", "state", "reason")),
        "grants": list(Grant.objects.order_by("pk").values_list("pk", "rights", "updated_at")),
        "registrations": list(
            Registration.objects.order_by("pk").values_list(
                "pk", "category", "valid_until", "annual_report_year"
            )
        ),
        "express": list(
            ExpressDeclaration.objects.order_by("pk").values_list("pk", "state", "category", "version")
        ),
        "express_receipts": ExpressReceipt.objects.count(),
        "receipt_forms": list(
            ReceiptForm.objects.order_by("pk").values_list("pk", "state", "port", "decl_no")
        ),
        "receipt_requests": list(
            FormRequest.objects.order_by("pk").values_list("pk", "state", "issued_count")
        ),
        "audit": AuditEvent.objects.count(),
    }


# --- the endpoints --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # with {placeholders} filled from the world
    body: object = None

    def url(self, w) -> str:
        return self.path.format(
            app=w.change,
            decl=w.declaration,
            cancel=w.cancellation,
            att=w.attachment,
            op=w.operator_no,
            legal=w.legal_a.card.card_no,
            opcard=w.op_a.card.card_no,
            step=w.step,
            breg=w.broker_reg,
            bstep=w.broker_step,
            pending=w.pending,
            request=w.request,
            uscc=w.a.uscc,
            made=w.made_key,
            unlocked=w.unlocked_key,
            aapp=w.agreement_app,
            astep=w.agreement_step,
            dno=w.dossier,
            dlg=w.delegation,
            grant=w.grant,
            renewal=w.renewal,
            rstep=w.renewal_step,
            xdecl=w.xdecl,
            erform=w.erform,
            erfiled=w.erfiled,
            erreq=w.erreq,
            xjob=w.xjob,
        )


def _pdf():
    fh = io.BytesIO(make_pdf())
    fh.name = "a.pdf"
    return fh


API = {
    # applications and attachments
    "application.get": Call("get", "/applications/{app}"),
    "application.patch": Call("patch", "/applications/{app}", {"data": {"address": "篡改"}, "version": 1}),
    "application.delete": Call("delete", "/applications/{decl}"),
    "application.submit": Call("post", "/applications/{app}/submit"),
    "attachment.upload": Call("upload", "/applications/{app}/attachments"),
    "attachment.get": Call("get", "/applications/{app}/attachments/{att}"),
    "attachment.delete": Call("delete", "/applications/{app}/attachments/{att}"),
    # operators
    "operator.get": Call("get", "/operators/{op}"),
    "operator.cancel": Call(
        "post", "/applications", {"kind": "operator_cancellation", "data": {"operator_no": "{op}"}}
    ),
    # cards
    "card.get": Call("get", "/cards/{opcard}"),
    "card.freeze": Call("post", "/cards/{opcard}/freeze"),
    "card.report_lost": Call("post", "/cards/{legal}/report-lost"),
    "card.make": Call("post", "/cards", {"kind": "legal", "enterprise_uscc": "{uscc}"}),
    # the legal card requests: C's approved one, made from the queue; the lists and the progress
    "card.make_from_request": Call("post", "/cards", {"kind": "legal", "request_id": "{request}"}),
    "legal_requests": Call("get", "/legal-card-requests"),
    "legal_requests.create": Call("post", "/legal-card-requests", {"contact_name": "王五"}),
    "legal_requests.queue": Call("get", "/legal-card-requests/queue"),
    "enterprise.progress": Call("get", "/enterprise/progress"),
    "card.permission": Call(
        "post", "/applications", {"kind": "card_permission", "data": {"card_no": "{opcard}"}}
    ),
    # review steps
    "step.approve": Call("post", "/reviews/{step}/approve", {"opinion": "同意"}),
    "step.return": Call("post", "/reviews/{step}/return", {"opinion": "退回"}),
    # accounts waiting for A's legal card
    "account.approve": Call("post", "/enterprise/accounts/{pending}/approve"),
    "account.refuse": Call("post", "/enterprise/accounts/{pending}/refuse"),
    # the enterprise's own pages: whose kind may read them
    "enterprise": Call("get", "/enterprise"),
    "filings": Call("get", "/filings"),
    "filings.cards": Call("get", "/filings/cards"),
    "accounts": Call("get", "/enterprise/accounts"),
    "reviews": Call("get", "/reviews"),
    "applications": Call("get", "/applications"),
    # 报关企业 (SPEC §6.2): A's registration waits at assoc:5300; the search is for enterprise users
    "broker.registration.get": Call("get", "/applications/{breg}"),
    "broker.registration.patch": Call(
        "patch", "/applications/{breg}", {"data": {"broker_code": "4403989999"}, "version": 1}
    ),
    "broker.step.approve": Call("post", "/reviews/{bstep}/approve", {"opinion": "同意"}),
    "broker.step.return": Call("post", "/reviews/{bstep}/return", {"opinion": "退回"}),
    "brokers": Call("get", "/paperless/brokers?q=甲方"),
    # 三方协议 (SPEC §6.1): A's agreement for 0100 waits at customs:0100
    "agreements": Call("get", "/paperless/agreements"),
    "agreement.pdf": Call("get", "/paperless/agreements/0100/pdf"),
    "agreement.terminate": Call("post", "/paperless/agreements/0100/terminate"),
    "agreement.application.get": Call("get", "/applications/{aapp}"),
    "agreement.step.approve": Call("post", "/reviews/{astep}/approve", {"opinion": "同意"}),
    "agreement.step.return": Call("post", "/reviews/{astep}/return", {"opinion": "退回"}),
    # 报关单电子随附单据 (SPEC §6.3): A's declared dossier, in customs:5300's 关区
    "dossier.get": Call("get", "/declarations/{dno}"),
    "dossier.document": Call("get", "/declarations/{dno}/documents/invoice"),
    "dossier.upload": Call("decl_upload", "/declarations/{dno}/documents"),
    "dossier.declare": Call("post", "/declarations/{dno}/declare"),
    "dossier.reupload_request": Call(
        "post", "/declarations/{dno}/reupload-requests", {"doc_type": "invoice", "reason": "x"}
    ),
    "dossier.open": Call(
        "post",
        "/declarations",
        {"decl_no": "{dno}", "consignor": "{uscc}", "customs": "5300", "direction": "I"},
    ),
    "dossiers": Call("get", "/declarations"),
    # 代理报关委托: A's delegation to broker D
    "delegation.get": Call("get", "/paperless/delegations/{dlg}"),
    "delegation.pdf": Call("get", "/paperless/delegations/{dlg}/pdf"),
    "delegation.accept": Call("post", "/paperless/delegations/{dlg}/accept"),
    "delegation.reject": Call("post", "/paperless/delegations/{dlg}/reject", {"reason": "x"}),
    "delegation.revoke": Call("post", "/paperless/delegations/{dlg}/revoke", {"reason": "x"}),
    "delegations": Call("get", "/paperless/delegations"),
    # 加贸权限管理: A's grant to E
    "grant.patch": Call("patch", "/processing-trade/grants/{grant}", {"rights": "111"}),
    "grant.delete": Call("delete", "/processing-trade/grants/{grant}"),
    "grants": Call("get", "/processing-trade/grants"),
    # 海关企业管理: A's 延续 and its step at customs:5300; the registration endpoints are the card's own
    "registration": Call("get", "/customs-registration"),
    "registration.annual_report": Call("post", "/customs-registration/annual-report"),
    "registration.applications": Call("get", "/customs-registration/applications"),
    "registration.renewal.get": Call("get", "/applications/{renewal}"),
    "registration.step.approve": Call("post", "/reviews/{rstep}/approve", {"opinion": "同意"}),
    "express.declarations": Call("get", "/express/declarations"),
    "express.upload": Call("post", "/express/declarations", express_export_body(subs=("EX0009",))),
    "express.get": Call("get", "/express/declarations/{xdecl}"),
    "express.patch": Call("patch", "/express/declarations/{xdecl}", {"category": "B"}),
    "express.release": Call("post", "/express/declarations/{xdecl}/release", {"version": 1}),
    "express.return": Call("post", "/express/declarations/{xdecl}/return", {"version": 1, "reason": "x"}),
    "express.pdf": Call("get", "/express/declarations/{xdecl}/pdf"),
    "express.receipts": Call("get", "/express/receipts?waybill=999-12345678"),
    "er.requests.create": Call("post", "/export-receipts/requests", {"count": 1}),
    "er.requests": Call("get", "/export-receipts/requests"),
    "er.issue": Call("post", "/export-receipts/requests/{erreq}/issue", {"count": 1}),
    "er.forms": Call("get", "/export-receipts"),
    "er.export": Call("get", "/export-receipts.xlsx"),
    "er.get": Call("get", "/export-receipts/{erform}"),
    "er.port_filing": Call("post", "/export-receipts/{erform}/port-filing", {"port": "5302"}),
    "er.batch": Call(
        "post", "/export-receipts/batch-port-filing", {"start_no": "{erform}", "count": 2, "port": "5302"}
    ),
    "er.revoke": Call("post", "/export-receipts/{erfiled}/revoke-filing"),
    "er.hand_in": Call("post", "/export-receipts/{erfiled}/hand-in"),
    "er.report_lost": Call("post", "/export-receipts/{erform}/report-lost"),
    "er.write_off": Call("post", "/export-receipts/{erfiled}/write-off"),
    "export.get": Call("get", "/exports/{xjob}"),
    "export.file": Call("get", "/exports/{xjob}/file"),
    "er.declaration": Call(
        "post", "/export-receipts/{erfiled}/declaration", {"decl_no": "530120260000000001"}
    ),
}

SCREENS = {
    "application.get": Call("get", "/applications/{app}/"),
    "application.delete": Call("post", "/applications/{decl}/delete/"),
    "attachment.upload": Call("upload", "/applications/{app}/attachments/"),
    "attachment.get": Call("get", "/applications/{app}/attachments/{att}/"),
    "attachment.delete": Call("post", "/applications/{app}/attachments/{att}/delete/"),
    "declaration.edit": Call("get", "/operators/declarations/{decl}/"),
    "declaration.delete": Call("post", "/operators/declarations/{decl}/delete/"),
    "operator.get": Call("get", "/operators/{op}/"),
    "operator.change": Call("get", "/operators/{op}/change/"),
    "operator.cancel": Call("post", "/operators/{op}/cancel/"),
    "card.get": Call("get", "/cards/{opcard}/"),
    "card.freeze": Call("post", "/cards/{opcard}/freeze/"),
    "card.renew": Call("get", "/cards/{opcard}/renew/"),
    "card.permission": Call("get", "/filings/permissions/{opcard}/"),
    "card.make_from_request": Call("get", "/ra/cards/new/?request={request}"),
    "card.make_from_request.post": Call("post", "/ra/cards/new/", {"request": "{request}"}),
    "legal_requests.queue": Call("get", "/ra/legal-cards/"),
    "start": Call("get", "/start/"),
    "step.get": Call("get", "/reviews/{step}/"),
    "step.approve": Call("post", "/reviews/{step}/", {"action": "approve", "opinion": "同意"}),
    "account.approve": Call("post", "/enterprise/accounts/{pending}/approve/"),
    "enterprise.change": Call("get", "/change/"),
    "filings": Call("get", "/filings/customs/"),
    "filings.cards": Call("get", "/filings/cards/customs/"),
    "accounts": Call("get", "/enterprise/accounts/"),
    "reviews": Call("get", "/reviews/"),
    "status": Call("get", "/status/"),
    # the one-time pages (post/redirect/get), with a key that holds secrets in A's sub-centre officer's session
    "card.made": Call("get", "/ra/cards/made/{made}/"),
    "card.made.file": Call("get", "/ra/cards/made/{made}/card-file/"),
    "card.unlocked": Call("get", "/cards/{opcard}/unlocked/{unlocked}/"),
    "broker.registration.get": Call("get", "/applications/{breg}/"),
    "broker.step.get": Call("get", "/reviews/{bstep}/"),
    "broker.step.approve": Call("post", "/reviews/{bstep}/", {"action": "approve", "opinion": "同意"}),
    "broker_registration": Call("get", "/paperless/broker-registration/"),
    "brokers": Call("get", "/paperless/brokers/?q=甲方"),
    "agreements": Call("get", "/paperless/agreements/query/"),
    "agreement.sign": Call("get", "/paperless/agreements/"),
    "agreement.pdf": Call("get", "/paperless/agreements/0100/pdf/"),
    "agreement.terminate": Call("post", "/paperless/agreements/0100/terminate/"),
    "agreement.application.pdf": Call("get", "/paperless/agreements/applications/{aapp}/pdf/"),
    "agreement.step.get": Call("get", "/reviews/{astep}/"),
    "agreement.step.approve": Call("post", "/reviews/{astep}/", {"action": "approve", "opinion": "同意"}),
    "dossier.get": Call("get", "/declarations/{dno}/"),
    "dossier.document": Call("get", "/declarations/{dno}/documents/invoice/"),
    "dossier.upload": Call("decl_upload", "/declarations/{dno}/upload/"),
    "dossier.declare": Call("post", "/declarations/{dno}/declare/"),
    "dossier.reupload_request": Call(
        "post", "/declarations/{dno}/reupload-requests/", {"doc_type": "invoice", "reason": "x"}
    ),
    "delegation.get": Call("get", "/paperless/delegations/{dlg}/"),
    "delegation.pdf": Call("get", "/paperless/delegations/{dlg}/pdf/"),
    "delegation.accept": Call("post", "/paperless/delegations/{dlg}/accept/"),
    "delegation.revoke": Call("post", "/paperless/delegations/{dlg}/revoke/", {"reason": "x"}),
    "delegations": Call("get", "/paperless/delegations/"),
    "grant.edit": Call("get", "/processing-trade/grants/{grant}/"),
    "grant.edit.post": Call("post", "/processing-trade/grants/{grant}/", {"rights": "111"}),
    "grant.delete": Call("post", "/processing-trade/grants/{grant}/delete/"),
    "grants": Call("get", "/processing-trade/grants/"),
    "registration": Call("get", "/customs-registration/"),
    "registration.annual_report": Call("post", "/customs-registration/annual-report/"),
    "registration.renewal": Call("get", "/customs-registration/renewal/"),
    "registration.renewal.get": Call("get", "/applications/{renewal}/"),
    "registration.step.approve": Call("post", "/reviews/{rstep}/", {"action": "approve", "opinion": "同意"}),
    "express.list": Call("get", "/express/"),
    "express.upload": Call("get", "/express/upload/"),
    "express.review": Call("get", "/express/review/"),
    "express.declaration": Call("get", "/express/{xdecl}/"),
    "express.category": Call("post", "/express/{xdecl}/category/", {"category": "B"}),
    "express.release": Call("post", "/express/{xdecl}/release/", {"version": "1"}),
    "express.return": Call("post", "/express/{xdecl}/return/", {"version": "1", "reason": "x"}),
    "express.print": Call("get", "/express/{xdecl}/print/"),
    "express.pdf": Call("get", "/express/{xdecl}/pdf/"),
    "export.file": Call("get", "/exports/{xjob}/file/"),
    "er.forms": Call("get", "/export-receipts/"),
    "er.requests": Call("get", "/export-receipts/requests/"),
    "er.request_new": Call("post", "/export-receipts/requests/new/", {"count": "1", "confirm": "1"}),
    "er.issue": Call("post", "/export-receipts/requests/{erreq}/issue/", {"count": "1"}),
    "er.get": Call("get", "/export-receipts/{erform}/"),
    "er.port_filing": Call(
        "post", "/export-receipts/{erform}/", {"action": "port", "port": "5302", "confirm": "1"}
    ),
    "er.revoke": Call("post", "/export-receipts/{erfiled}/", {"action": "revoke", "confirm": "1"}),
    "er.declare": Call(
        "post",
        "/export-receipts/{erfiled}/",
        {"action": "declare", "decl_no": "530120260000000001", "confirm": "1"},
    ),
    "er.batch": Call(
        "post",
        "/export-receipts/batch-filing/",
        {"start_no": "{erform}", "count": "2", "port": "5302", "form_nos": "{erform}", "confirm": "1"},
    ),
}


def _fill(body, w):
    if isinstance(body, dict):
        return {k: _fill(v, w) for k, v in body.items()}
    if body == "{request}":  # an id: a JSON number
        return w.request
    if isinstance(body, str):
        return Call("", body).url(w)
    return body


def call_api(api: Api, call: Call, w):
    url, body = call.url(w), _fill(call.body, w)
    if call.method == "upload":
        return api.upload(int(url.split("/")[2]), make_pdf())
    if call.method == "decl_upload":
        fh = io.BytesIO(sample_pdf("invoice"))
        fh.name = "invoice.pdf"
        return api.client.post("/api/v1" + url, {"doc_type": "invoice", "file": fh}, headers=api._headers())
    if call.method == "get":
        return api.get(url)
    if call.method == "delete":
        return api.delete(url)
    return getattr(api, call.method)(url, body)


def call_screen(client, call: Call, w):
    url, body = call.url(w), _fill(call.body, w)
    if call.method == "upload":
        return client.post(url, {"doc_type": "business_license", "file": _pdf()})
    if call.method == "decl_upload":
        return client.post(url, {"doc_type": "invoice", "file": _pdf()})
    if call.method == "get":
        return client.get(url)
    return client.post(url, body or {})


# --- what each actor gets -------------------------------------------------------------------------------

# Per endpoint, for cardless_b, legal_b, operator_b, reviewer_out, ra_other: the API's "status code" and the
# screens' status. None: the actor's own business (its own enterprise's page, its own queue), not a refusal.
SIGNED_IN = ACTORS[1:]
NF_APP, NF_OP, NF_CARD, NF_STEP = (
    "404 application_not_found",
    "404 operator_not_found",
    "404 card_not_found",
    "404 step_not_found",
)
KIND_ENT = "403 enterprise_actor_required"
CARD_REQ, CUSTOMS_REQ, NF_DOSSIER = (
    "403 subsystem_not_granted",
    "403 customs_required",
    "404 dossier_not_found",
)
KIND_LEGAL = "403 legal_card_only"
KIND_REVIEWER = "403 reviewer_required"
# A kind that may not read a family at all is refused on the whole family (accounts/permissions.READERS).
KIND_APP_READER = KIND_ENT
KIND_OP_READER = "403 operator_reader_required"
KIND_CARD_READER = "403 card_reader_required"
KIND_AGREEMENT, KIND_SIGNER = "403 agreement_reader_required", "403 legal_card_required"
NF_AGREEMENT = "404 agreement_not_found"
NO_SUB, NF_DLG = "403 subsystem_not_granted", "404 delegation_not_found"
NF_GRANT = "404 grant_not_found"
NF_REG = "404 customs_registration_not_found"
NF_X = "404 declaration_not_found"
NF_FORM, BUREAU_REQ = "404 form_not_found", "403 bureau_required"

API_EXPECT = {
    "application.get": (NF_APP, NF_APP, KIND_APP_READER, NF_APP, NF_APP),
    "application.patch": (NF_APP, NF_APP, KIND_ENT, KIND_ENT, KIND_ENT),
    "application.delete": (NF_APP, NF_APP, KIND_ENT, KIND_ENT, KIND_ENT),
    "application.submit": (NF_APP, NF_APP, KIND_ENT, KIND_ENT, KIND_ENT),
    "attachment.upload": (NF_APP, NF_APP, KIND_ENT, KIND_ENT, KIND_ENT),
    "attachment.get": (NF_APP, NF_APP, KIND_APP_READER, NF_APP, NF_APP),
    "attachment.delete": (NF_APP, NF_APP, KIND_ENT, KIND_ENT, KIND_ENT),
    # The sub-centre reads its enterprises' operators (the API; it has no operator screen): A's is not its.
    "operator.get": (NF_OP, NF_OP, KIND_OP_READER, KIND_OP_READER, NF_OP),
    "operator.cancel": ("403 kind_not_allowed", NF_OP, KIND_ENT, KIND_ENT, KIND_ENT),
    # An operator card reads its own card through the API (the screens' card pages are the legal card's and
    # the sub-centre's): A's card is not its own.
    "card.get": (KIND_CARD_READER, NF_CARD, NF_CARD, KIND_CARD_READER, NF_CARD),
    "card.freeze": (KIND_CARD_READER, NF_CARD, NF_CARD, KIND_CARD_READER, NF_CARD),
    "card.report_lost": (KIND_CARD_READER, NF_CARD, NF_CARD, KIND_CARD_READER, NF_CARD),
    "card.make": ("403 ra_only", "403 ra_only", "403 ra_only", "403 ra_only", "404 enterprise_not_found"),
    "card.make_from_request": (*["403 ra_only"] * 4, NF_APP),
    "legal_requests": (None, None, KIND_ENT, KIND_ENT, KIND_ENT),
    "legal_requests.create": (None, "403 kind_not_allowed", KIND_ENT, KIND_ENT, KIND_ENT),
    "legal_requests.queue": (*["403 ra_only"] * 4, None),
    "enterprise.progress": (None, None, KIND_ENT, KIND_ENT, KIND_ENT),
    "card.permission": ("403 kind_not_allowed", NF_CARD, KIND_ENT, KIND_ENT, KIND_ENT),
    "step.approve": (KIND_REVIEWER, KIND_REVIEWER, KIND_REVIEWER, NF_STEP, NF_STEP),
    "step.return": (KIND_REVIEWER, KIND_REVIEWER, KIND_REVIEWER, NF_STEP, NF_STEP),
    "account.approve": (KIND_LEGAL, "404 account_not_found", KIND_LEGAL, KIND_LEGAL, KIND_LEGAL),
    "account.refuse": (KIND_LEGAL, "404 account_not_found", KIND_LEGAL, KIND_LEGAL, KIND_LEGAL),
    "enterprise": (None, None, KIND_ENT, KIND_ENT, KIND_ENT),
    "filings": (None, None, KIND_ENT, KIND_ENT, KIND_ENT),
    "filings.cards": ("403 legal_card_required", None, *["403 legal_card_required"] * 3),
    "accounts": (KIND_LEGAL, None, KIND_LEGAL, KIND_LEGAL, KIND_LEGAL),
    "reviews": (KIND_REVIEWER, KIND_REVIEWER, KIND_REVIEWER, None, None),
    "applications": (None, None, KIND_ENT, KIND_ENT, KIND_ENT),
    "broker.registration.get": (NF_APP, NF_APP, KIND_APP_READER, NF_APP, NF_APP),
    "broker.registration.patch": (NF_APP, NF_APP, KIND_ENT, KIND_ENT, KIND_ENT),
    # an aic reviewer and another sub-centre are not the 报关协会 it waits at
    "broker.step.approve": (KIND_REVIEWER, KIND_REVIEWER, KIND_REVIEWER, NF_STEP, NF_STEP),
    "broker.step.return": (KIND_REVIEWER, KIND_REVIEWER, KIND_REVIEWER, NF_STEP, NF_STEP),
    "brokers": (None, None, None, "403 enterprise_user_required", "403 enterprise_user_required"),
    # 三方协议: B's own list (empty); A's agreement is not found; an operator card and staff read none
    "agreements": (None, None, *[KIND_AGREEMENT] * 3),
    "agreement.pdf": (NF_AGREEMENT, NF_AGREEMENT, *[KIND_AGREEMENT] * 3),
    "agreement.terminate": (KIND_SIGNER, NF_AGREEMENT, *[KIND_SIGNER] * 3),
    "agreement.application.get": (NF_APP, NF_APP, KIND_APP_READER, NF_APP, NF_APP),
    # an aic reviewer and another sub-centre are not the customs unit it waits at
    "agreement.step.approve": (KIND_REVIEWER, KIND_REVIEWER, KIND_REVIEWER, NF_STEP, NF_STEP),
    "agreement.step.return": (KIND_REVIEWER, KIND_REVIEWER, KIND_REVIEWER, NF_STEP, NF_STEP),
    # Cards of B (with the permission): A's dossier does not exist for them; staff outside customs:5300 alike.
    # Changing it is a card's business (403 subsystem_not_granted for staff); 重传指令 customs' (403 customs_required).
    "dossier.get": (CARD_REQ, NF_DOSSIER, NF_DOSSIER, NF_DOSSIER, NF_DOSSIER),
    "dossier.document": (CARD_REQ, NF_DOSSIER, NF_DOSSIER, NF_DOSSIER, NF_DOSSIER),
    "dossier.upload": (CARD_REQ, NF_DOSSIER, NF_DOSSIER, CARD_REQ, CARD_REQ),
    "dossier.declare": (CARD_REQ, NF_DOSSIER, NF_DOSSIER, CARD_REQ, CARD_REQ),
    "dossier.reupload_request": (CUSTOMS_REQ, CUSTOMS_REQ, CUSTOMS_REQ, NF_DOSSIER, NF_DOSSIER),
    # Opening A's number for A: B is not A, and holds no delegation of A.
    "dossier.open": (CARD_REQ, "403 delegation_required", "403 delegation_required", CARD_REQ, CARD_REQ),
    "dossiers": (CARD_REQ, None, None, None, None),
    # a card without the subsystem, or no card at all, is refused as such; B's card that has it: not found
    "delegation.get": (NO_SUB, NO_SUB, NF_DLG, NO_SUB, NO_SUB),
    "delegation.pdf": (NO_SUB, NO_SUB, NF_DLG, NO_SUB, NO_SUB),
    "delegation.accept": (NO_SUB, NO_SUB, NF_DLG, NO_SUB, NO_SUB),
    "delegation.reject": (NO_SUB, NO_SUB, NF_DLG, NO_SUB, NO_SUB),
    "delegation.revoke": (NO_SUB, NO_SUB, NF_DLG, NO_SUB, NO_SUB),
    "delegations": (NO_SUB, NO_SUB, None, NO_SUB, NO_SUB),
    # B's legal card holds 加贸权限管理: A's grant is not found for it; every other actor lacks the subsystem
    "grant.patch": (NO_SUB, NF_GRANT, NO_SUB, NO_SUB, NO_SUB),
    "grant.delete": (NO_SUB, NF_GRANT, NO_SUB, NO_SUB, NO_SUB),
    "grants": (NO_SUB, None, NO_SUB, NO_SUB, NO_SUB),
    # 海关企业管理: B's legal card holds it but B has no registration of its own (A's is never shown); the
    # others lack the subsystem. A's 延续 is not found for B and for staff outside customs:5300.
    "registration": (NO_SUB, NF_REG, NO_SUB, NO_SUB, NO_SUB),
    "registration.annual_report": (NO_SUB, NF_REG, NO_SUB, NO_SUB, NO_SUB),
    "registration.applications": (NO_SUB, None, NO_SUB, NO_SUB, NO_SUB),
    "registration.renewal.get": (NF_APP, NF_APP, KIND_APP_READER, NF_APP, NF_APP),
    "registration.step.approve": (KIND_REVIEWER, KIND_REVIEWER, KIND_REVIEWER, NF_STEP, NF_STEP),
    # 快件通关: B's operator card holds express (A's declaration is not found for it, its own lists are its
    # business); the others lack the subsystem; 放行/退单 are customs' (an aic reviewer and a sub-centre are not)
    "express.declarations": (NO_SUB, NO_SUB, None, CUSTOMS_REQ, CUSTOMS_REQ),
    "express.upload": (NO_SUB, NO_SUB, None, NO_SUB, NO_SUB),
    "express.get": (NO_SUB, NO_SUB, NF_X, CUSTOMS_REQ, CUSTOMS_REQ),
    "express.patch": (NO_SUB, NO_SUB, NF_X, NO_SUB, NO_SUB),
    "express.release": (CUSTOMS_REQ,) * 5,
    "express.return": (CUSTOMS_REQ,) * 5,
    "express.pdf": (NO_SUB, NO_SUB, NF_X, CUSTOMS_REQ, CUSTOMS_REQ),
    "express.receipts": (NO_SUB, NO_SUB, None, NO_SUB, NO_SUB),
    # 出口收汇: B's operator card holds it (its own requests and forms; A's are not found for it); no other actor
    # holds it. 发单 and 核销 are the 外汇局's, 登记出口报关单 the port's customs' (an aic reviewer is neither).
    "er.requests.create": (NO_SUB, NO_SUB, None, NO_SUB, NO_SUB),
    "er.requests": (NO_SUB, NO_SUB, None, NO_SUB, NO_SUB),
    "er.issue": (*[BUREAU_REQ] * 5,),
    "er.forms": (NO_SUB, NO_SUB, None, NO_SUB, NO_SUB),
    "er.export": (NO_SUB, NO_SUB, None, NO_SUB, NO_SUB),
    "er.get": (NO_SUB, NO_SUB, NF_FORM, NO_SUB, NO_SUB),
    "er.port_filing": (NO_SUB, NO_SUB, NF_FORM, NO_SUB, NO_SUB),
    "er.batch": (NO_SUB, NO_SUB, "409 nothing_to_file", NO_SUB, NO_SUB),  # none of B's from A's number on
    "er.revoke": (NO_SUB, NO_SUB, NF_FORM, NO_SUB, NO_SUB),
    "er.hand_in": (NO_SUB, NO_SUB, NF_FORM, NO_SUB, NO_SUB),
    "er.report_lost": (NO_SUB, NO_SUB, NF_FORM, NO_SUB, NO_SUB),
    "er.write_off": (*[BUREAU_REQ] * 5,),
    "er.declaration": (*["403 customs_required"] * 5,),
    # 我的导出: another account's job, whoever asks, is not found (its owner alone sees it).
    "export.get": (*["404 export_not_found"] * 5,),
    "export.file": (*["404 export_not_found"] * 5,),
}

SCREEN_EXPECT = {
    "application.get": (404, 404, 403, 404, 404),
    "application.delete": (404, 404, 403, 403, 403),
    "attachment.upload": (404, 404, 403, 403, 403),
    "attachment.get": (404, 404, 403, 404, 404),
    "attachment.delete": (404, 404, 403, 403, 403),
    "declaration.edit": (404, 404, 403, 403, 403),
    "declaration.delete": (404, 404, 403, 403, 403),
    "operator.get": (404, 404, 403, 403, 403),
    "operator.change": (403, 404, 403, 403, 403),
    "operator.cancel": (403, 404, 403, 403, 403),
    "card.get": (403, 404, 403, 403, 404),
    "card.freeze": (403, 404, 403, 403, 404),
    "card.renew": (403, 404, 403, 403, 404),
    "card.permission": (403, 404, 403, 403, 403),
    "card.make_from_request": (403, 403, 403, 403, 404),
    "card.make_from_request.post": (403, 403, 403, 403, 404),
    "legal_requests.queue": (403, 403, 403, 403, None),
    "start": (None, None, 403, 403, 403),
    "step.get": (403, 403, 403, 404, 404),
    "step.approve": (403, 403, 403, 404, 404),
    "account.approve": (403, 404, 403, 403, 403),
    "enterprise.change": (403, None, 403, 403, 403),
    "filings": (None, None, 403, 403, 403),
    "filings.cards": (403, None, 403, 403, 403),
    "accounts": (403, None, 403, 403, 403),
    "reviews": (403, 403, 403, None, None),
    "status": (None, None, 403, 403, 403),
    # Another sub-centre's officer may open the page, but its own session holds nothing under the key: 410.
    "card.made": (403, 403, 403, 403, 410),
    "card.made.file": (403, 403, 403, 403, 410),
    "card.unlocked": (403, 404, 403, 403, 404),
    "broker.registration.get": (404, 404, 403, 404, 404),
    "broker.step.get": (403, 403, 403, 404, 404),
    "broker.step.approve": (403, 403, 403, 404, 404),
    "broker_registration": (None, None, 403, 403, 403),
    "brokers": (None, None, None, 403, 403),
    "agreements": (None, None, 403, 403, 403),
    "agreement.sign": (403, None, 403, 403, 403),
    "agreement.pdf": (404, 404, 403, 403, 403),
    "agreement.terminate": (403, 404, 403, 403, 403),
    "agreement.application.pdf": (404, 404, 403, 404, 404),
    "agreement.step.get": (403, 403, 403, 404, 404),
    "agreement.step.approve": (403, 403, 403, 404, 404),
    "dossier.get": (403, 404, 404, 404, 404),
    "dossier.document": (403, 404, 404, 404, 404),
    "dossier.upload": (403, 404, 404, 404, 404),
    "dossier.declare": (403, 404, 404, 404, 404),
    "dossier.reupload_request": (403, 404, 404, 404, 404),
    "delegation.get": (403, 403, 404, 403, 403),
    "delegation.pdf": (403, 403, 404, 403, 403),
    "delegation.accept": (403, 403, 404, 403, 403),
    "delegation.revoke": (403, 403, 404, 403, 403),
    "delegations": (403, 403, None, 403, 403),
    "grant.edit": (403, 404, 403, 403, 403),
    "grant.edit.post": (403, 404, 403, 403, 403),
    "grant.delete": (403, 404, 403, 403, 403),
    "grants": (403, None, 403, 403, 403),
    "registration": (403, 404, 403, 403, 403),
    "registration.annual_report": (403, 404, 403, 403, 403),
    # B's legal card may open the page: it says why B may not apply (no registration), nothing of A
    "registration.renewal": (403, None, 403, 403, 403),
    "registration.renewal.get": (404, 404, 403, 404, 404),
    "registration.step.approve": (403, 403, 403, 404, 404),
    "express.list": (403, 403, None, 403, 403),
    "express.upload": (403, 403, None, 403, 403),
    "express.review": (403, 403, 403, 403, 403),
    "express.declaration": (403, 403, 404, 403, 403),
    "express.category": (403, 403, 404, 403, 403),
    "express.release": (403, 403, 404, 403, 403),
    "express.return": (403, 403, 404, 403, 403),
    "express.print": (403, 403, 404, 403, 403),
    "express.pdf": (403, 403, 404, 403, 403),
    # 出口收汇's screens: only its parties open them (a card holding it, a forex or customs reviewer)
    "er.forms": (403, 403, None, 403, 403),
    "er.requests": (403, 403, None, 403, 403),
    "er.request_new": (403, 403, None, 403, 403),
    "er.issue": (403, 403, 404, 403, 403),
    "er.get": (403, 403, 404, 403, 403),
    "er.port_filing": (403, 403, 404, 403, 403),
    "er.revoke": (403, 403, 404, 403, 403),
    "er.declare": (403, 403, 404, 403, 403),
    # B's own 批量备案 page answers (409, the refusal beside its list): A's number lists none of B's forms
    "er.batch": (403, 403, None, 403, 403),
    "export.file": (404, 404, 404, 404, 404),
}

# Anonymous on the screens: sent to sign in, at the card sign-in where only a card may go.
CARD_SIGN_IN = {
    "operator.change",
    "operator.cancel",
    "card.get",
    "card.freeze",
    "card.renew",
    "card.permission",
    "account.approve",
    "enterprise.change",
    "filings.cards",
    "accounts",
    "card.unlocked",
    "agreement.sign",
    "agreement.terminate",
    "delegation.get",
    "delegation.pdf",
    "delegation.accept",
    "delegation.revoke",
    "delegations",
    "grant.edit",
    "grant.edit.post",
    "grant.delete",
    "grants",
    "registration",
    "registration.annual_report",
    "registration.renewal",
    "er.forms",
    "er.requests",
    "er.request_new",
    "er.issue",
    "er.get",
    "er.port_filing",
    "er.revoke",
    "er.declare",
    "er.batch",
}


def cases():
    for skin, table in (("api", API_EXPECT), ("screen", SCREEN_EXPECT)):
        for endpoint, row in table.items():
            assert len(row) == len(SIGNED_IN), endpoint
            yield pytest.param(skin, endpoint, "anonymous", None, id=f"{skin}-{endpoint}-anonymous")
            for actor, want in zip(SIGNED_IN, row, strict=True):
                if want is None:
                    continue
                yield pytest.param(skin, endpoint, actor, want, id=f"{skin}-{endpoint}-{actor}")


@pytest.mark.parametrize("skin, endpoint, actor, want", list(cases()))
def test_scoping(w, client, skin, endpoint, actor, want):
    user = w.users[actor]
    if skin == "screen" and user is not None:
        client.force_login(user)
    before = snapshot(w)
    if skin == "api":
        r = call_api(w.apis[actor], API[endpoint], w)
        assert r["Content-Type"].startswith("application/json"), r["Content-Type"]
        status, _, code = ("401 not_authenticated" if user is None else want).partition(" ")
        assert r.status_code == int(status), (r.status_code, r.content[:300])
        if not code.startswith("("):  # an intended refusal names no code yet
            assert set(r.json()) == {"error"} and r.json()["error"]["code"] == code, r.content[:300]
    else:
        call = SCREENS[endpoint]
        r = call_screen(client, call, w)
        if user is None:
            login = "/card/login/" if endpoint in CARD_SIGN_IN else "/login/"
            assert r.status_code == 302, r.status_code
            assert r["Location"].startswith(f"{login}?next="), r["Location"]
        else:
            assert r.status_code == want, r.status_code
            page = "web/ra_card_made.html" if want == 410 else "web/error.html"  # 410: "nothing to show"
            assert page in [t.name for t in r.templates], [t.name for t in r.templates]
        body = r.content if r.get("Content-Type", "").startswith("text/") else b""
        assert SECRET_PIN.encode() not in body and SECRET_PASSWORD.encode() not in body
        assert SECRET_FILE not in r.content
    assert snapshot(w) == before


def test_the_one_time_secrets_are_there_for_their_own_session(w):
    """The matrix's one-time keys are real: the session that made them is shown the secret, once."""
    first = w.officer.get(f"/ra/cards/made/{w.made_key}/")
    assert first.status_code == 200 and SECRET_PIN in first.content.decode()
    again = w.officer.get(f"/ra/cards/made/{w.made_key}/")
    assert again.status_code == 200 and SECRET_PIN not in again.content.decode()


@pytest.mark.parametrize(
    "unit, call, want",
    [
        (
            "forex:440100",
            Call("post", "/export-receipts/requests/{erreq}/issue", {"count": 1}),
            "request_not_found",
        ),
        ("forex:440100", Call("post", "/export-receipts/{erfiled}/write-off"), "form_not_found"),
        ("forex:440100", Call("post", "/export-receipts/{erform}/report-lost"), "form_not_found"),
        ("forex:440100", Call("get", "/export-receipts/{erform}"), "form_not_found"),
        (
            "customs:2200",
            Call("post", "/export-receipts/{erfiled}/declaration", {"decl_no": "530120260000000001"}),
            "form_not_found",
        ),
        ("customs:2200", Call("get", "/export-receipts/{erfiled}"), "form_not_found"),
    ],
)
def test_export_receipt_reviewers_outside_their_unit_find_nothing(w, unit, call, want):
    """A 外汇局 other than A's (forex:440300) and a customs other than the filed port's (5301, under 5300)."""
    before = snapshot(w)
    r = call_api(Api(f.staff("reviewer", unit)), call, w)
    assert r.status_code == 404 and r.json()["error"]["code"] == want, r.content[:300]
    before["accounts"] = snapshot(w)["accounts"]  # the reviewer made for the case
    assert snapshot(w) == before
