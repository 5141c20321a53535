"""What the application engine answers (editing, submitting, reviewing, attachments).

A code is the API contract: clients branch on it, so each keeps one meaning (the message beside it at
the raise site is for people and may change)."""

from enum import StrEnum


class Code(StrEnum):
    APPLICATION_NOT_FOUND = "application_not_found"  # 没有找到这条申请。
    # 申报 without a document the kind requires (its details name each: field "attachments.<doc_type>")
    ATTACHMENTS_REQUIRED = "attachments_required"  # 申报%(kind)s须上传随附单据：%(d)s。
    ATTACHMENT_NOT_FOUND = "attachment_not_found"  # 没有找到这个随附单据。
    AUTO_REVIEW_OWN_UNIT_ONLY = (
        "auto_review_own_unit_only"  # 只能设置本单位的自动审核，不能设置其他单位（包括下级单位）。
    )
    DATE_INVALID = "date_invalid"  # 日期格式应为 YYYY-MM-DD。
    DATE_RANGE_INVALID = "date_range_invalid"  # 提交日期的起始日期应早于截止日期。
    DOC_TYPE_INVALID = "doc_type_invalid"  # 请选择正确的单据类型。
    FILE_REQUIRED = "file_required"  # 请选择要上传的文件。
    FILE_TOO_LARGE = "file_too_large"  # 文件不能超过4M，请压缩后再上传。
    FILE_TYPE_INVALID = "file_type_invalid"  # 只能上传 PDF、JPEG 或 PNG 文件（按文件内容识别）。
    KIND_NOT_ALLOWED = "kind_not_allowed"  # 您不能办理这项业务。
    KIND_UNKNOWN = "kind_unknown"  # 不支持的业务类型：%(k)s
    NOT_DELETABLE = "not_deletable"  # 只可以删除状态为暂存的申请。
    NOT_EDITABLE = "not_editable"  # 申请正在审核中，只可以查看，不能修改。
    NOT_SUBMITTABLE = "not_submittable"  # 只有暂存或退回的申请可以申报。
    OPEN_APPLICATION_EXISTS = (
        "open_application_exists"  # 已有一条暂存、申报未审核或退回的同类申请，请先办理完那一条。
    )
    OPINION_REQUIRED = "opinion_required"  # 请填写审核意见。
    OPINION_TOO_LONG = "opinion_too_long"  # 审核意见不能超过500字。
    STALE_VERSION = "stale_version"  # 这条申请已被修改过（当前版本 %(v)d），请刷新后再操作。
    STATE_CONFLICT = "state_conflict"  # 申请当前状态不能办理这项操作。
    STATUS_INVALID = "status_invalid"  # 信息状态不正确。
    STEP_NOT_FOUND = "step_not_found"  # 没有找到这个审核环节。
    STEP_NOT_PENDING = "step_not_pending"  # 这个审核环节已处理或尚未轮到，不能再审核。
    UNIT_NOT_FOUND = "unit_not_found"  # 没有这个单位。
    VERSION_INVALID = "version_invalid"  # 版本号必须是数字。
    VERSION_REQUIRED = "version_required"  # 请提供版本号 version。
