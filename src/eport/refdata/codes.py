"""What the reference data answers (code look-ups).

A code is the API contract: clients branch on it, so each keeps one meaning (the message beside it at
the raise site is for people and may change)."""

from enum import StrEnum


class Code(StrEnum):
    PREFIX_TOO_SHORT = "prefix_too_short"  # 请至少输入 %(n)d 位代码。
    UNKNOWN_LIST = "unknown_list"  # 没有这个代码表。
