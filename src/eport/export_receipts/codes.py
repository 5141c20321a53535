"""What the export-receipt domain answers (出口收汇, SPEC §6.5).

A code is the API contract: clients branch on it, so each keeps one meaning."""

from enum import StrEnum


class Code(StrEnum):
    FOREX_FILING_REQUIRED = "forex_filing_required"  # 本企业尚未办理外汇备案，不能申请核销单。
    COUNT_INVALID = "count_invalid"  # 份数须为不小于1的整数。
    COUNT_TOO_MANY = "count_too_many"  # 发单份数不能超过申请份数。
    REQUEST_NOT_FOUND = "request_not_found"  # 没有这个申请号，或您无权查看。
    REQUEST_DONE = "request_done"  # 该申请已发单。
    FORM_NOT_FOUND = "form_not_found"  # 没有这份核销单，或您无权查看。
    FORM_NO_INVALID = "form_no_invalid"  # 核销单号为9位数字。
    PORT_UNKNOWN = "port_unknown"  # 没有这个口岸（关区）。
    ALREADY_FILED = "already_filed"  # 该核销单已备案，请先撤销备案。
    STATE_CONFLICT = "state_conflict"  # 核销单状态为…，不能…。
    USED_ON_DECLARATION = "used_on_declaration"  # 已用于出口报关，不能撤销备案。
    NOTHING_TO_FILE = "nothing_to_file"  # 没有可备案的核销单。
    SELECTION_REQUIRED = "selection_required"  # 请至少选择一份核销单。
    DECL_NO_INVALID = "decl_no_invalid"  # 出口报关单号为18位数字…
    BUREAU_REQUIRED = "bureau_required"  # 只有外汇局审核人员可以…
    CUSTOMS_REQUIRED = "customs_required"  # 只有海关审核人员可以…
    STATE_INVALID = "state_invalid"  # 没有这个状态。
