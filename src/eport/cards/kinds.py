"""法人卡申请 (kind `legal_card_reissue`, its historical API name): the enterprise's verified card-less user asks
its data sub-centre for the legal-person card. One flow, two names: 申领法人卡 when the enterprise has no legal
card in use (the first card after 入网, or after the sub-centre voided the last one), 补办法人卡 when it has one
(lost, damaged, …: approval voids it). The sub-centre (操作中心) reviews it; an approved request waits in its
待制法人卡 queue until 制卡 fulfils it (making.py)."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.accounts.models import UserKind
from eport.applications.forms import DateField, KindForm
from eport.applications.kinds import Kind, register
from eport.applications.models import DocType
from eport.enterprises.services import require_in_network, route_to_sub_centre
from eport.validators import validate_phone

from . import notify
from .actions import legal_cards_supersede
from .models import LEGAL_CARD_REQUEST, Card, CardKind, CardState
from .selectors import live_legal_card

# reason "new": a first request (申领), nothing to void; the others are a reissue's (补办) reasons.
NEW = "new"
REISSUE_REASONS = [
    ("lost", gettext_lazy("法人卡遗失")),
    ("damaged", gettext_lazy("法人卡损坏")),
    ("legal_rep_changed", gettext_lazy("法定代表人变更")),
    ("other", gettext_lazy("其他")),
]
REASONS = [(NEW, gettext_lazy("首次申领（企业没有在用的法人卡）")), *REISSUE_REASONS]

REQUEST_LABEL = gettext_lazy("申领法人卡")
REISSUE_LABEL = gettext_lazy("补办法人卡")
NOT_IN_NETWORK = gettext_lazy("企业入网后才能申领法人卡。")
# What the sub-centre asks for before it voids the enterprise's legal card: who the enterprise is, and who
# its legal representative is. A first request needs none: the 三证合一 entry's review saw them.
REISSUE_DOCUMENTS = (DocType.BUSINESS_LICENSE, DocType.LEGAL_REP_ID)


def request_label(enterprise) -> str:
    """What the enterprise's menu and page call it now: 申领法人卡 before its first card, 补办法人卡 after."""
    return str(REISSUE_LABEL if live_legal_card(enterprise) is not None else REQUEST_LABEL)


class LegalCardRequestForm(KindForm):
    reason = forms.ChoiceField(label=gettext_lazy("申请原因"), choices=REASONS)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200)
    contact_name = forms.CharField(label=gettext_lazy("联系人"), max_length=50)
    contact_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=40)
    preferred_date = DateField(label=gettext_lazy("希望领卡日期"))
    REQUIRED = ("contact_name", "contact_phone")

    def clean_contact_phone(self):
        value = self.cleaned_data.get("contact_phone", "")
        return validate_phone(value) if value else value

    def clean_preferred_date(self):
        day = self.cleaned_data.get("preferred_date")
        if day and day < timezone.localdate():
            raise forms.ValidationError(_("希望领卡日期不能早于今天。"), code="past")
        return day

    def clean(self):
        super().clean()
        data = self.cleaned_data
        live = live_legal_card(self.enterprise)
        if not data.get("reason") and "reason" not in self.errors:
            # Nothing chosen: a first request while the enterprise has no card; a reissue must say why.
            data["reason"] = NEW if live is None else ""
        if self.final and live is not None and data.get("reason") in ("", NEW):
            self.add_error(
                "reason",
                forms.ValidationError(
                    _("企业已有在用的法人卡 %(c)s，请选择补办原因（审核通过后原卡作废）。")
                    % {"c": live.card_no},
                    code="required",
                ),
            )
        if self.final and data.get("reason") == "other" and not (data.get("note") or "").strip():
            self.add_error(
                "note", forms.ValidationError(_("申请原因为“其他”时，请填写说明。"), code="required")
            )
        return data

    def json_data(self) -> dict:
        d = self.cleaned_data
        day = d.get("preferred_date")
        return {
            "reason": d.get("reason") or "",
            "note": (d.get("note") or "").strip(),
            "contact_name": (d.get("contact_name") or "").strip(),
            "contact_phone": d.get("contact_phone") or "",
            "preferred_date": day.isoformat() if isinstance(day, dt.date) else "",
        }


@register
class LegalCardRequest(Kind):
    code = LEGAL_CARD_REQUEST  # the API's name since 补办 came first (API.md); it covers 申领 too
    label = gettext_lazy("申领/补办法人卡")
    number_prefix = "BK"
    filers = frozenset({UserKind.CARDLESS})  # a verified one: accounts/trust.py refuses the others
    form_class = LegalCardRequestForm
    doc_types = tuple(REISSUE_DOCUMENTS)
    screen = "web:reissue"
    submitted_note = gettext_lazy(
        "请等待数据分中心审核；审核通过后数据分中心制作法人卡，请按约定到数据分中心领取。"
    )

    def label_of(self, application) -> str:
        return str(REQUEST_LABEL if application.data.get("reason") in (NEW, "", None) else REISSUE_LABEL)

    def initial_data(self, *, enterprise) -> dict:
        return {"reason": NEW if live_legal_card(enterprise) is None else ""}

    def prepare(self, *, actor, enterprise, data: dict) -> dict:
        """The contact defaults to the account's own (registration asked for it); the user may change it."""
        return {
            **data,
            "contact_name": data.get("contact_name") or getattr(actor, "contact_name", "") or "",
            "contact_phone": data.get("contact_phone") or getattr(actor, "phone", "") or "",
        }

    def check_create(self, *, actor, enterprise, data=None):
        require_in_network(enterprise, NOT_IN_NETWORK)

    def check_submit(self, *, application):
        require_in_network(application.enterprise, NOT_IN_NETWORK)

    def required_doc_types(self, data, enterprise=None):
        # 申领 (no legal card in use): nothing is voided, the entry's review saw the documents; 补办 proves
        # who asks for the card that replaces the one in use.
        if enterprise is not None and live_legal_card(enterprise) is None:
            return ()
        return tuple(REISSUE_DOCUMENTS)

    def announce(self, application):
        if live_legal_card(application.enterprise) is not None:  # 补办: the card in use would be voided
            notify.reissue_filed(application)

    def check_rows(self, application):
        """For the sub-centre: who asked, how that account was proven, the contact, and the card it would void."""
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
            _("%(what)s 已审核通过，请为企业制作法人卡。") % {"what": self.named(application)},
            {"kind": "legal", "request": application.id},
        )

    def prelock(self, application):
        list(
            Card.objects.select_for_update()
            .filter(enterprise=application.enterprise, kind=CardKind.LEGAL)
            .order_by("id")
            .values_list("id", flat=True)
        )

    def apply(self, application, *, actor):
        # 补办: the card in use is voided now (the request names it); 申领: there is none to void.
        legal_cards_supersede(enterprise=application.enterprise, actor=actor, note=self.named(application))
