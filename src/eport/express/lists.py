"""The code lists of 快件通关 (sources in SOURCES.md beside this file).

快件类别: the customs' express categories A 文件类 / B 个人物品类 / C 低值货物类 (海关总署公告2016年第19号,
effective 2016-06-01) and the 报关单 the older 快件监管办法 named for them, KJ1 (文件类), KJ2 (个人物品类) and
KJ3 (货样广告品类). The seed manual uploads by category ("类别填KJ2") and reads the released declarations
as "KJ2报关单 或者 其他报关单", so KJ2 has a tab of its own.

运输方式: the one-digit codes of the customs 运输方式代码表 (报关单填制规范). The letter codes of the same
table (H, W, X, Y, Z, T, L, G: special customs areas and the like) are left out: the manual's field takes one
digit ("运输方式填5").
"""

from django.utils.translation import gettext_lazy as _

CATEGORIES: list[tuple[str, object]] = [
    ("A", _("A类 文件类")),
    ("B", _("B类 个人物品类")),
    ("C", _("C类 低值货物类")),
    ("KJ1", _("KJ1 文件类")),
    ("KJ2", _("KJ2 个人物品类")),
    ("KJ3", _("KJ3 货样广告品类")),
]
KJ2 = "KJ2"

TRANSPORT_MODES: list[tuple[str, object]] = [
    ("0", _("非保税区")),
    ("1", _("监管仓库")),
    ("2", _("水路运输")),
    ("3", _("铁路运输")),
    ("4", _("公路运输")),
    ("5", _("航空运输")),
    ("6", _("邮件运输")),
    ("7", _("保税区")),
    ("8", _("保税仓库")),
    ("9", _("其他运输")),
]


def category_name(code: str) -> str:
    return str(dict(CATEGORIES).get(code, code))


def transport_mode_name(code: str) -> str:
    return str(dict(TRANSPORT_MODES).get(code, code))
