"""企业备案 (filings) as kinds of the one application engine (SPEC §3):

- commerce_filing, customs_filing, forex_filing: the enterprise's own filings, once each;
- card_customs_filing, card_forex_filing: cards of an enterprise that is itself filed;
- card_permission: the subsystems a filed card may use.

Each is routed to the unit it is filed with; the filings the manuals call automatic approve through
`auto_opinion` (a data rule of the kind, next to the unit's auto-review switch), so the applicant sees
the step and why it passed.
"""

from typing import TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.accounts.models import UserKind
from eport.applications.kinds import Kind, all_kinds, register
from eport.applications.models import Application
from eport.audit.services import record
from eport.cards.models import BLOCKER_LABELS, Card, CardPermission, CardState, Subsystem
from eport.cards.selectors import right_labels
from eport.enterprises.services import enterprise_ra_unit, require_in_network
from eport.errors import Conflict, NotFound
from eport.filings.codes import Code
from eport.refdata.lookup import unit_for
from eport.refdata.models import Dept
from eport.registry.lists import (
    comparable_name,
    customs_record,
    forex_cancellation,
    forex_directory_entry,
    forex_directory_matches,
)

from . import forms
from .models import CardFiling, EnterpriseFiling, Filing, filed_as

CODE_DEPTS = {
    "authority": Dept.COMMERCE,
    "customs_code": Dept.CUSTOMS,
    "filing_customs": Dept.CUSTOMS,
    "forex_bureau": Dept.FOREX,
}


def enterprise_filing(enterprise, filing: str) -> EnterpriseFiling | None:
    return (
        EnterpriseFiling.objects.filter(enterprise=enterprise, filing=filing).select_related("unit").first()
    )


def filing_label(filing: str) -> str:
    return str(Filing(filing).label)


# Whole sentences, not a filing's label spliced into one: an opinion is stored as written and translated
# when read (ReviewStep.opinion_text), which only a whole message in the catalogue can be.
CARD_FILING_OPINIONS = {
    "customs": gettext_lazy("企业已海关备案，IC卡备案自动审核通过"),
    "forex": gettext_lazy("企业已外汇备案，IC卡备案自动审核通过"),
}


def card_filing_opinion(filing: str):
    return CARD_FILING_OPINIONS[filing]


# The two families of filing kinds, each keyed by its `filing`.
FilingKind = TypeVar("FilingKind", "EnterpriseFilingKind", "CardFilingKind")


def kinds_by_filing(base: type[FilingKind]) -> dict[str, FilingKind]:
    """filing -> its kind among the subclasses of `base` (EnterpriseFilingKind: the enterprise's own
    filings; CardFilingKind: the cards'), in the order they register."""
    return {k.filing: k for k in all_kinds().values() if isinstance(k, base)}


class EnterpriseFilingKind(Kind):
    """What the three enterprise filings share: filed once, by either enterprise actor, with one unit."""

    filing: str = ""
    filers = frozenset({UserKind.CARDLESS, UserKind.LEGAL_CARD})
    unit_field = ""  # the data field naming the unit it is filed with (its dept: CODE_DEPTS)

    def precondition(self, enterprise) -> None:
        """What must hold before this filing may be started or submitted (raise the refusal)."""

    def _not_filed(self, enterprise) -> None:
        if enterprise_filing(enterprise, self.filing) is not None:
            raise Conflict(
                Code.ALREADY_FILED,
                _("本企业已%(f)s通过，不能再次备案；企业信息有变化的，请办理备案变更。")
                % {"f": filing_label(self.filing)},
            )

    def check_create(self, *, actor, enterprise, data=None):
        self.precondition(enterprise)
        self._not_filed(enterprise)

    def requirements(self, enterprise) -> None:
        """What must hold when it is submitted, filing or 备案变更 (changes.py): the precondition by default."""
        self.precondition(enterprise)

    def check_submit(self, *, application):
        self._not_filed(application.enterprise)
        self.requirements(application.enterprise)

    def route(self, application):
        return [[unit_for(CODE_DEPTS[self.unit_field], application.data[self.unit_field])]]

    def filed_data(self, application) -> dict:
        return dict(application.data)

    def unit_names(self, data: dict) -> dict:
        """field -> the name of the unit its code points to (every field of a filing is a unit's code)."""
        units = {
            name: unit_for(CODE_DEPTS[name], data.get(name, "")) if data.get(name) else None
            for name in self.form_class.base_fields
        }
        return {name: u.name for name, u in units.items() if u is not None}

    def display_rows(self, data):
        names = self.unit_names(data)
        return [
            (str(field.label), f"{data.get(name, '')} {names[name]}" if name in names else data.get(name, ""))
            for name, field in self.form_class(data={}, final=False).fields.items()
        ]

    def apply(self, application, *, actor):
        # Filed with the unit that reviewed it: the unit the round was routed to, even if its list has
        # been replaced since (eport load-units deactivates units, it never deletes them). One open
        # filing per enterprise and kind (the engine's rule) keeps two approvals from meeting here.
        step = application.steps.filter(round=application.round).select_related("unit").first()
        self._not_filed(application.enterprise)
        f = EnterpriseFiling.objects.create(
            enterprise=application.enterprise,
            filing=self.filing,
            unit=step.unit,
            data=self.filed_data(application),
            filed_as=filed_as(application.enterprise),
            application=application,
        )
        record(
            actor=actor,
            action="filing.enterprise",
            obj=f,
            after={"filing": f.filing, "unit": f.unit_id},
            reason=application.number or "",
        )


@register
class CommerceFiling(EnterpriseFilingKind):
    code = "commerce_filing"
    label = gettext_lazy("企业商务部备案申请")
    number_prefix = "SW"
    filing = Filing.COMMERCE
    screen = "web:commerce_filing"
    form_class = forms.CommerceFilingForm
    unit_field = "authority"

    def precondition(self, enterprise):
        # 只有在本系统先完成三证合一录入，才可以进行商务部备案 (an enterprise of the old system is in the network).
        if not (
            enterprise.in_network
            or Application.objects.filter(enterprise=enterprise, kind="enterprise_entry").exists()
        ):
            raise Conflict(Code.ENTRY_REQUIRED, _("只有在本系统先完成三证合一录入，才可以进行商务部备案。"))

    def auto_opinion(self, application, step):
        return _("商务部备案自动审核通过")


@register
class CustomsFiling(EnterpriseFilingKind):
    """企业海关备案: reviewed by the 备案海关's customs unit; customs must know the enterprise (海关企管)."""

    code = "customs_filing"
    label = gettext_lazy("企业海关备案申请")
    number_prefix = "HG"
    filing = Filing.CUSTOMS
    screen = "web:customs_filing"
    form_class = forms.CustomsFilingForm
    unit_field = "filing_customs"

    def initial_data(self, *, enterprise):
        return {"customs_code": enterprise.customs_code, "filing_customs": enterprise.customs_code}

    def precondition(self, enterprise):
        require_in_network(enterprise, _("企业在三证合一系统中没有入网，不能办理海关备案。"))

    def requirements(self, enterprise):
        super().requirements(enterprise)
        if customs_registration(enterprise) is None:
            raise Conflict(Code.CUSTOMS_REGISTRATION_NOT_FOUND, NO_CUSTOMS_REGISTRATION)

    def filed_data(self, application):
        reg = customs_registration(application.enterprise)
        return {**application.data, "reg_no": reg.reg_no if reg else ""}

    def check_rows(self, application):
        reg = customs_registration(application.enterprise)
        shown = (
            _("%(n)s，海关注册编码 %(r)s，主管海关 %(c)s")
            % {"n": reg.name, "r": reg.reg_no or "-", "c": reg.customs_code or "-"}
            if reg
            else str(NO_CUSTOMS_REGISTRATION)
        )
        return [(str(_("海关企管备案信息")), shown)]


NO_CUSTOMS_REGISTRATION = gettext_lazy("在系统中查询不到本企业的海关企管备案信息，请联系主管海关企管处确认。")


def customs_registration(enterprise):
    """The customs enterprise registry's record of the enterprise (海关企管), or None."""
    return customs_record(enterprise.uscc) if enterprise.uscc else None


@register
class ForexFiling(EnterpriseFilingKind):
    """企业外汇备案: refused for an enterprise on the 外汇注销名录; approved by itself when the enterprise
    matches the 外汇企业名录, otherwise reviewed by the 主管外汇局."""

    code = "forex_filing"
    label = gettext_lazy("企业外汇备案申请")
    number_prefix = "WH"
    filing = Filing.FOREX
    screen = "web:forex_filing"
    form_class = forms.ForexFilingForm
    unit_field = "forex_bureau"

    def precondition(self, enterprise):
        require_in_network(enterprise, _("企业未在三证合一系统中入网，不能办理外汇备案。"))
        if enterprise.uscc and forex_cancellation(enterprise.uscc) is not None:
            raise Conflict(Code.FOREX_CANCELLED, _("本企业在外汇注销名录中，不能办理外汇备案。"))

    def check_rows(self, application):
        e = application.enterprise
        entry = forex_directory_entry(e.uscc) if e.uscc else None
        if entry is None:
            shown = _("未收录")
        else:
            differs = [
                str(label)
                for label, same in (
                    (_("企业名称"), comparable_name(entry.name) == comparable_name(e.name)),
                    (_("外汇局"), entry.forex_bureau == application.data.get("forex_bureau")),
                )
                if not same
            ]
            shown = _("%(n)s，外汇局 %(b)s") % {"n": entry.name, "b": entry.forex_bureau}
            if differs:
                shown += "（" + _("与申请不一致：%(f)s") % {"f": "、".join(differs)} + "）"
        return [(str(_("外汇企业名录")), shown)]

    def auto_opinion(self, application, step):
        e = application.enterprise
        if e.uscc and forex_directory_matches(
            uscc=e.uscc, name=e.name, forex_bureau=application.data["forex_bureau"]
        ):
            return _("企业信息与外汇企业名录一致，自动审核通过")
        return None


def cards_named(enterprise, card_nos: list[str], *, field: str) -> list[Card]:
    """The enterprise's cards (not voided) of these numbers, in their order, with their filings — one
    query; a number that is not one of them is not found (another enterprise's card alike)."""
    cards = {
        c.card_no: c
        for c in Card.objects.select_related("certificate")
        .prefetch_related("filings")
        .filter(enterprise=enterprise, card_no__in=card_nos)
        .exclude(state=CardState.VOIDED)
    }
    for no in card_nos:
        if no not in cards:
            raise NotFound(Code.CARD_NOT_FOUND, _("本企业没有IC卡 %(c)s。") % {"c": no}, field)
    return [cards[no] for no in card_nos]


def require_usable(card: Card, field: str) -> None:
    reason = card.blocker()
    if reason is not None:
        raise Conflict(
            Code.CARD_NOT_USABLE,
            _("IC卡 %(c)s %(r)s，不能办理。") % {"c": card.card_no, "r": BLOCKER_LABELS.get(reason, reason)},
            field,
        )


def filed_with(card: Card) -> set[str]:
    return {f.filing for f in card.filings.all()}


def subsystem_refusal(card: Card, subsystem: Subsystem, filed: set[str]) -> str | None:
    """Why this card may not be granted this subsystem ("not_for_card_kind", "card_filing_required"), or
    None: the one rule for the permission application and the screen that offers the subsystems."""
    if card.kind not in subsystem.card_kinds:
        return "not_for_card_kind"
    if subsystem.filing not in filed:
        return "card_filing_required"
    return None


class CardKindBase(Kind):
    """Card filings and permissions: the legal card acts for the enterprise's cards; every card named
    must be the enterprise's own (another's is not found) at every save."""

    filers = frozenset({UserKind.LEGAL_CARD})
    shows_last = True  # 审核通过 once its 申报 is approved by itself

    card_field = ""  # the data field naming the cards

    def card_nos(self, data: dict) -> list[str]:
        raise NotImplementedError

    def named(self, application) -> str:
        """The application and the cards it is about (IC卡号)."""
        cards = "、".join(self.card_nos(application.data))
        what = super().named(application)
        return _("%(what)s（IC卡 %(cards)s）") % {"what": what, "cards": cards} if cards else what

    def clean(self, *, data, enterprise, final):
        out = super().clean(data=data, enterprise=enterprise, final=final)
        cards_named(enterprise, self.card_nos(out), field=self.card_field)
        return out


class CardFilingKind(CardKindBase):
    """IC卡海关备案 / IC卡外汇备案: approved by itself when the enterprise is filed; refused otherwise."""

    filing: str = ""
    form_class = forms.CardFilingForm
    card_field = "card_nos"

    def card_nos(self, data):
        return data.get("card_nos") or []

    def _enterprise_filed(self, enterprise) -> EnterpriseFiling:
        f = enterprise_filing(enterprise, self.filing)
        if f is None:
            raise Conflict(
                Code.ENTERPRISE_NOT_FILED,
                _("企业尚未完成%(f)s，不能办理IC卡%(f)s。") % {"f": filing_label(self.filing)},
            )
        return f

    def check_create(self, *, actor, enterprise, data=None):
        self._enterprise_filed(enterprise)

    def check_submit(self, *, application):
        self._enterprise_filed(application.enterprise)
        for card in cards_named(application.enterprise, self.card_nos(application.data), field="card_nos"):
            require_usable(card, "card_nos")
            if self.filing in filed_with(card):
                raise Conflict(
                    Code.CARD_ALREADY_FILED,
                    _("IC卡 %(c)s 已%(f)s，请不要重复选择。")
                    % {"c": card.card_no, "f": filing_label(self.filing)},
                    "card_nos",
                )

    def route(self, application):
        return [[self._enterprise_filed(application.enterprise).unit]]

    def auto_opinion(self, application, step):
        return card_filing_opinion(self.filing)

    def apply(self, application, *, actor):
        for card in cards_named(application.enterprise, self.card_nos(application.data), field="card_nos"):
            _, created = CardFiling.objects.get_or_create(
                card=card, filing=self.filing, defaults={"application": application}
            )
            if created:
                record(
                    actor=actor,
                    action="filing.card",
                    obj=card,
                    after={"filing": self.filing},
                    reason=application.number or "",
                )


@register
class CardCustomsFiling(CardFilingKind):
    code = "card_customs_filing"
    label = gettext_lazy("IC卡海关备案")
    number_prefix = "KH"
    filing = Filing.CUSTOMS
    screen = "web:card_customs_filing"


@register
class CardForexFiling(CardFilingKind):
    code = "card_forex_filing"
    label = gettext_lazy("IC卡外汇备案")
    number_prefix = "KW"
    filing = Filing.FOREX
    screen = "web:card_forex_filing"


@register
class CardPermissionKind(CardKindBase):
    """IC卡权限申请: after approval the card holds exactly the chosen subsystems (its menu shows them
    enabled at its next sign-in), within the optional period."""

    code = "card_permission"
    label = gettext_lazy("IC卡权限申请")
    number_prefix = "QX"
    form_class = forms.CardPermissionForm
    fixed_fields = ("card_no",)
    card_field = "card_no"
    screen, screen_arg = "web:card_permission", "card_no"

    def card_nos(self, data):
        return [data["card_no"]] if data.get("card_no") else []

    def subject_key(self, *, enterprise, data):
        return f"card:{data['card_no']}" if data.get("card_no") else f"enterprise:{enterprise.pk}"

    def _filed_card(self, enterprise, card_no) -> Card:
        [card] = cards_named(enterprise, [card_no], field="card_no")
        if not filed_with(card):
            raise Conflict(
                Code.CARD_NOT_FILED,
                _("IC卡 %(c)s 尚未备案，请先办理IC卡海关备案或IC卡外汇备案。") % {"c": card_no},
                "card_no",
            )
        return card

    def check_create(self, *, actor, enterprise, data=None):
        require_in_network(enterprise, _("企业尚未入网，没有可授权的IC卡。"))
        if data and data.get("card_no"):
            self._filed_card(enterprise, data["card_no"])

    def check_submit(self, *, application):
        card = self._filed_card(application.enterprise, application.data["card_no"])
        require_usable(card, "card_no")
        filed = filed_with(card)
        for s in Subsystem.objects.filter(code__in=application.data["subsystems"]):
            refusal = subsystem_refusal(card, s, filed)
            if refusal == "not_for_card_kind":
                raise Conflict(
                    Code.SUBSYSTEM_NOT_FOR_CARD_KIND,
                    _("%(k)s不能授权“%(s)s”。") % {"k": card.get_kind_display(), "s": s.name},
                    "subsystems",
                )
            if refusal == "card_filing_required":
                raise Conflict(
                    Code.CARD_FILING_REQUIRED,
                    _("授权“%(s)s”需要这张IC卡先完成%(f)s。") % {"s": s.name, "f": filing_label(s.filing)},
                    "subsystems",
                )

    def route(self, application):
        return [[enterprise_ra_unit(application.enterprise)]]

    def display_rows(self, data):
        names = {s.code: s.label for s in Subsystem.objects.all()}  # the subsystems by name, not code
        rights = "；".join(
            f"{names.get(c, c)}: {'、'.join(right_labels(c, r))}"
            for c, r in (data.get("rights") or {}).items()
        )
        return super().display_rows(
            {**data, "subsystems": [names.get(c, c) for c in data.get("subsystems") or []], "rights": rights}
        )

    def auto_opinion(self, application, step):
        return _("IC卡已备案，权限申请自动审核通过")

    def prelock(self, application):
        Card.objects.select_for_update().filter(
            enterprise=application.enterprise, card_no=application.data.get("card_no")
        ).first()

    def apply(self, application, *, actor):
        d = application.data
        card = Card.objects.select_for_update().get(enterprise=application.enterprise, card_no=d["card_no"])
        before = sorted(card.permissions.values_list("subsystem_id", flat=True))
        card.permissions.exclude(subsystem_id__in=d["subsystems"]).delete()
        period = {
            "valid_from": d.get("valid_from") or None,
            "valid_to": d.get("valid_to") or None,
            "granted_at": timezone.now(),
        }
        rights = d.get("rights") or {}
        for code in d["subsystems"]:
            CardPermission.objects.update_or_create(
                card=card, subsystem_id=code, defaults={**period, "rights": rights.get(code, [])}
            )
        record(
            actor=actor,
            action="card.permissions",
            obj=card,
            before={"subsystems": before},
            after={
                "subsystems": sorted(d["subsystems"]),
                "rights": rights,
                "valid_from": period["valid_from"],
                "valid_to": period["valid_to"],
            },
            reason=application.number or "",
        )
