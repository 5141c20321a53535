"""What the throttles answer (too many attempts).

A code is the API contract: clients branch on it, so each keeps one meaning (the message beside it at
the raise site is for people and may change)."""

from enum import StrEnum


class Code(StrEnum):
    LOGIN_THROTTLED = "login_throttled"  # 登录失败次数过多，请%(m)d分钟后再试。
    CARD_LOGIN_THROTTLED = "card_login_throttled"  # IC卡登录失败次数过多，请%(m)d分钟后再试。
    PIN_CHANGE_THROTTLED = "pin_change_throttled"  # IC卡密码输错次数过多，请%(m)d分钟后再试。
    PASSWORD_CHANGE_THROTTLED = "password_change_throttled"  # 原密码输错次数过多，请%(m)d分钟后再试。
    REGISTER_THROTTLED = "register_throttled"  # 从您所在网络注册的账号过多，请%(m)d分钟后再试。
    SERVER_BUSY = "server_busy"  # 系统繁忙，请稍后再试。
