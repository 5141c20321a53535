"""The left menu (SPEC §1): what the signed-in actor may use, grouped as in the manuals."""

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from eport.accounts.models import UserKind
from eport.accounts.permissions import CARD_KINDS
from eport.accounts.trust import trust_refusal
from eport.cards.kinds import request_label
from eport.refdata.models import Dept

from . import manual

FILING_DEPTS = (Dept.CUSTOMS, Dept.FOREX, Dept.COMMERCE)

_FILINGS = [
    ("web:commerce_filing", _("企业商务部备案申请")),
    ("web:customs_filing", _("企业海关备案申请")),
    ("web:forex_filing", _("企业外汇备案申请")),
]
# Entries are (url name, label) or (url name, label, query string): see MENUS.
MenuEntry = tuple[str | Promise, ...]
MenuGroup = tuple[Promise, list[MenuEntry]]  # (its heading, its entries)

# 报关企业 (SPEC §6.2): an enterprise registers as a customs broker; every enterprise user finds brokers.
_BROKERS: MenuGroup = (
    _("报关企业"),
    [("web:broker_registration", _("报关企业注册")), ("web:brokers", _("查找报关企业"))],
)
_ACCOUNT_MENU: MenuGroup = (_("账号"), [("web:account", _("账号与身份认证"))])
# 海关企业管理 (SPEC §6.7): on its screens, the card's side menu opens the subsystem's group.
_REGISTRATION_MENU: MenuGroup = (
    _("海关企业管理"),
    [
        ("web:customs_registration", _("报关单位注册登记")),
        ("web:customs_registration_change", _("变更申请")),
        ("web:customs_registration_renewal", _("延续申请")),
    ],
)
_CARD_MENU: MenuGroup = (_("电子口岸"), [("web:card_home", _("子系统")), ("web:card_pin", _("修改IC卡密码"))])

# Entries are (url name, label) or (url name, label, query string): the IC卡自主管理 entries are one
# list screen opened for one action each, as the manual's menu has them.
MENUS: dict[str, list[MenuGroup]] = {
    UserKind.CARDLESS: [
        (_("首页"), [("web:start", _("办理进度"))]),
        (_("企业备案"), [("web:entries", _("三证合一信息管理")), *_FILINGS]),
        (_("企业操作员预录入"), [("web:operators", _("操作员信息预录入"))]),
        # Its label is the enterprise's: 申领法人卡 before the first card, 补办法人卡 after (portal()).
        (_("法人卡"), [("web:reissue", _("申领法人卡"))]),
        _BROKERS,
        (_("业务办理状态查询"), [("web:status", _("业务办理状态查询"))]),
        _ACCOUNT_MENU,
    ],
    # A card-less account that may not act for its enterprise yet (accounts/trust.py): its account page only.
    "untrusted": [_ACCOUNT_MENU],
    UserKind.REVIEWER: [
        (_("审核"), [("web:reviews", _("三证合一信息审核")), ("web:auto_review", _("自动审核设置"))]),
    ],
    # Customs and forex units review the enterprise filings (SPEC §3), not the 三证合一 entry.
    "filing_reviewer": [
        (_("审核"), [("web:reviews", _("企业备案审核")), ("web:auto_review", _("自动审核设置"))]),
    ],
    # Customs also sees its 关区's declared dossiers and issues 重传指令 (SPEC §6.3).
    "customs_reviewer": [
        (_("审核"), [("web:reviews", _("企业备案审核")), ("web:auto_review", _("自动审核设置"))]),
        (
            _("通关无纸化"),
            [("web:declarations", _("报关单电子随附单据")), ("web:declaration_reuploads", _("重传指令"))],
        ),
        # 快件通关 (SPEC §6.6): customs of the 进出口岸's 关区 releases or returns the express declarations.
        (
            _("快件通关"),
            [("web:express_review", _("快件审核")), ("web:express_declarations", _("本关区快件报关单"))],
        ),
        # The forms filed for its ports: it records the export declaration each was used on (SPEC §6.5).
        (_("出口收汇"), [("web:export_receipts", _("口岸核销单"))]),
    ],
    # The 外汇局 reviews the forex filings and, in 出口收汇, issues, marks lost and writes off forms (SPEC §6.5).
    "forex_reviewer": [
        (_("审核"), [("web:reviews", _("企业备案审核")), ("web:auto_review", _("自动审核设置"))]),
        (
            _("出口收汇"),
            [("web:export_receipt_requests", _("核销单发单")), ("web:export_receipts", _("核销单查询"))],
        ),
    ],
    # The 报关协会 review the brokers' registrations (SPEC §6.2).
    "assoc_reviewer": [
        (_("审核"), [("web:reviews", _("报关企业注册审核")), ("web:auto_review", _("自动审核设置"))]),
    ],
    UserKind.RA: [
        (_("操作中心"), [("web:reviews", _("审核")), ("web:auto_review", _("自动审核设置"))]),
        (
            _("IC卡管理"),
            [
                ("web:ra_legal_card_queue", _("待制法人卡")),
                ("web:ra_card_new", _("制卡")),
                ("web:cards", _("IC卡查询与办理")),
            ],
        ),
    ],
    UserKind.LEGAL_CARD: [
        (
            _("数据录入"),
            [
                ("web:operators", _("企业操作员信息申报")),
                ("web:enterprise_change", _("三证合一信息变更")),
                ("web:enterprise_accounts", _("无卡用户账号管理")),
            ],
        ),
        (
            _("IC卡自主管理"),
            [
                ("web:cards", _("延期"), "action=renew"),
                ("web:cards", _("挂失"), "action=report-lost"),
                ("web:cards", _("解挂"), "action=cancel-lost"),
                ("web:cards", _("冻结"), "action=freeze"),
                ("web:cards", _("解冻"), "action=unfreeze"),
                ("web:cards", _("解锁"), "action=unlock"),
                ("web:cards", _("综合查询")),
            ],
        ),
        (
            _("企业备案"),
            [
                *_FILINGS,
                ("web:card_customs_filing", _("IC卡海关备案")),
                ("web:card_forex_filing", _("IC卡外汇备案")),
                ("web:card_permissions", _("IC卡权限申请")),
            ],
        ),
        _BROKERS,
        (_("业务办理状态查询"), [("web:status", _("业务办理状态查询"))]),
        _CARD_MENU,
    ],
    UserKind.OPERATOR_CARD: [(_("报关企业"), [("web:brokers", _("查找报关企业"))]), _CARD_MENU],
}


# 快件通关's screens (seed 000: 快件管理 — 数据上载, 回执查询, KJ2报关单/其他报关单, 报关数据维护), in the menu of
# an operator card that may use the subsystem.
_EXPRESS_MENU: MenuGroup = (
    _("快件通关"),
    [
        ("web:express_upload", _("数据上载")),
        ("web:express_receipts", _("回执查询")),
        ("web:express_released", _("放行报关单")),
        ("web:express_declarations", _("报关数据维护")),
    ],
)

# 出口收汇's own menu, shown on its screens to the card using it (seed 000: 核销单申请, 口岸备案, 批量备案, …;
# 撤销备案, 交单 and 挂失 are done on a form picked from 口岸备案 or 综合查询).
EXPORT_RECEIPT_MENU: MenuGroup = (
    _("出口收汇"),
    [
        ("web:export_receipt_request_new", _("核销单申请")),
        ("web:export_receipt_requests", _("申请查询")),
        ("web:export_receipt_port_filing", _("口岸备案")),
        ("web:export_receipt_batch", _("批量备案")),
        ("web:export_receipts", _("综合查询")),
    ],
)


# A subsystem's own menu, shown to a card on that subsystem's screens (by the URL name's prefix): the card's
# menu entry opens the system, its menu then leads through it; on no other page does it cost a query.
SUBSYSTEM_MENUS: list[tuple[str, MenuGroup]] = [
    ("customs_registration", _REGISTRATION_MENU),
    ("express_", _EXPRESS_MENU),
    ("export_receipt", EXPORT_RECEIPT_MENU),
]


def _entries(request, entries, labels=None):
    here = request.resolver_match.view_name if request.resolver_match else ""
    action = request.GET.get("action", "")
    out = []
    for url_name, label, *query in entries:
        label = (labels or {}).get(url_name, label)
        query = query[0] if query else ""
        href = reverse(url_name) + (f"?{query}" if query else "")
        active = here == url_name and (query == f"action={action}" if action else not query)
        out.append({"href": href, "label": label, "active": active})
    return out


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "help_url": manual.link_for(request)}
    key = user.kind
    if key == UserKind.REVIEWER and user.unit_id and user.unit.dept == Dept.CUSTOMS:
        key = "customs_reviewer"
    elif key == UserKind.REVIEWER and user.unit_id and user.unit.dept == Dept.FOREX:
        key = "forex_reviewer"
    elif key == UserKind.REVIEWER and user.unit_id and user.unit.dept in FILING_DEPTS:
        key = "filing_reviewer"
    elif key == UserKind.REVIEWER and user.unit_id and user.unit.dept == Dept.ASSOC:
        key = "assoc_reviewer"
    filing_refusal = trust_refusal(user, filing=True)
    if key == UserKind.CARDLESS and trust_refusal(user) is not None:
        key = "untrusted"
    labels = {"web:reissue": request_label(user.enterprise)} if key == UserKind.CARDLESS else None
    groups = list(MENUS.get(key, []))
    url_name = (request.resolver_match.url_name if request.resolver_match else "") or ""
    if user.kind in CARD_KINDS:
        for prefix, (title, entries) in SUBSYSTEM_MENUS:
            if url_name.startswith(prefix):
                if prefix == "customs_registration" and user.kind != UserKind.LEGAL_CARD:
                    entries = entries[:1]  # 变更 / 延续 are the legal card's; an operator card reads
                groups.insert(0, (title, entries))
    menu = [(group, _entries(request, entries, labels)) for group, entries in groups]
    return {
        "menu": menu,
        "help_url": manual.link_for(request),
        "is_card": user.kind in CARD_KINDS,
        # Above every page of a card-less account that may not file yet: why, and where to fix it.
        "trust_notice": filing_refusal.message if filing_refusal is not None else None,
    }
