"""What the filings domain answers (企业备案, IC卡备案, IC卡权限申请).

A code is the API contract: clients branch on it, so each keeps one meaning (the message beside it at
the raise site is for people and may change)."""

from enum import StrEnum


class Code(StrEnum):
    ALREADY_FILED = "already_filed"  # 本企业已%(f)s通过，不能再次备案；…请办理备案变更。
    CARD_ALREADY_FILED = "card_already_filed"  # IC卡 %(c)s 已%(f)s，请不要重复选择。
    CARD_FILING_REQUIRED = "card_filing_required"  # 授权“%(s)s”需要这张IC卡先完成%(f)s。
    CARD_NOT_FILED = "card_not_filed"  # IC卡 %(c)s 尚未备案，请先办理IC卡海关备案或IC卡外汇备案。
    CARD_NOT_FOUND = "card_not_found"  # 没有这张IC卡，或您无权查看。
    CARD_NOT_USABLE = "card_not_usable"  # IC卡 %(c)s %(r)s，不能办理。
    CUSTOMS_REGISTRATION_NOT_FOUND = "customs_registration_not_found"
    ENTERPRISE_NOT_FILED = "enterprise_not_filed"  # 企业尚未完成%(f)s，不能办理IC卡%(f)s。
    ENTRY_REQUIRED = "entry_required"  # 只有在本系统先完成三证合一录入，才可以进行商务部备案。
    FILING_REQUIRED = "filing_required"  # 本企业尚未%(f)s，请先办理备案，不需要备案变更。
    FOREX_CANCELLED = "forex_cancelled"  # 本企业在外汇注销名录中，不能办理外汇备案。
    NOTHING_TO_CHANGE = "nothing_to_change"  # %(f)s的信息与三证合一信息一致，没有需要变更的内容。
    SUBSYSTEM_NOT_FOR_CARD_KIND = "subsystem_not_for_card_kind"  # %(k)s不能授权“%(s)s”。
