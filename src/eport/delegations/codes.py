"""What the delegations domain answers (报关企业注册, 查找报关企业).

A code is the API contract: clients branch on it, so each keeps one meaning."""

from enum import StrEnum


class Code(StrEnum):
    ALREADY_BROKER = "already_broker"  # 本企业已注册为报关企业，不能再次注册。
    BROKER_CODE_TAKEN = "broker_code_taken"  # 海关编码 %(c)s 已由其他报关企业注册。
    ENTERPRISE_USER_REQUIRED = "enterprise_user_required"  # 只有企业用户可以查找报关企业。
    NO_ASSOCIATION = "no_association"  # 主管海关 %(c)s 没有对应的报关协会。
    # 代理报关委托
    TERMS_NOT_ACCEPTED = "terms_not_accepted"  # 未同意委托报关协议通用条款，不能发起委托。
    AGREEMENT_REQUIRED = (
        "agreement_required"  # 本企业在关区 %(c)s 尚未签约通关无纸化三方协议（签约海关审批）。
    )
    BROKER_UNKNOWN = "broker_unknown"  # 没有这个报关企业（须经报关协会审核通过）。
    SELF_DELEGATION = "self_delegation"  # 不能委托本企业自己。
    DELEGATION_OPEN = "delegation_open"  # 已有对该报关企业在该关区的有效委托（状态：…）。
    DELEGATION_NOT_FOUND = "delegation_not_found"  # 没有这份委托，或您无权查看。
    DELEGATION_NOT_PENDING = "delegation_not_pending"  # 委托当前状态为…，不能接受或拒绝。
    DELEGATION_NOT_OPEN = "delegation_not_open"  # 委托当前状态为…，不能撤销。
    DELEGATION_EXPIRED = "delegation_expired"  # 委托已过有效期。
    REASON_REQUIRED = "reason_required"  # 请填写原因。
    SIGNING_UNKNOWN = "signing_unknown"  # 没有这份待签名的委托书，或已过期，请重新发起委托。
    ROLE_INVALID = "role_invalid"  # 委托方向只能是 given 或 received。
    STATE_INVALID = "state_invalid"  # 没有这个委托状态。
