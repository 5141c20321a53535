"""What the express-consignment domain answers (快件通关, SPEC §6.6).

A code is the API contract: clients branch on it, so each keeps one meaning."""

from enum import StrEnum


class Code(StrEnum):
    ROWS_INVALID = "rows_invalid"  # 上载文件有错误，未保存任何数据（details 逐行列出）。
    FILE_INVALID = "file_invalid"  # 无法读取上载文件（只接受 .xlsx 或 .csv）。
    FILE_EMPTY = "file_empty"  # 上载文件中没有报关数据。
    MANIFEST_REQUIRED = "manifest_required"  # 进口报关数据须随附舱单。
    MANIFEST_NOT_ALLOWED = "manifest_not_allowed"  # 出口报关数据不随附舱单。
    DIRECTION_INVALID = "direction_invalid"  # 进出口标志只能是 I（进口）或 E（出口）。
    CATEGORY_INVALID = "category_invalid"  # 没有这个快件类别。
    WAYBILL_INVALID = "waybill_invalid"  # 总运单号格式不对。
    DECLARATION_NOT_FOUND = "declaration_not_found"  # 没有这份快件报关单，或您无权查看。
    ALREADY_DECIDED = "already_decided"  # 该报关单已放行或已退单。
    RELEASED = "released"  # 已放行的报关单不能修改类别。
    STALE = "stale"  # 报关数据已被修改，请刷新后重新审核。
    REASON_REQUIRED = "reason_required"  # 请填写退单原因。
    CUSTOMS_REQUIRED = "customs_required"  # 只有海关审核人员可以审核快件报关单。
    NOT_RELEASED = "not_released"  # 报关单放行后才能打印。
    STATE_INVALID = "state_invalid"  # 没有这个状态。
    RELEASED_INVALID = "released_invalid"  # 已放行报关单只分 kj2 和 other 两类。
