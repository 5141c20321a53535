"""The E-Port subsystems the manuals name (API.md codes), and which card kinds may hold them:
网上签约 and 加贸授权 are done with the legal-person card, the daily business with operator cards
(seeds/000: "用经营单位企业法人卡登陆…通关无纸化网上签约", "插入企业的操作员卡…代理报关委托").
A card is granted a subsystem only after the card filing it belongs to: 出口收汇 is forex business
(IC卡外汇备案), the others customs business (IC卡海关备案).

The names are stored as given here and translated when shown (Subsystem.label)."""

from django.utils.translation import gettext_noop

SUBSYSTEMS = [
    ("paperless_signing", gettext_noop("通关无纸化网上签约"), ["legal"], "customs"),
    ("paperless_delegation", gettext_noop("通关无纸化代理报关委托"), ["operator"], "customs"),
    ("export_receipt", gettext_noop("出口收汇"), ["operator"], "forex"),
    ("processing_trade", gettext_noop("加贸权限管理"), ["legal", "operator"], "customs"),
    ("express", gettext_noop("快件通关"), ["operator"], "customs"),
    ("enterprise_mgmt", gettext_noop("海关企业管理"), ["legal", "operator"], "customs"),
]


def subsystems_seed(model=None) -> None:
    """Create the subsystems that are missing (an administrator's later edits are kept)."""
    if model is None:  # the current model; a data migration passes its own (so this imports none at the top)
        from .models import Subsystem as model
    fields = {f.name for f in model._meta.get_fields()}  # a data migration's model may predate a field
    for sort, (code, name, kinds, filing) in enumerate(SUBSYSTEMS, start=1):
        defaults = {"name": name, "card_kinds": kinds, "sort": sort, "filing": filing}
        model.objects.get_or_create(code=code, defaults={k: v for k, v in defaults.items() if k in fields})
