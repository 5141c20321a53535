"""The E-Port subsystems the manuals name (API.md codes), and which card kinds may hold them:
网上签约 and 加贸授权 are done with the legal-person card, the daily business with operator cards
(seeds/000: "用经营单位企业法人卡登陆…通关无纸化网上签约", "插入企业的操作员卡…代理报关委托")."""

SUBSYSTEMS = [
    ("paperless_signing", "通关无纸化网上签约", ["legal"]),
    ("paperless_delegation", "通关无纸化代理报关委托", ["operator"]),
    ("export_receipt", "出口收汇", ["operator"]),
    ("processing_trade", "加贸权限管理", ["legal", "operator"]),
    ("express", "快件通关", ["operator"]),
    ("enterprise_mgmt", "海关企业管理", ["legal", "operator"]),
]


def subsystems_seed(model=None) -> None:
    """Create the subsystems that are missing (an administrator's later edits are kept)."""
    if model is None:
        from .models import Subsystem as model
    for sort, (code, name, kinds) in enumerate(SUBSYSTEMS, start=1):
        model.objects.get_or_create(code=code, defaults={"name": name, "card_kinds": kinds, "sort": sort})
