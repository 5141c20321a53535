from datetime import date, datetime

from ninja import Field, Schema


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


class ConfirmEmailIn(Schema):
    token: str


class ConfirmEmailOut(Schema):
    username: str
    email_confirmed: bool


class LicenceChallengeOut(Schema):
    nonce: str
    app_url: str
    uscc: str
    expires_in: int


class LicenceIn(Schema):
    assertion: str


class AccountOut(Schema):
    """A card-less account naming the legal card's enterprise (无卡用户账号管理)."""

    id: int
    username: str
    contact_name: str
    phone: str
    email: str
    email_confirmed: bool
    state: str  # pending | verified | closed
    registered_at: datetime
    verified_at: datetime | None = None
    verified_by: str | None = None
    closed_at: datetime | None = None
    closed_reason: str = ""


class AccountPage(Schema):
    items: list[AccountOut]
    total: int


class ReasonIn(Schema):
    reason: str = ""


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
    # A card-less account (SPEC §8): proven for its enterprise? e-mail confirmed? closed, and why?
    # None for staff and cards.
    verified: bool | None = None
    verified_by: str | None = None
    email_confirmed: bool | None = None
    closed: bool | None = None
    closed_reason: str | None = None
    enterprise: EnterpriseBrief | None = None
    must_change_pin: bool = False
    card: dict | None = None
    subsystems: list[dict] | None = None
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


# --- cards ---------------------------------------------------------------------------------------

class ChallengeIn(Schema):
    card_no: str
    purpose: str = "login"


class ChallengeOut(Schema):
    challenge_id: str
    nonce: str
    expires_in: int


class CardLoginIn(Schema):
    challenge_id: str
    card_no: str
    pin: str
    signature: str


class CertificateBrief(Schema):
    serial: str
    status: str
    reason: str
    not_after: datetime


class SubsystemOut(Schema):
    code: str
    name: str
    enabled: bool


class PermissionOut(Schema):
    code: str
    name: str
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool


class CardOut(Schema):
    card_no: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    pin_locked: bool
    usable: bool
    enterprise: EnterpriseBrief
    holder_name: str
    holder_id_type: str
    holder_id_no: str
    operator_no: str | None = None
    issuer: UnitOut
    valid_from: date
    valid_to: date
    expired: bool
    certificate: CertificateBrief | None = None
    made_at: datetime
    last_sign_in_at: datetime | None = None
    version: int
    filings: list[str] = Field(default_factory=list, description="IC卡备案: customs / forex")
    permissions: list[PermissionOut] = Field(default_factory=list, description="子系统权限")


class CardLoginOut(Schema):
    token: str
    must_change_pin: bool
    card: CardOut


class PinIn(Schema):
    old_pin: str
    new_pin: str


class CardMakeIn(Schema):
    kind: str
    enterprise_uscc: str
    operator_no: str | None = None


class CardMakeOut(Schema):
    card: CardOut
    initial_pin: str = Field(description="初始IC卡密码（12位数字，卡介质登录用，首次登录须修改）；只返回这一次")
    card_file: str = Field(description="卡文件：PKCS#12 的 base64（卡私钥、证书和 CA 证书链），"
                                       "以 card_file_password 加密（PBES2 AES-256-CBC，HMAC-SHA256 校验）；只返回这一次")
    card_file_password: str = Field(
        description="卡文件密码：打开 card_file 这个 PKCS#12 文件的口令（6组4位，如 7KQ2-…），与初始密码分开；"
                    "服务器不保存，只返回这一次")


class CardPage(Schema):
    items: list[CardOut]
    total: int
    total_capped: bool = False  # more than `total` (1,000) match: counting stops there


class CardActionIn(Schema):
    reason: str = ""
    challenge_id: str = ""
    signature: str = ""
    version: int | None = None  # the card's version as the caller saw it: 409 stale_version if it changed


class CardActionOut(CardOut):
    initial_pin: str | None = None


# --- operators -----------------------------------------------------------------------------------

class OpenApplication(Schema):
    id: int
    number: str | None
    kind: str
    status: str


class OperatorOut(Schema):
    operator_no: str
    name: str
    id_type: str
    id_no: str
    phone: str
    job_title: str
    email: str
    status: str
    status_label: str
    registered_here: bool
    enterprise: EnterpriseBrief
    open_applications: list[OpenApplication]
    created_at: datetime
    updated_at: datetime


class OperatorPage(Schema):
    items: list[OperatorOut]
    total: int


class OperatorDetail(OperatorOut):
    applications: list[ApplicationBrief]
