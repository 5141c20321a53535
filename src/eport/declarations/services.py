"""The rules of 报关单电子随附单据 (SPEC §6.3), shared by the API and the screens. Every change is one
transaction, audited; the dossier row is locked first (before the audit's chain head).

Who: a card (legal or operator) of the declaring enterprise holding the `paperless_documents` permission
(selectors.require_declarer); 录入 (opening a dossier, uploading) needs its right `entry`, 申报 its right
`declare`. Customs: reviewers whose jurisdiction covers the `customs:XX00` unit of the dossier's direct
customs (selectors.customs_dossier).

Whose: the consignor itself (its paperless agreement approved for that 关区) or a broker holding a live
delegation of that consignor for that 关区 and direction. Both are checked at every change up to 申报;
after it, a re-upload answers customs for what was declared then.
"""

import hashlib
import io
import re

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.agreements.selectors import has_approved
from eport.applications import files
from eport.audit.services import record
from eport.delegations.selectors import live_delegation
from eport.enterprises.models import Enterprise
from eport.errors import Conflict, Forbidden, InvalidInput, TooLarge
from eport.refdata.lookup import direct_customs
from eport.refdata.models import CustomsDistrict

from . import notify
from .codes import Code
from .models import NO_REUPLOAD, DocType, Document, Dossier, DossierState, ReuploadRequest
from .selectors import customs_dossier, declarer_dossier, require_declarer

MAX_FILE_BYTES = 20 * 1024 * 1024  # seed 000: "每个报文不能超过20M"
MAX_PAGE_BYTES = 200 * 1024  # "每页不能超过200k" (applications/files.page_bytes says what a page's size is)
DECL_NO_RE = re.compile(r"[0-9]{18}")
# The 9th digit of a 报关单号 is the 进出口标志: 1 import, 0 export (关区 4 + 年份 4 + 标志 1 + 顺序号 9).
DIRECTION_FLAG = {"I": "1", "E": "0"}


def _clean_decl_no(decl_no) -> str:
    value = str(decl_no or "").strip()
    if not DECL_NO_RE.fullmatch(value):
        raise InvalidInput(Code.DECL_NO_INVALID, _("报关单号为18位数字。"), "decl_no")
    return value


def _declaring_party(actor, *, consignor: Enterprise, customs: str, direction: str):
    """The delegation a broker declares under (None when the consignor declares itself), or the refusal."""
    own = actor.enterprise
    if consignor.pk == own.pk:
        if not has_approved(own, customs):
            raise Conflict(
                Code.AGREEMENT_REQUIRED,
                _(
                    "本企业在关区 %(c)s 尚未签约通关无纸化（三方协议未经海关审批），请先办理通关无纸化网上签约。"
                )
                % {"c": direct_customs(customs)},
                "customs",
            )
        return None
    delegation = live_delegation(
        consignor=consignor, broker_enterprise=own, customs=customs, direction=direction
    )
    if delegation is None:
        raise Forbidden(
            Code.DELEGATION_REQUIRED,
            _("没有该经营单位在关区 %(c)s %(d)s的有效代理报关委托（须已接受且在有效期内）。")
            % {"c": direct_customs(customs), "d": _("进口") if direction == "I" else _("出口")},
            "consignor",
        )
    return delegation


def _consignor(code) -> Enterprise:
    code = str(code or "").strip().upper()
    e = None
    if code:
        e = Enterprise.objects.filter(candidate=False, uscc=code).first()
        e = e or Enterprise.objects.filter(candidate=False, org_code=code).first()
    if e is None:
        # The same answer as a known enterprise that delegated nothing: the number says nothing about others.
        raise Forbidden(
            Code.DELEGATION_REQUIRED,
            _("没有该经营单位在这个关区和进出口方向的有效代理报关委托（须已接受且在有效期内）。"),
            "consignor",
        )
    return e


def dossier_open(*, actor, decl_no, consignor, customs, direction) -> tuple[Dossier, bool]:
    """录入: open the dossier of a declaration (or return the declarant's own one, unchanged). Answers
    (dossier, created). A broker's dossier gets the delegation's signed PDF as its 代理报关委托 at once."""
    require_declarer(actor, right="entry")
    decl_no = _clean_decl_no(decl_no)
    customs = str(customs or "").strip()
    if not re.fullmatch(r"[0-9]{4}", customs) or not CustomsDistrict.objects.filter(code=customs).exists():
        raise InvalidInput(Code.CUSTOMS_UNKNOWN, _("没有这个关区代码。"), "customs")
    direction = str(direction or "").strip().upper()
    if direction not in DIRECTION_FLAG:
        raise InvalidInput(Code.DIRECTION_INVALID, _("进出口须为 I（进口）或 E（出口）。"), "direction")
    if decl_no[:4] != customs or decl_no[8] != DIRECTION_FLAG[direction]:
        raise InvalidInput(
            Code.DECL_NO_INVALID,
            _("报关单号与关区或进出口不符：前4位为申报关区，第9位为进出口标志（1 进口，0 出口）。"),
            "decl_no",
        )
    party = _consignor(consignor)
    delegation = _declaring_party(actor, consignor=party, customs=customs, direction=direction)
    existing = Dossier.objects.filter(decl_no=decl_no).first()
    if existing is not None:
        return _existing(actor, existing, party, customs, direction), False
    now = timezone.now()
    stored = None
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                decl_no=decl_no,
                consignor=party,
                declarant=actor.enterprise,
                delegation=delegation,
                customs=customs,
                direct_customs=direct_customs(customs),
                direction=direction,
                state=DossierState.UPLOADED,
                created_by=actor,
            )
            record(
                actor=actor,
                action="declaration.open",
                obj=dossier,
                after={
                    "decl_no": decl_no,
                    "consignor": party.pk,
                    "declarant": actor.enterprise_id,
                    "customs": customs,
                    "direction": direction,
                    "delegation": delegation.pk if delegation else None,
                },
            )
            if delegation is not None:
                doc = Document(
                    dossier=dossier,
                    doc_type=DocType.DELEGATION,
                    original_name=f"delegation-{delegation.pk}.pdf",
                    size=len(delegation.pdf),
                    sha256=hashlib.sha256(bytes(delegation.pdf)).hexdigest(),
                    # measured like an upload (the system's own PDF: within the limits by construction)
                    pages=files.pdf_check(
                        io.BytesIO(bytes(delegation.pdf)), max_page_bytes=MAX_PAGE_BYTES
                    ).pages,
                    source="delegation",
                    uploaded_by=actor,
                    uploaded_at=now,
                )
                doc.file.save("delegation", ContentFile(bytes(delegation.pdf)), save=False)
                stored = doc.stored_name
                doc.save()
                record(
                    actor=actor,
                    action="declaration.document",
                    obj=dossier,
                    after={"doc_type": DocType.DELEGATION, "source": "delegation", "sha256": doc.sha256},
                )
    except IntegrityError:
        if stored:
            default_storage.delete(stored)
        # Opened by someone else at the same moment: their dossier answers as a known one does.
        return _existing(actor, Dossier.objects.get(decl_no=decl_no), party, customs, direction), False
    except Exception:
        if stored:
            default_storage.delete(stored)
        raise
    return dossier, True


def _existing(actor, dossier: Dossier, consignor, customs, direction) -> Dossier:
    if dossier.declarant_id != actor.enterprise_id:
        raise Conflict(Code.DECL_NO_TAKEN, _("这个报关单号已由其他申报单位录入。"), "decl_no")
    if (dossier.consignor_id, dossier.customs, dossier.direction) != (consignor.pk, customs, direction):
        raise Conflict(
            Code.DOSSIER_MISMATCH,
            _("报关单 %(n)s 已录入，经营单位、关区或进出口与之不符。") % {"n": dossier.decl_no},
            "decl_no",
        )
    return dossier


def _still_declaring(actor, dossier: Dossier) -> None:
    """Before 申报: the consignor's agreement, or the broker's live delegation, still holds."""
    _declaring_party(actor, consignor=dossier.consignor, customs=dossier.customs, direction=dossier.direction)


def _checked_pdf(upload) -> files.PdfReport:
    if upload is None:
        raise InvalidInput(Code.FILE_REQUIRED, _("请选择要上传的PDF文件。"), "file")
    if upload.size > MAX_FILE_BYTES:
        raise TooLarge(Code.FILE_TOO_LARGE, _("每个文件不能超过20M，请拆分或压缩后再上传。"), "file")
    report = files.pdf_check(upload, max_page_bytes=MAX_PAGE_BYTES)
    if report.problem == "not_pdf":
        raise InvalidInput(Code.FILE_NOT_PDF, _("只能上传PDF文件（按文件内容识别，不看文件名）。"), "file")
    if report.problem == "encrypted":
        raise InvalidInput(Code.PDF_ENCRYPTED, _("PDF文件已加密，请去除密码保护后再上传。"), "file")
    if report.problem == "broken":
        raise InvalidInput(Code.PDF_BROKEN, _("PDF文件已损坏，无法读取，请重新生成后再上传。"), "file")
    if report.problem == "page_too_large":
        raise TooLarge(
            Code.PAGE_TOO_LARGE,
            _(
                "第%(p)d页为%(k)dK，每页不能超过200K（页面内容与所用图片之和），请降低该页的扫描分辨率后再上传。"
            )
            % {"p": report.page, "k": (report.page_bytes + 1023) // 1024},
            "file",
        )
    return report


def document_upload(*, actor, decl_no, doc_type, upload) -> Document:
    """上传 (and 重新上传): one PDF per type. Before 申报 a new file replaces the type's; after it, only a
    type under an open 重传指令, which it satisfies (all satisfied: 已重传)."""
    require_declarer(actor, right="entry")
    dossier = declarer_dossier(actor, decl_no)  # whose first: a file's size says nothing about others' ids
    if doc_type not in DocType.values:
        raise InvalidInput(Code.DOC_TYPE_INVALID, _("请选择正确的单据类型。"), "doc_type")
    if doc_type == DocType.DELEGATION:
        raise Conflict(
            Code.DELEGATION_NOT_UPLOADABLE,
            _("代理报关委托由系统按代理报关委托自动填入，不能手工上传。"),
            "doc_type",
        )
    _may_upload(dossier, doc_type)
    report = _checked_pdf(upload)
    upload.seek(0)
    sha = hashlib.sha256()
    for chunk in upload.chunks():
        sha.update(chunk)
    upload.seek(0)
    doc = Document(
        dossier=dossier,
        doc_type=doc_type,
        original_name=(upload.name or "file.pdf")[-200:],
        size=upload.size,
        pages=report.pages,
        sha256=sha.hexdigest(),
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    doc.file.save("upload", upload, save=False)
    name = doc.stored_name
    try:
        _document_save(actor, dossier.pk, doc, report)
    except Exception:
        default_storage.delete(name)  # nothing half-saved: no stored file without its row
        raise
    return doc


def _may_upload(dossier: Dossier, doc_type: str) -> None:
    if dossier.state == DossierState.UPLOADED:
        return
    if not dossier.reupload_requests.filter(doc_type=doc_type, satisfied_at__isnull=True).exists():
        raise Conflict(
            Code.DOCUMENT_LOCKED,
            _("报关单已申报：只有海关要求重传的单据可以重新上传。"),
            "doc_type",
        )


@transaction.atomic
def _document_save(actor, dossier_id: int, doc: Document, report) -> None:
    """Lock the dossier, check again under the lock, put the new document in the type's place (the
    replaced file is deleted once this commits)."""
    dossier = Dossier.objects.select_for_update().get(pk=dossier_id)
    _may_upload(dossier, doc.doc_type)
    if dossier.state == DossierState.UPLOADED:
        _still_declaring(actor, dossier)
    old = Document.objects.filter(dossier=dossier, doc_type=doc.doc_type).first()
    if old is not None:
        replaced = old.stored_name
        old.delete()
        transaction.on_commit(lambda: default_storage.delete(replaced))
    doc.dossier = dossier
    doc.save()
    after = {
        "doc_type": doc.doc_type,
        "size": doc.size,
        "pages": report.pages,
        "largest_page": report.largest,
        "sha256": doc.sha256,
    }
    before = {"sha256": old.sha256} if old else None
    if dossier.state == DossierState.UPLOADED:
        record(actor=actor, action="declaration.upload", obj=dossier, before=before, after=after)
        return
    # 重新上传: satisfies the type's open request; every request satisfied → 已重传.
    now = timezone.now()
    ReuploadRequest.objects.filter(dossier=dossier, doc_type=doc.doc_type, satisfied_at__isnull=True).update(
        satisfied_at=now
    )
    state_before = dossier.state
    if not dossier.reupload_requests.filter(satisfied_at__isnull=True).exists():
        dossier.state = DossierState.REUPLOADED
        dossier.save(update_fields=["state", "updated_at"])
    record(
        actor=actor,
        action="declaration.reupload",
        obj=dossier,
        before={**(before or {}), "state": state_before},
        after={**after, "state": dossier.state},
    )
    notify.reuploaded(dossier, doc.doc_type)


def declare(*, actor, decl_no) -> Dossier:
    """申报: needs the `declare` right and at least one document uploaded by hand (the 代理报关委托 the
    system fills in does not count). Customs then sees the dossier."""
    require_declarer(actor, right="declare")
    found = declarer_dossier(actor, decl_no)
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().get(pk=found.pk)
        if dossier.state != DossierState.UPLOADED:
            raise Conflict(Code.ALREADY_DECLARED, _("这份报关单已申报。"))
        _still_declaring(actor, dossier)
        uploaded = list(dossier.documents.filter(source="upload").values_list("doc_type", flat=True))
        if not uploaded:
            raise Conflict(Code.DOCUMENTS_REQUIRED, _("请至少上传一份随附单据（代理报关委托除外）后再申报。"))
        dossier.state = DossierState.DECLARED
        dossier.declared_at = timezone.now()
        dossier.declared_by = actor
        dossier.save(update_fields=["state", "declared_at", "declared_by", "updated_at"])
        record(
            actor=actor,
            action="declaration.declare",
            obj=dossier,
            before={"state": DossierState.UPLOADED},
            after={
                "state": dossier.state,
                "documents": sorted(dossier.documents.values_list("doc_type", flat=True)),
            },
        )
        notify.declared(dossier)
    return dossier


def reupload_request(*, actor, decl_no, doc_type, reason) -> ReuploadRequest:
    """重传指令: customs of the dossier's 关区 asks for one type again, with a reason; the declarer's contacts
    are told. Never for 代理报关委托 and the two 减免税 guarantees."""
    found = customs_dossier(actor, decl_no)
    if doc_type not in DocType.values:
        raise InvalidInput(Code.DOC_TYPE_INVALID, _("请选择正确的单据类型。"), "doc_type")
    if doc_type in NO_REUPLOAD:
        raise Conflict(
            Code.REUPLOAD_NOT_ALLOWED,
            _("%(t)s不允许重传（代理报关委托、减免税货物税款担保证明、减免税货物税款延期担保证明）。")
            % {"t": DocType(doc_type).label},
            "doc_type",
        )
    reason = str(reason or "").strip()
    if not reason:
        raise InvalidInput(Code.REASON_REQUIRED, _("请填写重传原因。"), "reason")
    if len(reason) > 500:
        raise InvalidInput(Code.REASON_REQUIRED, _("重传原因不能超过500个字符。"), "reason")
    try:
        with transaction.atomic():
            dossier = Dossier.objects.select_for_update().get(pk=found.pk)
            if dossier.reupload_requests.filter(doc_type=doc_type, satisfied_at__isnull=True).exists():
                raise Conflict(Code.REUPLOAD_OPEN, _("这类单据已有未完成的重传指令。"), "doc_type")
            req = ReuploadRequest.objects.create(
                dossier=dossier,
                doc_type=doc_type,
                reason=reason,
                requested_by=actor,
                requested_at=timezone.now(),
            )
            before = dossier.state
            dossier.state = DossierState.REUPLOAD_REQUIRED
            dossier.save(update_fields=["state", "updated_at"])
            record(
                actor=actor,
                action="declaration.reupload_request",
                obj=dossier,
                before={"state": before},
                after={"state": dossier.state, "doc_type": doc_type, "request": req.pk},
                reason=reason,
            )
            notify.reupload_requested(dossier, req)
    except IntegrityError as e:  # the same instruction at the same moment
        raise Conflict(Code.REUPLOAD_OPEN, _("这类单据已有未完成的重传指令。"), "doc_type") from e
    return req
