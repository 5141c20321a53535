"""What the processing-trade authorisation domain answers (加贸权限管理, SPEC §6.4).

A code is the API contract: clients branch on it, so each keeps one meaning."""

from enum import StrEnum


class Code(StrEnum):
    LEGAL_CARD_REQUIRED = "legal_card_required"  # 只有法人卡可以新增、修改或删除授权。
    GRANTEE_UNKNOWN = "grantee_unknown"  # 没有海关编码为 %(c)s 的已备案企业。
    SELF_GRANT = "self_grant"  # 不能授权给本企业自己。
    GRANT_EXISTS = "grant_exists"  # 已有对该企业、该企业内部编号的授权。
    GRANT_NOT_FOUND = "grant_not_found"  # 没有这条授权，或您无权查看。
    BOOK_TYPE_INVALID = "book_type_invalid"  # 没有这个授权类型。
