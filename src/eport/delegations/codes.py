"""What the delegations domain answers (报关企业注册, 查找报关企业).

A code is the API contract: clients branch on it, so each keeps one meaning."""

from enum import StrEnum


class Code(StrEnum):
    ALREADY_BROKER = "already_broker"  # 本企业已注册为报关企业，不能再次注册。
    BROKER_CODE_TAKEN = "broker_code_taken"  # 海关编码 %(c)s 已由其他报关企业注册。
    ENTERPRISE_USER_REQUIRED = "enterprise_user_required"  # 只有企业用户可以查找报关企业。
    NO_ASSOCIATION = "no_association"  # 主管海关 %(c)s 没有对应的报关协会。
