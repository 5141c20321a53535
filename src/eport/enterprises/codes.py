"""What the enterprises domain answers (registration, entry and change, proving an account).

A code is the API contract: clients branch on it, so each keeps one meaning (the message beside it at
the raise site is for people and may change)."""

from enum import StrEnum


class Code(StrEnum):
    # the account a legal card decides on was closed meanwhile (409); not ACCOUNT_CLOSED, the actor's own (403)
    ACCOUNT_ALREADY_CLOSED = "account_already_closed"
    ACCOUNT_CLOSED = "account_closed"  # 账号已关闭：%(r)s
    ACCOUNT_NOT_FOUND = "account_not_found"  # 没有找到这个无卡用户账号。
    ACCOUNT_NOT_PENDING = "account_not_pending"  # 只有待确认的账号可以确认（当前：%(s)s）。
    ALREADY_IN_NETWORK = "already_in_network"  # 本企业已入网，如需修改三证合一信息请办理变更。
    ALREADY_VERIFIED = "already_verified"  # 账号已经通过身份认证。
    CARDLESS_ONLY = "cardless_only"  # 只有无卡用户账号需要身份认证。
    CARD_ISSUER_UNKNOWN = "card_issuer_unknown"  # 企业没有对应的数据分中心（发卡机构），请先完成入网。
    CUSTOMS_CODE_UNSERVED = (
        "customs_code_unserved"  # 没有为这个主管海关服务的数据分中心，请核对主管海关代码。
    )
    ENTERPRISE_NOT_APPROVED = "enterprise_not_approved"  # 只有审核通过（已入网）的三证合一信息可以变更。
    ENTERPRISE_NOT_IN_NETWORK = "enterprise_not_in_network"  # 企业尚未入网，不能制卡。
    LICENCE_NONCE_EXPIRED = "licence_nonce_expired"  # 认证已超时，请重新发起电子营业执照认证。
    LICENCE_NONCE_INVALID = (
        "licence_nonce_invalid"  # 这份电子营业执照授权不是为本账号发起的，请重新发起认证。
    )
    LICENCE_UNAVAILABLE = (
        "licence_unavailable"  # 本系统未配置电子营业执照签发机构，暂不能使用电子营业执照认证。
    )
    LICENCE_USCC_MISMATCH = "licence_uscc_mismatch"  # 电子营业执照的统一社会信用代码与本账号登记的不一致。
    REASON_TOO_LONG = "reason_too_long"  # 原因不能超过200字。
    REGISTRY_NOT_FOUND = "registry_not_found"  # 工商登记中没有这个统一社会信用代码。
    REGISTRY_STATUS_ABNORMAL = "registry_status_abnormal"  # 该企业在工商登记中的状态为%(s)s，不能入网：请先联系当地工商部门出具正常企业证明。
    STATE_INVALID = "state_invalid"  # 卡状态不正确。
    USCC_ESTABLISHED = (
        "uscc_established"  # 该统一社会信用代码的企业已由其他账号完成认证或入网，本账号不能再申请入网。
    )
    USERNAME_TAKEN = "username_taken"  # 用户名已被使用。
