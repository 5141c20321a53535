"""三证合一入网 (enterprise_entry): the kind's rules, registered with the application engine."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.accounts.models import UserKind
from eport.applications.kinds import Kind, register
from eport.applications.models import DocType
from eport.enterprises.codes import Code
from eport.errors import Conflict, InvalidInput
from eport.refdata.lookup import ra_unit_for_customs, unit_for
from eport.registry.adapters import registry
from eport.registry.models import RegistryStatus

from .choices import JOINT_REVIEW_DEPTS, REQUIRED_DOCUMENTS, UNIT_FIELDS, LegalPersonType
from .forms import DEFAULT_ISSUING_AUTHORITY, EnterpriseDataForm, registry_backfill, registry_locked
from .models import Enterprise
from .services import enterprise_apply_data, master_data
from .signals import entered_network, entering_network
from .trust import candidates_close, enterprise_established, established_elsewhere, lock_namers, others_naming


class EnterpriseDataKind(Kind):
    """What entry and change share: the 三证合一 data, its attachments, its route and its effect."""

    form_class = EnterpriseDataForm
    doc_types = tuple(DocType.values)
    id_fields = ("legal_rep_id_no",)
    saved_note = gettext_lazy("可以继续上传随附单据。")

    def clean(self, *, data, enterprise, final):
        # The USCC is the enterprise's own (read-only on the screen); fill it in when omitted, and
        # 发证机构名称 defaults to 工商行政管理局 for API clients as on the screen.
        data = {
            **data,
            "uscc": data.get("uscc") or enterprise.uscc,
            "issuing_authority_name": data.get("issuing_authority_name") or DEFAULT_ISSUING_AUTHORITY,
        }
        return super().clean(data=data, enterprise=enterprise, final=final)

    def route(self, application):
        d = application.data
        needed = JOINT_REVIEW_DEPTS[LegalPersonType(d["legal_person_type"])]
        joint = [unit_for(dept, d[field]) for field, dept in UNIT_FIELDS.items() if dept in needed]
        stages = [[u for u in joint if u is not None]]
        ra = ra_unit_for_customs(d["customs_code"])
        if ra is None:  # every entry ends at a data sub-centre: never let one approve without it
            raise InvalidInput(
                Code.CUSTOMS_CODE_UNSERVED,
                _("没有为这个主管海关服务的数据分中心，请核对主管海关代码。"),
                "customs_code",
            )
        stages.append([ra])
        return [s for s in stages if s]

    def check_submit(self, *, application):
        entry = registry().lookup(application.data["uscc"])
        if entry is not None and entry.status in (RegistryStatus.CANCELLED, RegistryStatus.REVOKED):
            raise Conflict(
                Code.REGISTRY_STATUS_ABNORMAL,
                _("该企业在工商登记中的状态为%(s)s，不能入网：请先联系当地工商部门出具正常企业证明。")
                % {"s": RegistryStatus(entry.status).label},
                "uscc",
            )

    def prelock(self, application):
        Enterprise.objects.select_for_update().filter(pk=application.enterprise_id).first()

    def apply(self, application, *, actor):
        enterprise_apply_data(
            enterprise=application.enterprise, data=application.data, application=application, actor=actor
        )


@register
class EnterpriseEntry(EnterpriseDataKind):
    code = "enterprise_entry"
    label = gettext_lazy("三证合一信息")
    number_prefix = "RW"
    filers = frozenset({UserKind.CARDLESS})
    screen, screen_arg = "web:entry_edit", "id"

    def initial_data(self, *, enterprise):
        data = {
            "uscc": enterprise.uscc,
            "name": enterprise.name,
            "issuing_authority_name": DEFAULT_ISSUING_AUTHORITY,
            "phone": enterprise.contact_phone,
        }
        data.update(registry_backfill(enterprise.uscc))
        return data

    def clean(self, *, data, enterprise, final):
        # Back-filled from the business registry: the registry's value, whatever was posted.
        # (An enterprise first approved by organization code brings its USCC with the data.)
        posted = data.get("uscc")
        uscc = enterprise.uscc or (posted if isinstance(posted, str) else "")
        data = {**data, **registry_locked(uscc)}
        return super().clean(data=data, enterprise=enterprise, final=final)

    def required_doc_types(self, data, enterprise=None):
        lpt = data.get("legal_person_type")
        return REQUIRED_DOCUMENTS.get(lpt, REQUIRED_DOCUMENTS[LegalPersonType.ENTERPRISE])

    def check_create(self, *, actor, enterprise, data=None):
        if enterprise.in_network:
            raise Conflict(Code.ALREADY_IN_NETWORK, _("本企业已入网，如需修改三证合一信息请办理变更。"))
        self._not_established_elsewhere(enterprise)

    def check_submit(self, *, application):
        self._not_established_elsewhere(application.enterprise)
        super().check_submit(application=application)

    @staticmethod
    def _not_established_elsewhere(enterprise):
        # Another account of this USCC was proven meanwhile (its candidate row is being closed).
        if established_elsewhere(enterprise):
            raise Conflict(
                Code.USCC_ESTABLISHED,
                _("该统一社会信用代码的企业已由其他账号完成认证或入网，本账号不能再申请入网。"),
                "uscc",
            )

    def prelock(self, application):
        super().prelock(application)
        lock_namers(application.enterprise)  # the accounts and candidates entering the network settles
        # and what the receivers change (the operators: the pre-entries it submits)
        entering_network.send(sender=type(self), enterprise=application.enterprise)

    def check_rows(self, application):
        """Other accounts naming the same USCC: the reviewer checks the licence with that in mind."""
        others = others_naming(application.enterprise)
        if not others:
            return []
        return [
            (
                _("同一统一社会信用代码的其他申请账号"),
                _("另有%(n)d个账号以同一统一社会信用代码注册，请核实营业执照原件。") % {"n": others},
            )
        ]

    def apply(self, application, *, actor):
        # 工商 checked the licence: this row is the USCC's, its applicant verified, the others closed.
        enterprise_established(enterprise=application.enterprise, account=application.applicant)
        super().apply(application, actor=actor)
        # the operators: the pre-entered operators become declarations (operators/receivers.py)
        entered_network.send(sender=type(self), enterprise=application.enterprise)


@register
class EnterpriseChange(EnterpriseDataKind):
    """三证合一信息变更 (legal-person card): the approved master record, changed through the same joint
    review; the approved change updates it and keeps its history (EnterpriseHistory)."""

    code = "enterprise_change"
    label = gettext_lazy("三证合一信息变更")
    number_prefix = "BG"
    filers = frozenset({UserKind.LEGAL_CARD})
    screen = "web:enterprise_change"
    # The filings (an app above this one) follow through their own 备案变更 (filings/changes.py).
    approved_note = gettext_lazy("已办理的企业商务部、海关、外汇备案，请在“企业备案”中随之办理备案变更。")

    def initial_data(self, *, enterprise):
        return master_data(enterprise)

    def apply(self, application, *, actor):
        super().apply(application, actor=actor)
        # An enterprise first approved by organization code now has its USCC: candidates naming it close.
        candidates_close(Enterprise.objects.get(pk=application.enterprise_id))

    def check_create(self, *, actor, enterprise, data=None):
        if not enterprise.in_network:
            raise Conflict(Code.ENTERPRISE_NOT_APPROVED, _("只有审核通过（已入网）的三证合一信息可以变更。"))
