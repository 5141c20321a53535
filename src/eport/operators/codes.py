"""What the operators domain answers (declaration, change, cancellation).

A code is the API contract: clients branch on it, so each keeps one meaning (the message beside it at
the raise site is for people and may change)."""

from enum import StrEnum


class Code(StrEnum):
    ENTRY_REQUIRED = "entry_required"  # 只有在本系统先完成三证合一录入，才可以进行商务部备案。
    OPERATOR_CANCELLATION_IN_FLIGHT = (
        "operator_cancellation_in_flight"  # 该操作员正在注销申报中，只可以查看，不能修改。
    )
    OPERATOR_CANCELLED = "operator_cancelled"  # 该操作员已注销，不能再申报变更。
    OPERATOR_EXISTS = "operator_exists"  # 本企业已有这个证件号的操作员。
    OPERATOR_NOT_APPROVED = "operator_not_approved"  # 操作员信息尚未审核通过，不能制卡。
    OPERATOR_NOT_FOUND = "operator_not_found"  # 该企业没有这个操作员。
    OPERATOR_NOT_REGISTERED_HERE = (
        "operator_not_registered_here"  # 该操作员不是在本系统注册的，不能在此注销，请到数据分中心办理。
    )
    PRE_ENTRY_CLOSED = (
        "pre_entry_closed"  # 本企业已入网，操作员信息请使用法人卡在“企业操作员信息申报”中申报。
    )
    STATUS_INVALID = "status_invalid"  # 信息状态不正确。
