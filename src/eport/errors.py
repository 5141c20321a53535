"""One exception tree for domain refusals: a stable code, a translatable message, the field.

The API maps these to `{"error": {"code", "message", "field"}}` with the class's HTTP status;
the screens show the message next to the field (or at the top when there is none).
"""

from enum import StrEnum


# Codes any domain may answer (pagination, exports, input checks); each domain app has its own in codes.py.
class Code(StrEnum):
    EXPORT_TOO_LARGE = "export_too_large"  # 导出的记录超过%(n)d条，请缩小查询条件后再导出。
    EXPORT_NOT_FOUND = "export_not_found"  # 没有这个导出。
    EXPORT_NOT_READY = "export_not_ready"  # 导出文件尚未生成。
    NOT_FOUND = "not_found"  # 没有这个接口。
    PAGE_INVALID = "page_invalid"  # 页码和每页条数必须是数字。
    PAGE_SIZE_INVALID = "page_size_invalid"  # 每页条数必须在1到100之间。


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message, field: str | None = None, details: list | None = None):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field
        self.details = details or []

    def as_dict(self) -> dict:
        body: dict = {"code": self.code, "message": str(self.message), "field": self.field}
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(DomainError):
    status = 400


class Unauthenticated(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class TooLarge(DomainError):
    status = 413


class Throttled(DomainError):
    status = 429


class Unavailable(DomainError):
    """The server cannot take this now (e.g. every Argon2 slot is busy); the same request may pass later."""

    status = 503


def from_form_errors(form) -> InvalidInput:
    """Turn a bound Django form's errors into one refusal naming the first bad field."""
    details: list[dict] = []
    for field, errors in form.errors.items():
        for err in errors.as_data():
            msg = " ".join(err.messages)
            details.append(
                {
                    "field": None if field == "__all__" else field,
                    "code": err.code or "invalid",
                    "message": msg,
                }
            )
    first: dict = details[0] if details else {"field": None, "code": "invalid", "message": "invalid"}
    label = ""
    if first["field"] and first["field"] in form.fields:
        label = f"{form.fields[first['field']].label}: "
    return InvalidInput(first["code"], f"{label}{first['message']}", first["field"], details)
