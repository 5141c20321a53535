"""补办法人卡 (legal_card_reissue): the card-less user asks for a new legal-person card; the sub-centre
(操作中心) reviews it; approval voids the legal card still in use (certificate revoked as superseded),
and the sub-centre then makes the new one (制卡)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.applications.forms import KindForm
from eport.applications.kinds import Kind, register
from eport.enterprises.services import require_in_network, route_to_sub_centre

REISSUE_REASONS = [
    ("lost", gettext_lazy("法人卡遗失")),
    ("damaged", gettext_lazy("法人卡损坏")),
    ("legal_rep_changed", gettext_lazy("法定代表人变更")),
    ("other", gettext_lazy("其他")),
]


NOT_IN_NETWORK = gettext_lazy("企业入网后才能补办法人卡。")


class ReissueForm(KindForm):
    reason = forms.ChoiceField(label=gettext_lazy("补办原因"), choices=REISSUE_REASONS)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200)
    REQUIRED = ("reason",)

    def clean(self):
        data = super().clean()
        if self.final and data.get("reason") == "other" and not (data.get("note") or "").strip():
            self.add_error("note", forms.ValidationError(_("补办原因为“其他”时，请填写说明。"), code="required"))
        return data

    def json_data(self) -> dict:
        return {"reason": self.cleaned_data.get("reason") or "", "note": (self.cleaned_data.get("note") or "").strip()}


@register
class LegalCardReissue(Kind):
    code = "legal_card_reissue"
    label = gettext_lazy("补办法人卡")
    number_prefix = "BK"
    filers = frozenset({"cardless"})
    form_class = ReissueForm

    def check_create(self, *, actor, enterprise, data=None):
        require_in_network(enterprise, NOT_IN_NETWORK)

    def check_submit(self, *, application):
        require_in_network(application.enterprise, NOT_IN_NETWORK)

    route = staticmethod(route_to_sub_centre)

    def apply(self, application, *, actor):
        from .services import legal_cards_supersede

        legal_cards_supersede(enterprise=application.enterprise, actor=actor)
