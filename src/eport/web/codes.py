"""What the screens answer on their own (request shape).

A code is the API contract: clients branch on it, so each keeps one meaning (the message beside it at
the raise site is for people and may change)."""

from enum import StrEnum


class Code(StrEnum):
    ACTION_REQUIRED = "action_required"  # 请选择审核通过或退回。
    APPLICATION_NOT_FOUND = "application_not_found"  # 没有找到这条申请。
    CARD_NOT_FOUND = "card_not_found"  # 没有这张IC卡，或您无权查看。
