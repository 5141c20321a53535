"""The API's request and answer shapes, and what the OpenAPI document says of them (API.md is the contract).

The document declares what the API enforces and returns — enumerations, lengths, page limits, the refusals
of each operation — so that a client (and tests/api/test_fuzz.py, which checks every answer against it)
can rely on it. Most constraints are declared here but checked by the services (`one_of`, `text`,
`number`): the rule lives in one place, shared with the screens, and keeps its own error code and message.
"""

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field, WithJsonSchema, model_validator

from eport.accounts.models import UserKind, Verification
from eport.applications.kinds import all_kinds
from eport.applications.models import DocType, Status, StepStatus
from eport.cards.models import CardKind, CardState
from eport.enterprises.choices import CapitalUnit, IdType, LegalPersonType, NetworkStatus
from eport.filings.models import Filing
from eport.operators.models import OperatorStatus
from eport.pagination import MAX_PAGE, MAX_PAGE_SIZE
from eport.pki.models import CertStatus
from eport.refdata.models import UNIT_CODE_RE, Dept

# --- declaring without duplicating the rule -----------------------------------------------------------


def one_of(values, *, blank: bool = False) -> Any:
    """A string out of `values` (a TextChoices or a list); `blank`: "" too (a filter not given, a field not
    filled in yet). Said in the document only: the service refuses anything else with its own code."""
    values = [str(v) for v in getattr(values, "values", values)]
    return Annotated[str, WithJsonSchema({"type": "string", "enum": ([""] if blank else []) + values})]


def text(
    *,
    max_length: int | None = None,
    min_length: int | None = None,
    pattern: str | None = None,
    fmt: str | None = None,
) -> Any:
    """A string with the limits the service (or the database column) enforces, said in the document only."""
    extra = {"maxLength": max_length, "minLength": min_length, "pattern": pattern, "format": fmt}
    return Annotated[str, Field(json_schema_extra={k: v for k, v in extra.items() if v is not None})]


def number(*, minimum: int | None = None, maximum: int | None = None) -> Any:
    """An integer within the bounds the service enforces, said in the document only."""
    extra = {"minimum": minimum, "maximum": maximum}
    return Annotated[int, Field(json_schema_extra={k: v for k, v in extra.items() if v is not None})]


PAGE = number(minimum=1, maximum=MAX_PAGE)  # eport.pagination.paginate: page_invalid
PAGE_SIZE = number(minimum=1, maximum=MAX_PAGE_SIZE)  # page_size_invalid
# YYYY-MM-DD, or empty for "not given" (applications/selectors.py parse_date: date_invalid)
DATE = Annotated[str, WithJsonSchema({"type": "string", "anyOf": [{"format": "date"}, {"maxLength": 0}]})]

KINDS = sorted(all_kinds())  # every application kind (registered by the apps' ready())
ID_TYPES = IdType
DEPT_UNIT_ID = rf"^({'|'.join(Dept.values)}):{UNIT_CODE_RE}$"
USCC_PATTERN = r"^[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}$"  # validators._USCC_RE
CARD_NO_PATTERN = r"^[12][0-9]{14}$"  # cards/numbers.py: kind digit, issuer, serial, Luhn digit
OPERATOR_NO_PATTERN = r"^CZ[0-9]{10}$"  # operators/models.py
CARD_ACTIONS = ["renew", "report-lost", "cancel-lost", "freeze", "unfreeze", "unlock", "void"]
REFDATA_LISTS = [
    "customs",
    "aic_units",
    "tax_units",
    "quality_units",
    "forex_bureaus",
    "commerce_authorities",
]
ACCOUNT_STATES = ["pending", "verified", "closed"]


class In(Schema):
    """A request body: a JSON object of exactly these types. Ninja's Schema reads attributes off any value,
    so `[]` or `5` would pass for a body whose fields all have defaults; and strict: no "1" for 1."""

    model_config = ConfigDict(strict=True)

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values, handler, info):  # replaces Schema's, which wraps any value
        if not isinstance(values, dict):
            raise ValueError("a JSON object is expected")
        return handler(values)


# --- refusals ------------------------------------------------------------------------------------------


class ErrorDetail(Schema):
    field: str | None = None
    code: str
    message: str


class ErrorBody(Schema):
    code: text(pattern=r"^[a-z][a-z0-9_]*$")
    message: text(min_length=1)
    field: str | None
    details: list[ErrorDetail] | None = Field(None, description="every bad field, when there are several")


class Error(Schema):
    error: ErrorBody


def errors(*statuses: int) -> dict:
    """The refusals an operation may answer, every one in the error shape: 400 (bad input) and 503 (the
    database is down, or every password-hashing slot is busy) anywhere, and the operation's own."""
    return {status: Error for status in sorted({400, 503, *statuses})}


SIGNED_IN = (401, 403)  # not signed in; signed in but refused (initial password or PIN, unverified, CSRF)
THROTTLED = 429
TOO_LARGE = 413  # any request body over the server's limit


XLSX = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}
    }
}


def file_answer(content: dict, description: str) -> dict:
    """openapi_extra for an operation answering a file (not JSON) with 200."""
    return {"responses": {200: {"description": description, "content": content}}}


# --- accounts ------------------------------------------------------------------------------------------


class RegisterIn(In):
    """accounts/forms.py RegistrationForm: its lengths (of the trimmed value) and the username's alphabet."""

    username: text(min_length=4, max_length=50, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str
    uscc: text(max_length=18)
    enterprise_name: text(max_length=200)
    contact_name: text(max_length=100)
    phone: text(max_length=40)
    email: text(fmt="email")


class RegisterOut(Schema):
    id: int
    username: str


class ConfirmEmailIn(In):
    token: str


class ConfirmEmailOut(Schema):
    username: str
    email_confirmed: bool


class LicenceChallengeOut(Schema):
    nonce: str
    app_url: str
    uscc: str
    expires_in: int


class LicenceIn(In):
    assertion: str


class AccountOut(Schema):
    """A card-less account naming the legal card's enterprise (无卡用户账号管理)."""

    id: int
    username: str
    contact_name: str
    phone: str
    email: str
    email_confirmed: bool
    state: one_of(ACCOUNT_STATES)
    registered_at: datetime
    verified_at: datetime | None = None
    verified_by: one_of(Verification) | None = None
    closed_at: datetime | None = None
    closed_reason: str = ""


class AccountPage(Schema):
    items: list[AccountOut]
    total: int


class ReasonIn(In):
    reason: text(max_length=200) = ""  # enterprises/trust.py account_refuse: reason_too_long


class LoginIn(In):
    username: str
    password: str


class LoginOut(Schema):
    token: str
    must_change_password: bool


class PasswordIn(In):
    old_password: str
    new_password: str


class UnitOut(Schema):
    id: text(pattern=DEPT_UNIT_ID)
    dept: one_of(Dept)
    code: str
    name: str


class EnterpriseBrief(Schema):
    id: int
    uscc: str  # the USCC, or the organization code of an enterprise that has none yet
    name: str
    network_status: one_of(NetworkStatus)


class SubsystemOut(Schema):
    code: str  # an administrator may add subsystems: API.md's six are not the only codes
    name: str
    enabled: bool


class PermissionOut(Schema):
    code: str
    name: str
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool


class CertificateBrief(Schema):
    serial: str
    status: one_of(CertStatus)
    reason: str
    not_after: datetime


class CardOut(Schema):
    card_no: text(pattern=CARD_NO_PATTERN)
    kind: one_of(CardKind)
    kind_label: str
    state: one_of(CardState)
    state_label: str
    pin_locked: bool
    usable: bool
    enterprise: EnterpriseBrief
    holder_name: str
    holder_id_type: one_of(ID_TYPES, blank=True)
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
    filings: list[one_of([Filing.CUSTOMS, Filing.FOREX])] = Field(
        default_factory=list, description="IC卡备案"
    )
    permissions: list[PermissionOut] = Field(default_factory=list, description="子系统权限")


class MeOut(Schema):
    kind: one_of(UserKind)
    username: str
    must_change_password: bool
    # A card-less account (SPEC §8): proven for its enterprise? e-mail confirmed? closed, and why?
    # None for staff and cards.
    verified: bool | None = None
    verified_by: one_of(Verification) | None = None
    email_confirmed: bool | None = None
    closed: bool | None = None
    closed_reason: str | None = None
    enterprise: EnterpriseBrief | None = None
    must_change_pin: bool = False
    card: CardOut | None = None
    subsystems: list[SubsystemOut] | None = None
    unit: UnitOut | None = None


# --- the enterprise -------------------------------------------------------------------------------------


class EnterpriseData(Schema):
    """The 三证合一 master data (enterprises/services.py master_data): "" where not filled in yet."""

    uscc: str
    name: str
    legal_rep_name: str
    legal_rep_id_type: one_of(ID_TYPES, blank=True)
    legal_rep_id_no: str
    legal_person_type: one_of(LegalPersonType, blank=True)
    enterprise_type: str
    enterprise_type_other: str
    registered_capital: str
    capital_unit: one_of(CapitalUnit, blank=True)
    address: str
    phone: str
    aic_unit: str
    tax_unit: str
    quality_unit: str
    issuing_authority_name: str
    customs_code: str


class FilingState(Schema):
    status: one_of(["FILED", "NONE", *Status.values])  # filed, never filed, or its open application's
    label: str
    unit: UnitOut | None = None
    filed_at: datetime | None = None
    application_id: int | None = None


class Filings(Schema):
    commerce: FilingState
    customs: FilingState
    forex: FilingState


class EnterpriseOut(Schema):
    id: int
    uscc: str | None = None
    org_code: str
    name: str
    enterprise_no: str | None = None
    network_status: one_of(NetworkStatus)
    entered_at: datetime | None = None
    card_issuer: UnitOut | None = None
    data: EnterpriseData
    filings: Filings


class RegistryOut(Schema):
    """The business registry's record as 三证合一 data (only what it knows; registry/adapters.py)."""

    # Codes as the registry holds them (an import or another registry service is not held to this API's
    # enumerations); the form that takes them checks them.
    uscc: str
    name: str
    legal_rep_name: str | None = None
    legal_rep_id_type: str | None = None
    legal_person_type: str | None = None
    enterprise_type: str | None = None
    registered_capital: str | None = None
    capital_unit: str | None = None
    address: str | None = None
    phone: str | None = None
    issuing_authority_name: str | None = None


# --- applications and review ----------------------------------------------------------------------------


class StepOut(Schema):
    id: int
    round: int
    stage: int
    unit: UnitOut
    status: one_of(StepStatus)
    opinion: str
    reviewer: str | None = None
    decided_at: datetime | None = None


class AttachmentOut(Schema):
    id: int
    doc_type: one_of(DocType)
    name: str
    content_type: str
    size: int
    uploaded_at: datetime


class ApplicationBrief(Schema):
    id: int
    number: str | None
    kind: one_of(KINDS)
    status: one_of(Status)
    version: int
    enterprise_name: str
    created_at: datetime
    submitted_at: datetime | None = None
    decided_at: datetime | None = None


class ApplicationOut(ApplicationBrief):
    data: dict  # its kind's fields (API.md); checked by the kind, not by this schema
    steps: list[StepOut]
    attachments: list[AttachmentOut]


class ApplicationPage(Schema):
    items: list[ApplicationBrief]
    total: int


class ApplicationIn(In):
    kind: one_of(KINDS)  # kind_unknown
    data: dict = {}
    submit: bool = False  # 申报 at once: saved and submitted together, or neither


class ApplicationPatch(In):
    data: dict = {}
    version: int | None = None
    submit: bool = False  # 申报 at once: saved and submitted together, or neither


class SubmitIn(In):
    version: int | None = None


class StepApp(Schema):
    id: int
    number: str | None
    kind: one_of(KINDS)
    enterprise_name: str


class ReviewItem(StepOut):
    application: StepApp


class ReviewPage(Schema):
    items: list[ReviewItem]
    total: int


class OpinionIn(In):
    opinion: str = ""  # required and not blank (opinion_required): API.md


class AutoReviewIn(In):
    enabled: bool


class AutoReviewOut(Schema):
    unit: UnitOut
    enabled: bool


class RefItem(Schema):
    id: str | None = None
    code: str
    name: str


# --- cards ---------------------------------------------------------------------------------------


class ChallengeIn(In):
    card_no: str  # card_no_invalid unless 15 digits with its check digit (surrounding blanks trimmed)
    purpose: one_of(["login", "renew"]) = "login"


class ChallengeOut(Schema):
    challenge_id: str
    nonce: str
    expires_in: int


class CardLoginIn(In):
    challenge_id: str
    card_no: str
    pin: str
    signature: str


class CardLoginOut(Schema):
    token: str
    must_change_pin: bool
    card: CardOut


class PinIn(In):
    old_pin: str
    new_pin: str


class CardMakeIn(In):
    kind: one_of(CardKind)
    enterprise_uscc: str
    operator_no: str | None = None


class CardMakeOut(Schema):
    card: CardOut
    initial_pin: str = Field(
        description="初始IC卡密码（12位数字，卡介质登录用，首次登录须修改）；只返回这一次"
    )
    card_file: str = Field(
        description="卡文件：PKCS#12 的 base64（卡私钥、证书和 CA 证书链），"
        "以 card_file_password 加密（PBES2 AES-256-CBC，HMAC-SHA256 校验）；只返回这一次"
    )
    card_file_password: str = Field(
        description="卡文件密码：打开 card_file 这个 PKCS#12 文件的口令（6组4位，如 7KQ2-…），与初始密码分开；"
        "服务器不保存，只返回这一次"
    )


class CardPage(Schema):
    items: list[CardOut]
    total: int
    total_capped: bool = False  # more than `total` (1,000) match: counting stops there


class EnterpriseCardPage(Schema):
    items: list[CardOut]
    total: int


class CardActionIn(In):
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
    kind: one_of(KINDS)
    status: one_of(Status)


class OperatorOut(Schema):
    operator_no: text(pattern=OPERATOR_NO_PATTERN)
    name: str
    id_type: one_of(ID_TYPES)
    id_no: str
    phone: str
    job_title: str
    email: str
    status: one_of(OperatorStatus)
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
