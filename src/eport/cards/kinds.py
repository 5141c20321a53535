"""补办法人卡 (legal_card_reissue): the card-less user asks for a new legal-person card; the sub-centre
(操作中心) reviews it; approval voids the legal card still in use (certificate revoked as superseded),
and the sub-centre then makes the new one (制卡)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.accounts.models import UserKind
from eport.applications.forms import KindForm
from eport.applications.kinds import Kind, register
from eport.applications.models import DocType
from eport.enterprises.services import require_in_network, route_to_sub_centre

from . import notify
from .actions import legal_cards_supersede
from .models import Card, CardKind, CardState

REISSUE_REASONS = [
    ("lost", gettext_lazy("法人卡遗失")),
    ("damaged", gettext_lazy("法人卡损坏")),
    ("legal_rep_changed", gettext_lazy("法定代表人变更")),
    ("other", gettext_lazy("其他")),
]


NOT_IN_NETWORK = gettext_lazy("企业入网后才能补办法人卡。")
# What the sub-centre asks for before it voids the enterprise's legal card: who the enterprise is, and who
# its legal representative is.
REISSUE_DOCUMENTS = (DocType.BUSINESS_LICENSE, DocType.LEGAL_REP_ID)


class ReissueForm(KindForm):
    reason = forms.ChoiceField(label=gettext_lazy("补办原因"), choices=REISSUE_REASONS)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200)
    REQUIRED = ("reason",)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if self.final and data.get("reason") == "other" and not (data.get("note") or "").strip():
            self.add_error(
                "note", forms.ValidationError(_("补办原因为“其他”时，请填写说明。"), code="required")
            )
        return data

    def json_data(self) -> dict:
        return {
            "reason": self.cleaned_data.get("reason") or "",
            "note": (self.cleaned_data.get("note") or "").strip(),
        }


@register
class LegalCardReissue(Kind):
    code = "legal_card_reissue"
    label = gettext_lazy("补办法人卡")
    number_prefix = "BK"
    filers = frozenset({UserKind.CARDLESS})  # a verified one: accounts/trust.py refuses the others
    form_class = ReissueForm
    doc_types = tuple(REISSUE_DOCUMENTS)
    screen = "web:reissue"
    submitted_note = gettext_lazy("请等待数据分中心审核；审核通过后到数据分中心领取新法人卡。")

    def check_create(self, *, actor, enterprise, data=None):
        require_in_network(enterprise, NOT_IN_NETWORK)

    def check_submit(self, *, application):
        require_in_network(application.enterprise, NOT_IN_NETWORK)

    def required_doc_types(self, data):
        return tuple(REISSUE_DOCUMENTS)

    def announce(self, application):
        notify.reissue_filed(application)

    def check_rows(self, application):
        """For the sub-centre: who asked, how that account was proven, and the card it would void."""
        applicant = application.applicant
        rows = []
        if applicant is not None:
            how = applicant.get_verified_by_display() if applicant.is_verified else _("未认证")
            rows.append((_("申请账号"), f"{applicant.username}（{how}）"))
        for card in Card.objects.filter(enterprise=application.enterprise, kind=CardKind.LEGAL).exclude(
            state=CardState.VOIDED
        ):
            last = card.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if card.last_sign_in_at else _("从未")
            rows.append(
                (
                    _("现有法人卡"),
                    _("%(c)s %(s)s，最近登录 %(t)s")
                    % {"c": card.card_no, "s": card.display_state, "t": last},
                )
            )
        return rows

    route = staticmethod(route_to_sub_centre)

    def next_step(self, application):
        return (
            _("补办法人卡已审核通过，原法人卡已作废，请为企业制作新的法人卡。"),
            {"kind": "legal", "uscc": application.enterprise.code},
        )

    def prelock(self, application):
        list(
            Card.objects.select_for_update()
            .filter(enterprise=application.enterprise, kind=CardKind.LEGAL)
            .order_by("id")
            .values_list("id", flat=True)
        )

    def apply(self, application, *, actor):
        legal_cards_supersede(enterprise=application.enterprise, actor=actor)
