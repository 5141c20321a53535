"""What the agreements domain answers (三方协议签约, 查询, 解约).

A code is the API contract: clients branch on it, so each keeps one meaning."""

from enum import StrEnum


class Code(StrEnum):
    LEGAL_CARD_REQUIRED = "legal_card_required"  # 只有法人卡可以签订和解除三方协议。 (403)
    AGREEMENT_READER_REQUIRED = (
        "agreement_reader_required"  # 只有本企业用户和审核海关可以查看三方协议。 (403)
    )
    CUSTOMS_REQUIRED = "customs_required"  # 请至少选择一个关区。 (400)
    CUSTOMS_UNKNOWN = "customs_unknown"  # 关区 %(c)s 不是可以签约的直属海关。 (400)
    AGREEMENT_EXISTS = "agreement_exists"  # 该关区已签约（状态：%(s)s）。 (409)
    AGREEMENT_NOT_FOUND = "agreement_not_found"  # 没有找到该关区的三方协议。 (404)
    NOT_TERMINABLE = "agreement_not_terminable"  # 该关区的三方协议已%(s)s，不能解约。 (409)
    SIGN_ID_INVALID = "sign_id_invalid"  # 没有这份待签名的三方协议，请重新签约。 (400)
    SIGNED_IN_SUBSYSTEM = "agreement_signed_in_subsystem"  # 三方协议在通关无纸化网上签约中签订。 (409)
    SIGNATURE_NOT_VERIFIED = (
        "agreement_signature_not_verified"  # 三方协议的签名验证未通过，不能审批通过。 (409)
    )
