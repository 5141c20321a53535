"""委托报关协议通用条款: the general terms a consignor accepts before it delegates (SPEC §6.2). The version
is recorded with every delegation and printed in its signed 委托书; a change of the text is a new version."""

from django.utils.translation import gettext_lazy as _

TERMS_VERSION = "2026.1"

TERMS = [
    _(
        "第一条 委托方（经营单位）委托被委托方（报关企业）在委托书载明的关区、进出口方向和有效期内，以委托方名义"
        "办理通关无纸化报关手续。"
    ),
    _(
        "第二条 委托方应如实提供报关所需的合同、发票、装箱单、提（运）单等单证，对其真实性、准确性和完整性负责，"
        "并按海关要求提供电子随附单据。"
    ),
    _(
        "第三条 被委托方应以委托方提供的单证为依据如实申报，按海关规定上传电子随附单据，对申报内容的规范性负责，"
        "并及时将海关的重传指令、查验和放行信息告知委托方。"
    ),
    _("第四条 被委托方不得将委托事项转委托他人，不得超出委托书载明的关区、进出口方向和有效期办理报关。"),
    _(
        "第五条 委托经被委托方接受后生效；任何一方可随时撤销委托，撤销前已申报的报关单不受影响；有效期届满，"
        "委托自动到期。"
    ),
    _("第六条 委托书以委托方IC卡的数字签名签署，与书面签章具有同等效力；双方的接受、拒绝和撤销均记入审计。"),
]
