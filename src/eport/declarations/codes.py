"""What the declarations domain answers (报关单电子随附单据, SPEC §6.3).

A code is the API contract: clients branch on it, so each keeps one meaning."""

from enum import StrEnum


class Code(StrEnum):
    RIGHT_REQUIRED = "right_required"  # 这张IC卡没有“%(r)s”权限。
    CUSTOMS_REQUIRED = "customs_required"  # 只有海关审核人员可以…
    DECL_NO_INVALID = "decl_no_invalid"  # 报关单号为18位数字…
    DECL_NO_TAKEN = "decl_no_taken"  # 这个报关单号已由其他申报单位录入。
    DOSSIER_MISMATCH = "dossier_mismatch"  # 报关单 %(n)s 已录入，经营单位、关区或进出口与之不符。
    DOSSIER_NOT_FOUND = "dossier_not_found"  # 没有找到这份报关单。
    CUSTOMS_UNKNOWN = "customs_unknown"  # 没有这个关区代码。
    DIRECTION_INVALID = "direction_invalid"  # 进出口须为 I（进口）或 E（出口）。
    AGREEMENT_REQUIRED = "agreement_required"  # 本企业在关区 %(c)s 尚未签约通关无纸化…
    DELEGATION_REQUIRED = "delegation_required"  # 没有该经营单位在关区…的有效代理报关委托。
    DOC_TYPE_INVALID = "doc_type_invalid"  # 请选择正确的单据类型。
    DELEGATION_NOT_UPLOADABLE = "delegation_not_uploadable"  # 代理报关委托由系统按委托填入，不能手工上传。
    FILE_REQUIRED = "file_required"  # 请选择要上传的PDF文件。
    FILE_TOO_LARGE = "file_too_large"  # 每个文件不能超过20M。
    FILE_NOT_PDF = "file_not_pdf"  # 只能上传PDF文件（按文件内容识别）。
    PDF_ENCRYPTED = "pdf_encrypted"  # PDF文件已加密…
    PDF_BROKEN = "pdf_broken"  # PDF文件已损坏…
    PAGE_TOO_LARGE = "page_too_large"  # 第%(p)d页为%(k)dK，每页不能超过200K。
    DOCUMENT_LOCKED = "document_locked"  # 报关单已申报：只有海关要求重传的单据可以重新上传。
    DOCUMENTS_REQUIRED = "documents_required"  # 请至少上传一份随附单据后再申报。
    ALREADY_DECLARED = "already_declared"  # 这份报关单已申报。
    REUPLOAD_NOT_ALLOWED = "reupload_not_allowed"  # 代理报关委托…不允许重传。
    REUPLOAD_OPEN = "reupload_open"  # 这类单据已有未完成的重传指令。
    STATE_INVALID = "state_invalid"  # 没有这个状态。
    REASON_REQUIRED = "reason_required"  # 请填写重传原因。
