"""Reads of 报关单电子随附单据, scoped to what the actor may see: a kind with no business here is refused
(403: who the actor is); another enterprise's dossier, or one outside a customs officer's 关区, is missing
(404: whose it is)."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from eport.accounts.permissions import is_staff, jurisdiction_codes
from eport.cards.models import Card
from eport.cards.selectors import card_may, subsystem_card
from eport.cards.subsystems import SUBSYSTEM_RIGHTS
from eport.errors import Forbidden, InvalidInput, NotFound
from eport.filters import filter_choice, filter_given
from eport.refdata.models import Dept

from .codes import Code
from .models import DECLARED_STATES, DocType, Document, Dossier, DossierState, ReuploadRequest

SUBSYSTEM = "paperless_documents"


def require_declarer(actor, *, right: str | None = None) -> Card:
    """A usable card of the declaring enterprise with the 报关单电子随附单据 permission valid today (the menu's
    rule, `cards.selectors.subsystem_card`: 403 `subsystem_not_granted`) and `right` within it (`entry`
    报关单录入, `declare` 报关申报: 403 `right_required`)."""
    card = subsystem_card(actor, SUBSYSTEM)
    if right is not None and not card_may(card, SUBSYSTEM, right):
        name = _(dict(SUBSYSTEM_RIGHTS[SUBSYSTEM])[right])
        raise Forbidden(
            Code.RIGHT_REQUIRED,
            _("这张IC卡没有“%(r)s”权限，请由法人卡在IC卡权限申请中授予。") % {"r": name},
        )
    return card


def customs_codes(actor) -> list[str]:
    """The direct customs (XX00) whose dossiers the officer sees: the customs units of its jurisdiction."""
    return jurisdiction_codes(actor, Dept.CUSTOMS)


def require_customs(actor) -> None:
    if not is_staff(actor):
        raise Forbidden(Code.CUSTOMS_REQUIRED, _("只有海关审核人员可以发布重传指令。"))


def _open_requests():
    return ReuploadRequest.objects.filter(dossier=OuterRef("pk"), satisfied_at__isnull=True)


def _missing() -> NotFound:
    return NotFound(Code.DOSSIER_NOT_FOUND, _("没有找到这份报关单。"))


def declarer_dossiers(actor) -> QuerySet:
    """The declaring enterprise's dossiers (its cards with the permission)."""
    require_declarer(actor)
    return (
        Dossier.objects.filter(declarant_id=actor.enterprise_id)
        .select_related("consignor", "declarant")
        .annotate(has_open_request=Exists(_open_requests()))
    )


def customs_dossiers(actor) -> QuerySet:
    """The declared dossiers of the officer's 关区 (before 申报 a dossier is the declarer's alone)."""
    require_customs(actor)
    return (
        Dossier.objects.filter(direct_customs__in=customs_codes(actor), state__in=DECLARED_STATES)
        .select_related("consignor", "declarant")
        .annotate(has_open_request=Exists(_open_requests()))
    )


def enterprise_dossiers(actor) -> QuerySet:
    """What an enterprise's cards read: the dossiers it declares, and those a broker declared in its name
    (the consignor's, once declared: read only, the changes are the declarant's, `declarer_dossier`)."""
    require_declarer(actor)
    own = Q(declarant_id=actor.enterprise_id) | Q(consignor_id=actor.enterprise_id, state__in=DECLARED_STATES)
    return (
        Dossier.objects.filter(own)
        .select_related("consignor", "declarant")
        .annotate(has_open_request=Exists(_open_requests()))
    )


def visible_dossiers(actor) -> QuerySet:
    return customs_dossiers(actor) if is_staff(actor) else enterprise_dossiers(actor)


def _one(qs: QuerySet, decl_no) -> Dossier:
    dossier = qs.filter(decl_no=str(decl_no or "").strip()).first()
    if dossier is None:
        raise _missing()
    return dossier


def declarer_dossier(actor, decl_no) -> Dossier:
    return _one(declarer_dossiers(actor), decl_no)


def customs_dossier(actor, decl_no) -> Dossier:
    return _one(customs_dossiers(actor), decl_no)


def dossier_get(actor, decl_no) -> Dossier:
    """One dossier for the declarer's cards (the consignor's too, once declared) or the customs of its 关区."""
    return _one(visible_dossiers(actor), decl_no)


def dossier_filter(
    qs: QuerySet, *, decl_no: str = "", state: str = "", reupload: str = "", customs: str = ""
):
    """The lists' filters: a number (prefix), a state, only those with an open 重传指令, a 关区."""
    qs = filter_given(qs, decl_no__startswith=(decl_no or "").strip())
    qs = filter_given(qs, customs=(customs or "").strip())
    qs = filter_choice(qs, "state", state, DossierState.values, Code.STATE_INVALID, _("没有这个状态。"))
    if reupload in ("1", "true", True):
        qs = qs.filter(has_open_request=True)
    return qs


def document_rows(dossier: Dossier) -> list[dict]:
    """One row per document type, in the manual's order: the document (or None) and its open 重传指令."""
    docs = {d.doc_type: d for d in dossier.documents.all()}
    open_requests = {r.doc_type: r for r in dossier.reupload_requests.filter(satisfied_at__isnull=True)}
    return [
        {
            "doc_type": t.value,
            "label": t.label,
            "document": docs.get(t.value),
            "request": open_requests.get(t.value),
        }
        for t in DocType
    ]


def document_get(actor, decl_no, doc_type) -> Document:
    dossier = dossier_get(actor, decl_no)
    doc = dossier.documents.filter(doc_type=doc_type).first()
    if doc is None:
        raise NotFound(Code.DOSSIER_NOT_FOUND, _("这份报关单没有这类随附单据。"))
    return doc


def reupload_requests(dossier: Dossier):
    return dossier.reupload_requests.select_related("requested_by").order_by("-requested_at", "-id")


REUPLOAD_STATUSES = ("open", "satisfied")


def reupload_list(actor, *, decl_no: str = "", status: str = "", doc_type: str = "") -> QuerySet:
    """重新上传 (the declarer: its dossiers' 重传指令) and customs' list of its 关区's 重传指令: newest first;
    `status` open / satisfied / "" (all)."""
    qs = ReuploadRequest.objects.filter(dossier__in=visible_dossiers(actor).values("pk")).select_related(
        "dossier", "dossier__declarant", "dossier__consignor"
    )
    qs = filter_given(qs, dossier__decl_no__startswith=(decl_no or "").strip())
    qs = filter_choice(
        qs, "doc_type", doc_type, DocType.values, Code.DOC_TYPE_INVALID, _("请选择正确的单据类型。")
    )
    if status and status not in REUPLOAD_STATUSES:
        raise InvalidInput(Code.STATE_INVALID, _("没有这个状态。"), "status")
    if status:
        qs = qs.filter(satisfied_at__isnull=(status == "open"))
    return qs.order_by("-requested_at", "-id")
