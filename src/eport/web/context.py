"""The left menu (SPEC §1): what the signed-in actor may use, grouped as in the manuals."""

from django.utils.translation import gettext_lazy as _

from eport.accounts.models import CARD_KINDS, UserKind

MENUS = {
    UserKind.CARDLESS: [
        (_("企业备案"), [("web:entries", _("三证合一信息管理"))]),
        (_("业务办理状态查询"), [("web:status", _("业务办理状态查询"))]),
    ],
    UserKind.REVIEWER: [
        (_("审核"), [("web:reviews", _("三证合一信息审核")), ("web:auto_review", _("自动审核设置"))]),
    ],
    UserKind.RA: [
        (_("操作中心"), [("web:reviews", _("入网审核")), ("web:auto_review", _("自动审核设置"))]),
        (_("IC卡管理"), [("web:ra_card_new", _("制卡")), ("web:ra_cards", _("IC卡查询与办理"))]),
    ],
    UserKind.LEGAL_CARD: [
        (_("电子口岸"), [("web:card_home", _("子系统")), ("web:card_pin", _("修改IC卡密码"))]),
    ],
    UserKind.OPERATOR_CARD: [
        (_("电子口岸"), [("web:card_home", _("子系统")), ("web:card_pin", _("修改IC卡密码"))]),
    ],
}


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    return {"menu": MENUS.get(user.kind, []), "is_card": user.kind in CARD_KINDS}
