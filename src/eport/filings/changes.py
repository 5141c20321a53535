"""备案变更 (SPEC §6.7): after an approved 三证合一 change the commerce, customs and forex filings no longer
hold what the enterprise is. Each follows through a filing change, a kind of the one engine per filing,
filed by the enterprise from the filing's page and reviewed like the filing itself: by the unit its data
names, approved by itself where the filing is (commerce always; forex when the 外汇企业名录 agrees with the
new name). Approval writes the filing's data and what it holds of the enterprise (`filed_as`). A change
may also move the filing to another authority; with nothing to change it is refused.

`filed_name` is the one rule for the name a filed document shows (出口收汇's forms): the new name only once
every filing the enterprise has holds it."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.applications.kinds import Kind, all_kinds, register
from eport.audit.services import record
from eport.errors import Conflict

from .codes import Code
from .kinds import (
    CommerceFiling,
    CustomsFiling,
    EnterpriseFilingKind,
    ForexFiling,
    enterprise_filing,
    filing_label,
)
from .models import FILED_AS_FIELDS, EnterpriseFiling, filed_as


def differences(filing: EnterpriseFiling, enterprise) -> list[dict]:
    """What the filing holds of the enterprise that the 三证合一 record no longer says, field by field."""
    now = filed_as(enterprise)
    return [
        {"field": k, "label": str(label), "filed": filing.filed_as.get(k, ""), "current": now[k]}
        for k, label in FILED_AS_FIELDS.items()
        if filing.filed_as.get(k, "") != now[k]
    ]


def filed_name(enterprise, filings: QuerySet | list | None = None) -> str:
    """The name the authorities hold: the 三证合一 name once every filing of the enterprise carries it,
    until then the name a filing still holds (the one it was filed with)."""
    rows = list(filings if filings is not None else EnterpriseFiling.objects.filter(enterprise=enterprise))
    behind = [
        f.filed_as.get("name") for f in rows if f.filed_as.get("name") not in ("", None, enterprise.name)
    ]
    return behind[0] if behind else enterprise.name


class FilingChangeKind(Kind):
    """企业商务部/海关/外汇备案变更: the filing's own form, the filing's route and auto rule."""

    base: EnterpriseFilingKind
    filers = EnterpriseFilingKind.filers
    shows_last = True

    @property
    def filing(self) -> str:
        return self.base.filing

    @property
    def form_class(self):
        return self.base.form_class

    def initial_data(self, *, enterprise):
        f = enterprise_filing(enterprise, self.filing)
        return {k: v for k, v in (f.data if f else {}).items() if k in self.base.form_class.base_fields}

    def _filed(self, enterprise) -> EnterpriseFiling:
        f = enterprise_filing(enterprise, self.filing)
        if f is None:
            raise Conflict(
                Code.FILING_REQUIRED,
                _("本企业尚未%(f)s，请先办理备案，不需要备案变更。") % {"f": filing_label(self.filing)},
            )
        return f

    def check_create(self, *, actor, enterprise, data=None):
        self._filed(enterprise)

    def check_submit(self, *, application):
        enterprise = application.enterprise
        f = self._filed(enterprise)
        self.base.requirements(enterprise)
        form_fields = self.base.form_class.base_fields
        moved = any(application.data.get(k, "") != f.data.get(k, "") for k in form_fields)
        if not moved and not differences(f, enterprise):
            raise Conflict(
                Code.NOTHING_TO_CHANGE,
                _("%(f)s的信息与三证合一信息一致，没有需要变更的内容。") % {"f": filing_label(self.filing)},
            )

    def route(self, application):
        return self.base.route(application)

    def unit_names(self, data: dict) -> dict:
        return self.base.unit_names(data)

    def display_rows(self, data):
        return self.base.display_rows(data)

    def check_rows(self, application):
        f = enterprise_filing(application.enterprise, self.filing)
        rows = [
            (d["label"], _("%(old)s → %(new)s") % {"old": d["filed"] or "-", "new": d["current"] or "-"})
            for d in (differences(f, application.enterprise) if f else [])
        ]
        return rows + self.base.check_rows(application)

    def auto_opinion(self, application, step):
        return self.base.auto_opinion(application, step)

    def prelock(self, application):
        EnterpriseFiling.objects.select_for_update().filter(
            enterprise_id=application.enterprise_id, filing=self.filing
        ).first()

    def apply(self, application, *, actor):
        f = EnterpriseFiling.objects.select_for_update().get(
            enterprise_id=application.enterprise_id, filing=self.filing
        )
        step = application.steps.filter(round=application.round).select_related("unit").first()
        before = {"unit": f.unit_id, "data": f.data, "filed_as": f.filed_as}
        f.unit = step.unit
        f.data = self.base.filed_data(application)
        f.filed_as = filed_as(application.enterprise)
        f.changed_at = timezone.now()
        f.save(update_fields=["unit", "data", "filed_as", "changed_at"])
        record(
            actor=actor,
            action="filing.change",
            obj=f,
            before=before,
            after={"unit": f.unit_id, "data": f.data, "filed_as": f.filed_as},
            reason=application.number or "",
        )


@register
class CommerceFilingChange(FilingChangeKind):
    code = "commerce_filing_change"
    label = gettext_lazy("企业商务部备案变更")
    number_prefix = "SB"
    base = CommerceFiling()
    screen = "web:commerce_filing_change"


@register
class CustomsFilingChange(FilingChangeKind):
    code = "customs_filing_change"
    label = gettext_lazy("企业海关备案变更")
    number_prefix = "HB"
    base = CustomsFiling()
    screen = "web:customs_filing_change"


@register
class ForexFilingChange(FilingChangeKind):
    code = "forex_filing_change"
    label = gettext_lazy("企业外汇备案变更")
    number_prefix = "WB"
    base = ForexFiling()
    screen = "web:forex_filing_change"


def change_kinds() -> dict[str, FilingChangeKind]:
    """filing -> its change kind."""
    return {k.filing: k for k in all_kinds().values() if isinstance(k, FilingChangeKind)}
