"""The E-Port subsystems the manuals name (API.md codes), and which card kinds may hold them:
网上签约 and 加贸授权 are done with the legal-person card, the daily business with operator cards
(seeds/000: "用经营单位企业法人卡登陆…通关无纸化网上签约", "插入企业的操作员卡…代理报关委托").
A card is granted a subsystem only after the card filing it belongs to: 出口收汇 is forex business
(IC卡外汇备案), the others customs business (IC卡海关备案).

A subsystem may define rights within its permission (SUBSYSTEM_RIGHTS): 报关单电子随附单据 has 报关单录入
(`entry`, to upload) and 报关申报 (`declare`, to 申报), seed 000: "单据上传权限同报关单录入权限；单据申报权限同
报关申报权限". They are granted in IC卡权限申请 with the subsystem and stored on CardPermission.rights.

The names are stored as given here and translated when shown (Subsystem.label)."""

from django.utils.translation import gettext_noop

SUBSYSTEMS = [
    ("paperless_signing", gettext_noop("通关无纸化网上签约"), ["legal"], "customs"),
    ("paperless_delegation", gettext_noop("通关无纸化代理报关委托"), ["legal", "operator"], "customs"),
    ("paperless_documents", gettext_noop("报关单电子随附单据"), ["legal", "operator"], "customs"),
    ("export_receipt", gettext_noop("出口收汇"), ["operator"], "forex"),
    ("processing_trade", gettext_noop("加贸权限管理"), ["legal", "operator"], "customs"),
    ("express", gettext_noop("快件通关"), ["operator"], "customs"),
    ("enterprise_mgmt", gettext_noop("海关企业管理"), ["legal", "operator"], "customs"),
]

# The rights within a subsystem's permission, in the order the screens show them: (code, name).
SUBSYSTEM_RIGHTS: dict[str, list[tuple[str, str]]] = {
    "paperless_documents": [("entry", gettext_noop("报关单录入")), ("declare", gettext_noop("报关申报"))],
}


def rights_of(code: str) -> list[str]:
    """The codes of the rights a subsystem defines (none for most)."""
    return [r for r, _name in SUBSYSTEM_RIGHTS.get(code, [])]


def subsystems_seed(model=None) -> None:
    """Create the subsystems that are missing (an administrator's later edits are kept)."""
    if model is None:  # the current model; a data migration passes its own (so this imports none at the top)
        from .models import Subsystem as model
    fields = {f.name for f in model._meta.get_fields()}  # a data migration's model may predate a field
    for sort, (code, name, kinds, filing) in enumerate(SUBSYSTEMS, start=1):
        defaults = {"name": name, "card_kinds": kinds, "sort": sort, "filing": filing}
        model.objects.get_or_create(code=code, defaults={k: v for k, v in defaults.items() if k in fields})
