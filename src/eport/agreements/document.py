"""The 三方协议 itself: the text of the PDF the legal card signs (SPEC §6.1), one for the 关区 ticked
together. Rendered by eport/pdfdoc.py (reportlab, the built-in CID font STSong-Light: no font file). The
text is the agreement's, in Chinese whatever the reader's language: it is the document the parties sign."""

import datetime as dt
from dataclasses import dataclass

from eport.pdfdoc import text_pdf

TITLE = "中国电子口岸通关无纸化三方协议"
DATA_CENTRE = "中国电子口岸数据中心"


@dataclass(frozen=True)
class Party:
    name: str
    uscc: str


# The clauses: 企业 (甲方), 海关 (乙方: the direct customs of each 关区 below), 数据中心 (丙方).
CLAUSES = [
    (
        "第一条 协议目的",
        "为推进通关作业无纸化改革，提高通关效率，甲方自愿选择以通关无纸化方式向乙方办理进出口货物申报及相关手续，"
        "乙方依法受理，丙方提供中国电子口岸网络传输、身份认证及数据存储服务。三方本着平等、自愿、诚信的原则，"
        "签订本协议。",
    ),
    (
        "第二条 甲方的权利和义务",
        "（一）甲方及其委托的报关企业通过中国电子口岸向乙方发送报关单电子数据及随附单据电子数据，"
        "以电子数据代替纸质单证，电子数据与纸质单证具有同等法律效力；"
        "（二）甲方保证所发送电子数据及随附单据电子文件真实、准确、完整，与原始纸质单证一致，并对其真实性承担法律责任；"
        "（三）甲方应按照海关规定妥善保管纸质报关单证及相关单证，自货物放行之日起保存三年，海关要求时按时提交；"
        "（四）甲方应妥善保管中国电子口岸IC卡及其密码，因IC卡保管或使用不当造成的后果由甲方承担，"
        "IC卡遗失的，应立即向丙方办理挂失；"
        "（五）甲方委托报关企业办理无纸化申报的，应通过中国电子口岸签订电子代理报关委托协议。",
    ),
    (
        "第三条 乙方的权利和义务",
        "（一）乙方对甲方以通关无纸化方式申报的报关单及随附单据电子数据依法进行审核、查验和放行；"
        "（二）乙方根据风险管理需要，可以要求甲方提交纸质单证或转为有纸方式申报，甲方应予配合；"
        "（三）甲方违反海关监管规定或本协议约定的，乙方可以暂停或终止其通关无纸化作业。",
    ),
    (
        "第四条 丙方的权利和义务",
        "（一）丙方负责中国电子口岸系统的运行维护，保障电子数据传输安全、完整和可追溯；"
        "（二）丙方为甲方签发的IC卡提供身份认证及数字签名服务，对本协议及各方电子数据予以存储备查；"
        "（三）丙方对甲方的商业秘密及电子数据负有保密义务，法律、行政法规另有规定的除外。",
    ),
    (
        "第五条 协议的生效与解除",
        "本协议经甲方以法人卡数字签名签署，经丙方验证签名入库、乙方审批后生效，适用于下列关区。"
        "甲方可以通过中国电子口岸申请解除本协议，解约无需乙方审核，解约后甲方不能在该关区以通关无纸化方式申报。"
        "乙方退回的，本协议在该关区不生效，甲方可以重新签约。",
    ),
    (
        "第六条 其他",
        "本协议未尽事宜，按照《中华人民共和国海关法》及海关总署有关通关作业无纸化的规定执行。"
        "本协议以电子文件形式签署，甲方法人卡的数字签名与书面签章具有同等效力。",
    ),
]


def agreement_rows(
    enterprise: Party, customs: list[tuple[str, str]], day: dt.date, *, card_no: str = ""
) -> list[tuple[str, str]]:
    """The particulars: the three parties, the 关区, the signing card and the date (also what the signing
    page shows above 签名)."""
    return [
        ("甲方（企业）", enterprise.name),
        ("统一社会信用代码", enterprise.uscc),
        ("乙方（海关）", "下列关区所属直属海关"),
        ("丙方", DATA_CENTRE),
        ("适用关区", "；".join(f"{code} {name}" for code, name in customs)),
        ("签约法人卡", card_no or "-"),
        ("签约日期", f"{day.year}年{day.month}月{day.day}日"),
    ]


def agreement_paragraphs() -> list[str]:
    return [f"{heading}　{text}" for heading, text in CLAUSES] + [
        "甲方以法人卡数字签名签署本协议；丙方验证签名后入库；乙方在网上审批。"
    ]


def agreement_pdf(
    enterprise: Party, customs: list[tuple[str, str]], day: dt.date, *, card_no: str = ""
) -> bytes:
    """The agreement for `customs` ([(code, name)]), dated `day`."""
    return text_pdf(
        TITLE,
        agreement_rows(enterprise, customs, day, card_no=card_no),
        agreement_paragraphs(),
        author=enterprise.name,
        subject=TITLE,
    )
