"""Reads of the paperless agreements that other apps ask (delegations, declarations)."""

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from eport.accounts.permissions import ENTERPRISE_ACTORS, acting_enterprise
from eport.applications.selectors import application_get
from eport.errors import Forbidden, NotFound
from eport.refdata.models import CustomsDistrict

from .codes import Code
from .models import Agreement, AgreementState


def approved_customs(enterprise) -> set[str]:
    """The 关区 (XX00) where the enterprise's agreement is approved: paperless declaration allowed."""
    return set(
        Agreement.objects.filter(enterprise=enterprise, state=AgreementState.APPROVED).values_list(
            "customs", flat=True
        )
    )


def has_approved(enterprise, customs: str) -> bool:
    """Whether paperless declaration is allowed for the enterprise in the 关区 of `customs` (any district
    of a direct customs counts as its direct customs)."""
    direct = (customs or "")[:2] + "00"
    return Agreement.objects.filter(
        enterprise=enterprise, customs=direct, state=AgreementState.APPROVED
    ).exists()


# --- who reads the agreements: the enterprise's own actors; the customs reviewers through their queue -------


def _named(qs):
    """With each row's 关区名称 (`customs_name`)."""
    return qs.annotate(
        customs_name=Subquery(CustomsDistrict.objects.filter(code=OuterRef("customs")).values("name")[:1])
    )


def _reader_enterprise(actor):
    """The enterprise whose agreements the actor reads: its card-less user and its legal card. An operator
    card, staff and the rest are refused here (staff read an agreement through the review they hold)."""
    if getattr(actor, "kind", None) not in ENTERPRISE_ACTORS:
        raise Forbidden(Code.AGREEMENT_READER_REQUIRED, _("只有本企业用户和审核海关可以查看三方协议。"))
    return acting_enterprise(actor)


def agreements_current(actor) -> QuerySet[Agreement]:
    """三方协议查询: per 关区 the enterprise's latest agreement (live, or the last returned or terminated),
    with its 关区名称, by 关区."""
    enterprise = _reader_enterprise(actor)
    latest = Agreement.objects.filter(enterprise=enterprise, customs=OuterRef("customs")).order_by(
        "-signed_at", "-pk"
    )
    return _named(
        Agreement.objects.filter(enterprise=enterprise, pk=Subquery(latest.values("pk")[:1]))
    ).order_by("customs")


def agreement_for(actor, customs: str) -> Agreement:
    """The enterprise's latest agreement of that 关区 (its signed PDF); none → 404."""
    enterprise = _reader_enterprise(actor)
    a = (
        _named(Agreement.objects.filter(enterprise=enterprise, customs=(customs or "").strip()))
        .order_by("-signed_at", "-pk")
        .first()
    )
    if a is None:
        raise NotFound(Code.AGREEMENT_NOT_FOUND, _("没有找到该关区的三方协议。"), "customs")
    return a


def agreement_of_application(actor, application_id) -> Agreement:
    """The agreement an application is about, for whoever may see that application (the engine's scoping:
    the enterprise's actors, the reviewers of the unit its current round is routed to); else 404."""
    app = application_get(actor, application_id)
    a = Agreement.objects.filter(application=app).first()
    if a is None:
        raise NotFound(Code.AGREEMENT_NOT_FOUND, _("没有找到该关区的三方协议。"))
    return a


def customs_names(codes) -> dict[str, str]:
    return dict(CustomsDistrict.objects.filter(code__in=list(codes)).values_list("code", "name"))
