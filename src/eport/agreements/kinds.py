"""三方协议签约 (paperless_agreement) as a kind of the application engine (SPEC §6.1): the customs of the
关区 (its unit customs:XX00) reviews the signed agreement; approval makes it 签约海关审批 (paperless
declaration allowed there), a return 海关退回 with the opinion (the enterprise signs again: a new row).

An application of this kind is filed only by `services.agreement_sign`, in the transaction that makes its
Agreement row: the generic create finds no signed agreement waiting for it and is refused, and a returned
one is never edited or resubmitted (the enterprise signs a new agreement)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.accounts.models import UserKind
from eport.applications.kinds import Kind, register
from eport.applications.models import Status, StepStatus
from eport.audit.services import record
from eport.errors import Conflict
from eport.pki.documents import pdf_verify
from eport.refdata.lookup import unit_for
from eport.refdata.models import Dept

from .codes import Code
from .models import Agreement, AgreementState
from .services import receive

FIELDS = (
    ("customs", gettext_lazy("关区代码")),
    ("customs_name", gettext_lazy("关区名称")),
    ("enterprise_name", gettext_lazy("企业名称")),
    ("uscc", gettext_lazy("统一社会信用代码")),
    ("card_no", gettext_lazy("签约法人卡")),
    ("signed_at", gettext_lazy("签约时间")),
)


def _signed_elsewhere() -> Conflict:
    return Conflict(Code.SIGNED_IN_SUBSYSTEM, _("三方协议在通关无纸化网上签约中由法人卡签订。"), "kind")


@register
class PaperlessAgreement(Kind):
    code = "paperless_agreement"
    label = gettext_lazy("三方协议签约")
    number_prefix = "XY"
    filers = frozenset({UserKind.LEGAL_CARD})
    submitted_note = gettext_lazy("请等待海关审批。")
    returned_note = gettext_lazy("请在通关无纸化网上签约中重新签约。")
    document_screen = "web:agreement_application_pdf"
    document_label = gettext_lazy("查看签约的三方协议（PDF，含法人卡签名）")

    def label_of(self, application) -> str:
        d = application.data
        return _("三方协议签约（%(c)s %(n)s）") % {"c": d.get("customs", ""), "n": d.get("customs_name", "")}

    def may_change(self, actor, application) -> bool:
        # Only while agreement_sign files it (a draft never outlives that transaction); a returned one is
        # signed again, never edited.
        return application.status == Status.DRAFT and actor.kind in self.filers

    def subject_key(self, *, enterprise, data: dict) -> str:
        return f"paperless_agreement:{enterprise.pk}:{data.get('customs', '')}"

    def clean(self, *, data: dict, enterprise, final: bool) -> dict:
        clean: dict = {name: str(data.get(name) or "") for name, _label in FIELDS}
        try:
            clean["agreement"] = int(data.get("agreement"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise _signed_elsewhere() from None
        return clean

    def _waiting(self, enterprise, data: dict | None) -> Agreement:
        """The signed agreement this application is for: the enterprise's, of that 关区, just sent, without
        an application yet. Anything else was not filed by signing."""
        agreement = (
            Agreement.objects.filter(
                pk=(data or {}).get("agreement") or 0,
                enterprise=enterprise,
                customs=(data or {}).get("customs") or "",
                state__in=(AgreementState.SENT, AgreementState.RECEIVED),
            ).first()
            if data
            else None
        )
        if agreement is None:
            raise _signed_elsewhere()
        return agreement

    def check_create(self, *, actor, enterprise, data=None):
        if self._waiting(enterprise, data).application_id is not None:
            raise _signed_elsewhere()

    def check_update(self, *, application):
        if application.status != Status.DRAFT:
            raise _signed_elsewhere()

    def check_submit(self, *, application):
        self._waiting(application.enterprise, application.data)

    def route(self, application):
        return [[unit_for(Dept.CUSTOMS, application.data["customs"])]]

    def prelock(self, application):
        list(Agreement.objects.select_for_update().filter(application=application))

    def _decided_step(self, application):
        return (
            application.steps.filter(round=application.round)
            .exclude(status__in=(StepStatus.PENDING, StepStatus.WAITING, StepStatus.CLOSED))
            .order_by("-decided_at", "-pk")
            .first()
        )

    def apply(self, application, *, actor):
        """签约海关审批: the agreement approved (received first if the data centre had not yet: customs
        never approves a signature that does not verify)."""
        agreement = Agreement.objects.select_for_update().get(application=application)
        if agreement.state == AgreementState.SENT and not receive(agreement):
            raise Conflict(
                Code.SIGNATURE_NOT_VERIFIED, _("三方协议的签名验证未通过，不能审批通过。"), "opinion"
            )
        step = self._decided_step(application)
        agreement.state, agreement.decided_at = AgreementState.APPROVED, timezone.now()
        agreement.opinion = step.opinion if step else ""
        agreement.save(update_fields=["state", "decided_at", "opinion"])
        record(
            actor=actor,
            action="agreement.approve",
            obj=agreement,
            after={"customs": agreement.customs, "state": agreement.state, "opinion": agreement.opinion},
            reason=application.number or "",
        )

    def track(self, application):
        """Filed: the agreement points at its application. 海关退回: the agreement returned with the
        opinion; the enterprise may sign again."""
        if application.status == Status.DRAFT:
            Agreement.objects.filter(
                pk=application.data["agreement"], enterprise=application.enterprise, application__isnull=True
            ).update(application=application)
            return
        if application.status != Status.RETURNED:
            return
        agreement = Agreement.objects.select_for_update().filter(application=application).first()
        if agreement is None or agreement.state not in (AgreementState.SENT, AgreementState.RECEIVED):
            return
        step = self._decided_step(application)
        agreement.state = AgreementState.RETURNED
        agreement.decided_at = application.decided_at or timezone.now()
        agreement.opinion = step.opinion if step else ""
        agreement.save(update_fields=["state", "decided_at", "opinion"])
        record(
            actor=step.reviewer if step else None,
            action="agreement.return",
            obj=agreement,
            after={"customs": agreement.customs, "state": agreement.state, "opinion": agreement.opinion},
            reason=application.number or "",
        )

    def display_rows(self, data):
        return [(str(label), str(data.get(name) or "")) for name, label in FIELDS]

    def check_rows(self, application):
        """What the data centre and the reviewer check: the signed PDF's signature against the system root."""
        agreement = Agreement.objects.filter(application=application).first()
        if agreement is None:
            return []
        check = pdf_verify(bytes(agreement.pdf))
        if check.valid:
            when = (
                timezone.localtime(check.signing_time).strftime("%Y-%m-%d %H:%M:%S")
                if check.signing_time
                else ""
            )
            verdict = _("签名有效（签名人：%(s)s，证书序列号：%(n)s，签名时间：%(t)s）") % {
                "s": check.signer,
                "n": check.signer_serial,
                "t": when,
            }
        else:
            verdict = _("签名验证未通过：%(r)s") % {"r": check.summary}
        return [
            (str(_("协议状态")), str(agreement.get_state_display())),
            (str(_("签名验证（系统根证书）")), str(verdict)),
        ]
