"""What the API itself answers before any domain rule (request shape).

A code is the API contract: clients branch on it, so each keeps one meaning (the message beside it at
the raise site is for people and may change)."""

from enum import StrEnum


class Code(StrEnum):
    CSRF_FAILED = "csrf_failed"  # CSRF 校验失败，请刷新页面后重试。
    NOT_FOUND = "not_found"  # 没有这个接口。
    PASSWORD_CHANGE_REQUIRED = "password_change_required"  # 首次登录须先修改初始密码。
    PIN_CHANGE_REQUIRED = "pin_change_required"  # 首次使用新IC卡（或解锁后）须先修改IC卡密码。
    UNIT_NOT_FOUND = "unit_not_found"  # 没有这个单位。
