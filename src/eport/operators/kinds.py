"""企业操作员信息申报 (operator_declaration, also 预录入 by the card-less user and a change of an approved
operator) and 企业操作员信息注销申报 (operator_cancellation): the kinds' rules, registered with the engine.

The Operator row is the master record; it is created at the declaration's first save (that is when
its 操作员统一编号 is generated) and follows the first declaration's state until approved.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.accounts.models import UserKind
from eport.applications.kinds import Kind, register
from eport.applications.models import OPEN_STATUSES, Application
from eport.audit.services import record
from eport.enterprises.services import require_in_network, route_to_sub_centre
from eport.errors import Conflict, NotFound
from eport.operators.codes import Code

from .forms import CancellationForm, OperatorForm
from .models import Operator, OperatorStatus
from .signals import operator_approved, operator_cancelling, operator_card_in_use

FIELDS = ("name", "id_type", "id_no", "phone", "job_title", "email")
DECLARATION, CANCELLATION = "operator_declaration", "operator_cancellation"


def operator_subject(operator_no: str) -> str:
    return f"operator:{operator_no}"


def open_applications(operator_no: str, kind: str):
    return Application.objects.filter(
        kind=kind, subject_key=operator_subject(operator_no), status__in=OPEN_STATUSES
    )


def _operator(enterprise, operator_no: str, *, lock: bool = False) -> Operator:
    qs = Operator.objects.select_for_update() if lock else Operator.objects
    op = qs.filter(enterprise=enterprise, operator_no=(operator_no or "").strip().upper()).first()
    if op is None:
        raise NotFound(
            Code.OPERATOR_NOT_FOUND, _("本企业没有这个操作员（操作员统一编号不存在）。"), "operator_no"
        )
    return op


def _duplicate() -> Conflict:
    return Conflict(Code.OPERATOR_EXISTS, _("本企业已有这个证件号的操作员。"), "id_no")


def _write(op: Operator, data: dict, status: str) -> None:
    """The declared data into the operator row; a race with the same person's declaration ends in 409."""
    for f in FIELDS:
        setattr(op, f, data.get(f) or "")
    op.status = status
    try:
        with transaction.atomic():
            op.save()
    except IntegrityError:  # one_operator_per_person
        raise _duplicate() from None


class _OperatorKind(Kind):
    submitted_note = gettext_lazy("请等待数据分中心审核。")

    def named(self, application) -> str:
        """The application and the operator it is about: name and 操作员统一编号 (a cancellation's data holds
        only the number; the operator row has the name)."""
        no = application.data.get("operator_no") or ""
        name = application.data.get("name") or (
            Operator.objects.filter(operator_no=no).values_list("name", flat=True).first() if no else ""
        )
        return _("%(kind)s %(number)s（操作员 %(name)s %(no)s）") % {
            "kind": self.label,
            "number": application.number,
            "name": name or "",
            "no": no,
        }

    def prelock(self, application):
        Operator.objects.select_for_update().filter(operator_no=application.data.get("operator_no")).first()


@register
class OperatorDeclaration(_OperatorKind):
    """A new operator (no operator_no in the data yet) or a change of an approved one (its operator_no)."""

    code = DECLARATION
    label = gettext_lazy("企业操作员信息申报")
    number_prefix = "CY"
    filers = frozenset({UserKind.CARDLESS, UserKind.LEGAL_CARD})
    form_class = OperatorForm
    fixed_fields = ("operator_no",)
    id_fields = ("id_no",)
    screen, screen_arg = "web:operator_edit", "id"

    def subject_key(self, *, enterprise, data):
        return operator_subject(data["operator_no"]) if data.get("operator_no") else None

    def may_change(self, actor, application):
        # The legal card may take over anything (also a pre-entry left a draft); the card-less user only
        # its own pre-entries, never the legal card's declarations and changes.
        if actor.kind == UserKind.CARDLESS:
            return application.applicant_id is not None and application.applicant.kind == UserKind.CARDLESS
        return super().may_change(actor, application)

    def clean(self, *, data, enterprise, final):
        out = super().clean(data=data, enterprise=enterprise, final=final)
        if data.get("operator_no"):
            out["operator_no"] = str(data["operator_no"]).strip().upper()
        return out

    def check_create(self, *, actor, enterprise, data=None):
        if actor.kind == UserKind.CARDLESS:
            # 操作员信息预录入: after the 三证合一 entry is saved, before the enterprise enters the network.
            if enterprise.in_network:
                raise Conflict(
                    Code.PRE_ENTRY_CLOSED,
                    _("本企业已入网，操作员信息请使用法人卡在“企业操作员信息申报”中申报。"),
                )
            if not Application.objects.filter(enterprise=enterprise, kind="enterprise_entry").exists():
                raise Conflict(Code.ENTRY_REQUIRED, _("预录入操作员之前必须先录入并暂存三证合一信息。"))
        else:
            require_in_network(enterprise, _("企业尚未入网，不能申报操作员。"))
        if data and data.get("operator_no"):  # a change of an approved operator
            op = _operator(enterprise, data["operator_no"])
            if op.status != OperatorStatus.APPROVED:
                raise Conflict(
                    Code.OPERATOR_NOT_APPROVED,
                    _("只有审核通过的操作员可以变更；未审核通过的请直接修改原申报。"),
                    "operator_no",
                )
            self._not_cancelling(op)

    @staticmethod
    def _not_cancelling(op: Operator) -> None:
        if open_applications(op.saved_no, CANCELLATION).exists():
            raise Conflict(
                Code.OPERATOR_CANCELLATION_IN_FLIGHT,
                _("该操作员正在注销申报中，只可以查看，不能修改。"),
                "operator_no",
            )

    def prepare(self, *, actor, enterprise, data):
        if data.get("operator_no"):
            return data
        try:
            with transaction.atomic():
                op = Operator.objects.create(
                    enterprise=enterprise,
                    status=OperatorStatus.DRAFT,
                    **{f: data.get(f) or "" for f in FIELDS},
                )
        except IntegrityError:  # the same person declared concurrently (one_operator_per_person)
            raise _duplicate() from None
        record(actor=actor, action="operator.create", obj=op, after={"operator_no": op.operator_no})
        return {**data, "operator_no": op.operator_no}

    def track(self, application):
        op = Operator.objects.select_for_update().get(operator_no=application.data["operator_no"])
        if op.status in (OperatorStatus.APPROVED, OperatorStatus.CANCELLED):
            return  # a change: the master record moves only when it is approved
        _write(op, application.data, application.status)

    def on_delete(self, application):
        # A deleted first declaration takes its never-approved operator with it.
        Operator.objects.filter(
            operator_no=application.data.get("operator_no"), status=OperatorStatus.DRAFT
        ).delete()

    def check_update(self, *, application):
        self._not_cancelling(_operator(application.enterprise, application.data["operator_no"]))

    def check_submit(self, *, application):
        require_in_network(
            application.enterprise, _("企业入网后才能申报操作员；预录入的操作员在企业入网时自动申报。")
        )
        op = _operator(application.enterprise, application.data["operator_no"])
        if op.status == OperatorStatus.CANCELLED:
            raise Conflict(Code.OPERATOR_CANCELLED, _("该操作员已注销，不能再申报变更。"), "operator_no")
        self._not_cancelling(op)

    route = staticmethod(route_to_sub_centre)

    @property
    def status_query_actors(self):
        # The card-less user's pre-entries are listed on its 操作员信息预录入 screen, not in the status query.
        return frozenset({UserKind.LEGAL_CARD})

    def next_step(self, application):
        op = Operator.objects.filter(operator_no=application.data.get("operator_no")).first()
        if op is None or any(card for _r, card in operator_card_in_use.send(sender=type(self), operator=op)):
            return None
        return (
            _("操作员信息已审核通过，可以为其制作操作员卡。"),
            {"kind": "operator", "uscc": application.enterprise.code, "operator_no": op.operator_no},
        )

    def apply(self, application, *, actor):
        op = _operator(application.enterprise, application.data["operator_no"], lock=True)
        if op.status == OperatorStatus.CANCELLED:
            raise Conflict(Code.OPERATOR_CANCELLED, _("该操作员已注销，这条变更不能审核通过，请退回。"))
        before = {f: getattr(op, f) for f in (*FIELDS, "status")}
        _write(op, application.data, OperatorStatus.APPROVED)
        # the cards: the holder's name and ID on them follow the approved record (cards/receivers.py)
        operator_approved.send(sender=type(self), operator=op)
        record(
            actor=actor,
            action="operator.apply",
            obj=op,
            before=before,
            after={f: getattr(op, f) for f in (*FIELDS, "status")},
            reason=application.number or "",
        )

    def display_rows(self, data):
        return [(str(_("操作员统一编号")), data.get("operator_no", ""))] + super().display_rows(data)


@register
class OperatorCancellation(_OperatorKind):
    code = CANCELLATION
    label = gettext_lazy("企业操作员信息注销申报")
    number_prefix = "CX"
    filers = frozenset({UserKind.LEGAL_CARD})
    form_class = CancellationForm
    fixed_fields = ("operator_no",)

    def subject_key(self, *, enterprise, data):
        return operator_subject(data["operator_no"]) if data.get("operator_no") else None

    def shows_id_numbers(self, application):
        return bool(application.data.get("operator_no"))  # display_rows shows the operator's 证件号

    @staticmethod
    def cancellable(enterprise, operator_no: str, *, lock: bool = False) -> Operator:
        """The operator, if it may be cancelled now; otherwise the refusal, each with its own message."""
        op = _operator(enterprise, operator_no, lock=lock)
        if not op.registered_here:
            raise Conflict(
                Code.OPERATOR_NOT_REGISTERED_HERE,
                _("该操作员不是在本系统注册的，不能在此注销，请到数据分中心办理。"),
                "operator_no",
            )
        if op.status != OperatorStatus.APPROVED:
            raise Conflict(Code.OPERATOR_NOT_APPROVED, _("只有审核通过的操作员可以注销申报。"), "operator_no")
        # the cards: refused while one of its cards is not voided (cards/receivers.py)
        operator_cancelling.send(sender=OperatorCancellation, operator=op)
        return op

    def check_create(self, *, actor, enterprise, data=None):
        require_in_network(enterprise, _("企业尚未入网，没有可注销的操作员。"))
        if data and data.get("operator_no"):
            self.cancellable(enterprise, data["operator_no"])

    def check_submit(self, *, application):
        self.cancellable(application.enterprise, application.data["operator_no"])

    route = staticmethod(route_to_sub_centre)

    def apply(self, application, *, actor):
        op = self.cancellable(application.enterprise, application.data["operator_no"], lock=True)
        op.status = OperatorStatus.CANCELLED
        op.save(update_fields=["status", "updated_at"])
        record(
            actor=actor,
            action="operator.cancel",
            obj=op,
            before={"status": OperatorStatus.APPROVED},
            after={"status": op.status},
            reason=application.number or "",
        )

    def display_rows(self, data):
        op = Operator.objects.filter(operator_no=data.get("operator_no")).first()
        rows = [(str(_("操作员统一编号")), data.get("operator_no", ""))]
        if op is not None:
            rows += [(str(_("姓名")), op.name), (str(_("证件号")), op.id_no), (str(_("职务")), op.job_title)]
        return rows
