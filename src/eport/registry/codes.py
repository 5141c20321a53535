"""What the registries answer (the business registry, the licence assertion).

A code is the API contract: clients branch on it, so each keeps one meaning (the message beside it at
the raise site is for people and may change)."""

from enum import StrEnum


class Code(StrEnum):
    LICENCE_EXPIRED = "licence_expired"  # 电子营业执照授权已过期，请重新扫码授权。
    LICENCE_INVALID = "licence_invalid"  # 电子营业执照授权无效（签名不正确或格式错误）。
    LICENCE_ISSUER_EXPIRED = "licence_issuer_expired"  # 电子营业执照签发机构的证书不在有效期内。
    LICENCE_UNAVAILABLE = (
        "licence_unavailable"  # 本系统未配置电子营业执照签发机构，暂不能使用电子营业执照认证。
    )
    LICENCE_WRONG_AUDIENCE = "licence_wrong_audience"  # 这份电子营业执照授权不是给本系统的。
