"""What the cards domain answers (making, sign-in, PINs, card actions, the card menu).

A code is the API contract: clients branch on it, so each keeps one meaning (the message beside it at
the raise site is for people and may change)."""

from enum import StrEnum


class Code(StrEnum):
    # why a card cannot be used now (Card.blocker): sign-in, sessions, the screens' "usable"
    CARD_LOST = "card_lost"  # IC卡已挂失，不能使用。
    CARD_FROZEN = "card_frozen"  # IC卡已冻结，不能使用。
    CARD_NOT_YET_VALID = "card_not_yet_valid"  # IC卡尚未生效。
    CERTIFICATE_REVOKED = "certificate_revoked"
    CERTIFICATE_ON_HOLD = "certificate_on_hold"
    ACTION_UNKNOWN = "action_unknown"  # 没有这项IC卡业务。
    CARD_ACTION_FORBIDDEN = "card_action_forbidden"  # 您无权对这张卡办理%(a)s。
    CARD_EXPIRED = "card_expired"  # IC卡已过有效期，不能延期，请重新申请制卡。
    CARD_INCOMPLETE = "card_incomplete"  # IC卡尚未制作完成，不能办理业务。
    CARD_LOCKED = "card_locked"  # IC卡密码已连续输错%(n)d次，卡已锁定。
    CARD_NOT_FOUND = "card_not_found"  # 没有这张IC卡，或您无权查看。
    CARD_NOT_LOCKED = "card_not_locked"  # IC卡未锁定，无需解锁。
    CARD_UNKNOWN = "card_unknown"  # the signing card is not one of ours
    CARD_NO_INVALID = "card_no_invalid"  # IC卡号格式不正确。
    CARD_ONLY = "card_only"  # 请使用IC卡登录后修改IC卡密码。
    SUBSYSTEM_NOT_GRANTED = "subsystem_not_granted"  # 本卡没有使用“%(s)s”的权限。
    CARD_VOIDED = "card_voided"  # IC卡已作废，不能再办理业务。
    CA_EXPIRING = "ca_expiring"  # 签发CA的有效期不足，不能再延期：请联系系统管理员更新CA。
    CERTIFICATE_UNTRUSTED = "certificate_untrusted"  # IC卡证书不是本系统CA签发的。
    CHALLENGE_EXPIRED = "challenge_expired"  # IC卡验证挑战已过期，请重试。
    CHALLENGE_INVALID = "challenge_invalid"  # IC卡验证挑战无效，请重试。
    CHALLENGE_REPLAYED = "challenge_replayed"  # IC卡验证挑战已使用过，请重试。
    ENTERPRISE_NOT_FOUND = "enterprise_not_found"  # 本分中心辖区内没有这家企业。
    ENTERPRISE_NOT_IN_NETWORK = "enterprise_not_in_network"  # 企业尚未入网，不能制卡。
    FIELD_REQUIRED = "field_required"  # 请输入企业统一社会信用代码。
    HELD_BY_SUBCENTRE = "held_by_subcentre"  # 这张卡由数据分中心挂失或冻结，须到数据分中心办理解挂或解冻。
    HOLDER_MISSING = "holder_missing"  # 企业法人信息不完整，不能制卡。
    KIND_INVALID = "kind_invalid"  # 卡类型须为 legal（法人卡）或 operator（操作员卡）。
    LEGAL_CARD_AT_SUBCENTRE = (
        "legal_card_at_subcentre"  # 法人卡本身的延期、挂失、解挂等业务沿用旧流程，请到数据分中心办理。
    )
    OPERATOR_CANCELLING = "operator_cancelling"  # 该操作员正在注销申报中，不能制卡。
    OPERATOR_CARD_NOT_VOIDED = (
        "operator_card_not_voided"  # 该操作员的IC卡 %(c)s 尚未作废，不能注销：请先到数据分中心作废该卡。
    )
    OPERATOR_NOT_APPROVED = "operator_not_approved"  # 操作员信息尚未审核通过，不能制卡。
    OPERATOR_NOT_EXPECTED = "operator_not_expected"  # 法人卡不填写操作员编号。
    OPERATOR_NOT_FOUND = "operator_not_found"  # 该企业没有这个操作员。
    PIN_FORMAT = "pin_format"  # 新IC卡密码须为%(a)d到%(b)d位数字。
    PIN_REQUIRED = "pin_required"  # 请输入新IC卡密码。
    PIN_TOO_SIMPLE = "pin_too_simple"  # 新IC卡密码过于简单（相同或连续的数字），请重新设置。
    PIN_UNCHANGED = "pin_unchanged"  # 新IC卡密码不能与原IC卡密码相同。
    PIN_WRONG = "pin_wrong"  # IC卡密码不正确，还可以尝试%(n)d次。
    PURPOSE_INVALID = "purpose_invalid"  # 用途须为 login 或 renew。
    RA_ONLY = "ra_only"  # 只有数据分中心（操作中心）可以办理。
    REASON_INVALID = "reason_invalid"  # 作废原因不正确。
    REQUEST_FULFILLED = "request_fulfilled"  # 这条法人卡申请已经制卡。
    RENEW_TOO_EARLY = "renew_too_early"  # IC卡在有效期届满前%(n)d天内才能办理延期（有效期至 %(d)s）。
    SIGNATURE_INVALID = "signature_invalid"
    # card signing of documents (documents.py)
    SIGN_ID_INVALID = "sign_id_invalid"  # 没有这份待签名文件，或它不是为这张卡准备的。
    SIGN_ID_EXPIRED = "sign_id_expired"  # 待签名文件已过期，请重新发起签名。
    SIGN_ID_USED = "sign_id_used"  # 这份文件已签过名（或签名已失败），请重新发起签名。
    DOCUMENT_INVALID = "document_invalid"  # 文件不是可以签名的PDF。
    DOCUMENT_DIGEST_MISMATCH = "document_digest_mismatch"  # 待签名文件已被改动，签名未写入。
    STALE_VERSION = "stale_version"  # 这条申请已被修改过（当前版本 %(v)d），请刷新后再操作。
    STATE_CONFLICT = "state_conflict"  # 申请当前状态不能办理这项操作。
    STATE_INVALID = "state_invalid"  # 卡状态不正确。
    VERSION_INVALID = "version_invalid"  # 版本号必须是数字。
