"""What the accounts domain answers (sign-in, passwords, trust of an account).

A code is the API contract: clients branch on it, so each keeps one meaning (the message beside it at
the raise site is for people and may change)."""

from enum import StrEnum


class Code(StrEnum):
    ACCOUNT_CLOSED = "account_closed"  # 账号已关闭：%(r)s
    CREDENTIALS_REQUIRED = "credentials_required"  # 请输入用户名和密码。
    EMAIL_ALREADY_CONFIRMED = "email_already_confirmed"  # 电子邮箱已经确认。
    EMAIL_RESEND_TOO_SOON = "email_resend_too_soon"  # 确认邮件刚刚发出，请稍后再重新发送。
    EMAIL_TOKEN_INVALID = "email_token_invalid"  # 确认链接无效或已过期，请登录后重新发送确认邮件。
    EMAIL_UNCONFIRMED = "email_unconfirmed"
    ENTERPRISE_ACTOR_REQUIRED = "enterprise_actor_required"  # 只有企业用户可以办理此业务。
    ENTERPRISE_NOT_FOUND = "enterprise_not_found"  # 本分中心辖区内没有这家企业。
    INVALID_CREDENTIALS = "invalid_credentials"  # 用户名或密码不正确。
    REVIEWER_REQUIRED = "reviewer_required"
    ROLE_INVALID = "role_invalid"  # 角色必须是 reviewer、ra 或 admin。
    UNIT_DEPT_MISMATCH = "unit_dept_mismatch"  # 操作中心账号须属于操作中心单位，审核账号须属于审核部门单位。
    UNIT_UNKNOWN = "unit_unknown"  # 没有这个单位：%(u)s
    UNVERIFIED_ACCOUNT = "unverified_account"
    USERNAME_TAKEN = "username_taken"  # 用户名已被使用。
