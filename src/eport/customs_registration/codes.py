"""What the customs registration domain answers (海关企业管理, SPEC §6.7).

A code is the API contract: clients branch on it, so each keeps one meaning."""

from enum import StrEnum


class Code(StrEnum):
    NOT_REGISTERED = "customs_registration_not_found"  # 本企业尚未办理海关备案（报关单位注册登记）。
    NOTHING_CHANGED = "registration_unchanged"  # 变更申请没有改动任何登记事项。
    RENEWAL_TOO_EARLY = "renewal_too_early"  # 报关有效期届满前90天内方可申请延续。
    NO_CUSTOMS_UNIT = "no_customs_unit"  # 注册海关没有对应的企管审核单位。
    ANNUAL_REPORT_DONE = "annual_report_done"  # 该年度报告已报送。
