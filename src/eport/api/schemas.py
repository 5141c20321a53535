from datetime import datetime

from ninja import Schema


class ErrorBody(Schema):
    code: str
    message: str
    field: str | None = None


class Error(Schema):
    error: ErrorBody


class RegisterIn(Schema):
    username: str
    password: str
    uscc: str
    enterprise_name: str
    contact_name: str
    phone: str
    email: str


class RegisterOut(Schema):
    id: int
    username: str


class LoginIn(Schema):
    username: str
    password: str


class LoginOut(Schema):
    token: str
    must_change_password: bool


class PasswordIn(Schema):
    old_password: str
    new_password: str


class UnitOut(Schema):
    id: str
    dept: str
    code: str
    name: str


class EnterpriseBrief(Schema):
    id: int
    uscc: str
    name: str
    network_status: str


class MeOut(Schema):
    kind: str
    username: str
    must_change_password: bool
    enterprise: EnterpriseBrief | None = None
    card: dict | None = None
    unit: UnitOut | None = None


class StepOut(Schema):
    id: int
    round: int
    stage: int
    unit: UnitOut
    status: str
    opinion: str
    reviewer: str | None = None
    decided_at: datetime | None = None


class AttachmentOut(Schema):
    id: int
    doc_type: str
    name: str
    content_type: str
    size: int
    uploaded_at: datetime


class ApplicationBrief(Schema):
    id: int
    number: str | None
    kind: str
    status: str
    version: int
    enterprise_name: str
    created_at: datetime
    submitted_at: datetime | None = None
    decided_at: datetime | None = None


class ApplicationOut(ApplicationBrief):
    data: dict
    steps: list[StepOut]
    attachments: list[AttachmentOut]


class ApplicationPage(Schema):
    items: list[ApplicationBrief]
    total: int


class ApplicationIn(Schema):
    kind: str
    data: dict = {}


class ApplicationPatch(Schema):
    data: dict = {}
    version: int | None = None


class SubmitIn(Schema):
    version: int | None = None


class StepApp(Schema):
    id: int
    number: str | None
    kind: str
    enterprise_name: str


class ReviewItem(StepOut):
    application: StepApp


class ReviewPage(Schema):
    items: list[ReviewItem]
    total: int


class OpinionIn(Schema):
    opinion: str = ""


class AutoReviewIn(Schema):
    enabled: bool


class AutoReviewOut(Schema):
    unit: UnitOut
    enabled: bool


class RefItem(Schema):
    id: str | None = None
    code: str
    name: str
