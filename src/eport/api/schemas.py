"""The API's request and answer shapes, and what the OpenAPI document says of them (API.md is the contract).

Every answer is built by these schemas alone: an answer schema reads the domain's rows (and the few plain
dicts the domain answers) through ninja's `from_attributes`, `Field(alias=…)` for a field named otherwise
on the row, and `resolve_<field>` for what the row computes (sorted, counted, formatted). The views hand it
the rows; there is no second, hand-written serializer to drift from the document.

The document declares what the API enforces and returns — enumerations, lengths, page limits, the refusals
of each operation — so that a client (and tests/api/test_fuzz.py, which checks every answer against it)
can rely on it. Most constraints are declared here but checked by the services (the type aliases below
carry `enum_of(...)` or `declared(...)`, which only say it in the document): the rule lives in one place,
shared with the screens, and keeps its own error code and message instead of pydantic's.
"""

import base64
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Annotated, Any, TypeAlias

from django.db import DatabaseError
from django.utils import timezone
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, Field, ValidationError, ValidationInfo, WithJsonSchema, model_validator
from pydantic.functional_validators import ModelWrapValidatorHandler

from eport.accounts.models import User, UserKind, Verification
from eport.accounts.permissions import CARD_KINDS
from eport.agreements.models import Agreement
from eport.applications.kinds import all_kinds, get_kind
from eport.applications.models import Application, Attachment, DocType, ReviewStep, Status, StepStatus
from eport.cards.making import MadeCard
from eport.cards.models import Card, CardKind, CardPermission, CardState, VoidReason
from eport.cards.selectors import card_of, card_subsystems
from eport.declarations.models import NO_REUPLOAD, Dossier, DossierState, ReuploadRequest
from eport.declarations.models import DocType as DeclDocType
from eport.declarations.selectors import document_rows
from eport.enterprises.choices import CapitalUnit, IdType, LegalPersonType, NetworkStatus
from eport.enterprises.models import Enterprise
from eport.enterprises.services import master_data
from eport.enterprises.trust import account_state
from eport.filings import progress
from eport.filings.models import Filing
from eport.filings.selectors import enterprise_filings
from eport.operators.models import Operator, OperatorStatus
from eport.operators.selectors import open_applications_of, operator_applications
from eport.pagination import MAX_PAGE, MAX_PAGE_SIZE
from eport.pki.models import CertStatus
from eport.refdata.models import UNIT_CODE_RE, Dept

# --- declaring without duplicating the rule -----------------------------------------------------------


def enum_of(values: Iterable[object], *, blank: bool = False) -> WithJsonSchema:
    """The document's enumeration of `values` (a TextChoices, whose members are their values as strings, or
    a list); `blank`: "" too (a filter not given, a field not filled in yet). Said in the document only:
    the service refuses anything else with its own code."""
    return WithJsonSchema({"type": "string", "enum": ([""] if blank else []) + [str(v) for v in values]})


def declared(
    *,
    max_length: int | None = None,
    min_length: int | None = None,
    pattern: str | None = None,
    fmt: str | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> Any:  # a pydantic FieldInfo (pydantic types Field() as Any, for its use as a default)
    """The limits the service (or the database column) enforces, said in the document only."""
    extra = {
        "maxLength": max_length,
        "minLength": min_length,
        "pattern": pattern,
        "format": fmt,
        "minimum": minimum,
        "maximum": maximum,
    }
    return Field(json_schema_extra={k: v for k, v in extra.items() if v is not None})


KINDS = sorted(all_kinds())  # every application kind (registered by the apps' ready())
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

Page: TypeAlias = Annotated[int, declared(minimum=1, maximum=MAX_PAGE)]  # paginate: page_invalid
PageSize: TypeAlias = Annotated[int, declared(minimum=1, maximum=MAX_PAGE_SIZE)]  # page_size_invalid
# YYYY-MM-DD, or empty for "not given" (applications/selectors.py parse_date: date_invalid)
DateFilter: TypeAlias = Annotated[
    str, WithJsonSchema({"type": "string", "anyOf": [{"format": "date"}, {"maxLength": 0}]})
]
UnitId: TypeAlias = Annotated[str, declared(pattern=DEPT_UNIT_ID)]  # {dept}:{code}; else unit_not_found
CardNo: TypeAlias = Annotated[str, declared(pattern=CARD_NO_PATTERN)]  # any other is a card_not_found
OperatorNo: TypeAlias = Annotated[str, declared(pattern=OPERATOR_NO_PATTERN)]  # else operator_not_found
Uscc: TypeAlias = Annotated[str, declared(pattern=USCC_PATTERN)]
ErrorCode: TypeAlias = Annotated[str, declared(pattern=r"^[a-z][a-z0-9_]*$")]
Message: TypeAlias = Annotated[str, declared(min_length=1)]

Kind: TypeAlias = Annotated[str, enum_of(KINDS)]  # kind_unknown
KindFilter: TypeAlias = Annotated[str, enum_of(KINDS, blank=True)]  # the filters: "" (or absent) is no filter
AppStatus: TypeAlias = Annotated[str, enum_of(Status)]
AppStatusFilter: TypeAlias = Annotated[str, enum_of(Status, blank=True)]
FilingStatus: TypeAlias = Annotated[
    str, enum_of(["FILED", "NONE", *Status.values])
]  # or its open application's
StepStatusCode: TypeAlias = Annotated[str, enum_of(StepStatus)]
DocTypeCode: TypeAlias = Annotated[str, enum_of(DocType)]
DeptCode: TypeAlias = Annotated[str, enum_of(Dept)]
UserKindCode: TypeAlias = Annotated[str, enum_of(UserKind)]
VerificationCode: TypeAlias = Annotated[str, enum_of(Verification)]
AccountState: TypeAlias = Annotated[str, enum_of(ACCOUNT_STATES)]
AccountStateFilter: TypeAlias = Annotated[str, enum_of(ACCOUNT_STATES, blank=True)]
NetworkStatusCode: TypeAlias = Annotated[str, enum_of(NetworkStatus)]
CertStatusCode: TypeAlias = Annotated[str, enum_of(CertStatus)]
CardKindCode: TypeAlias = Annotated[str, enum_of(CardKind)]
CardKindFilter: TypeAlias = Annotated[str, enum_of(CardKind, blank=True)]
CardStateCode: TypeAlias = Annotated[str, enum_of(CardState)]
CardStateFilter: TypeAlias = Annotated[str, enum_of(CardState, blank=True)]
VoidReasonCode: TypeAlias = Annotated[str, enum_of(VoidReason)]
TaskState: TypeAlias = Annotated[str, enum_of(progress.STATES)]
CardAction: TypeAlias = Annotated[str, enum_of(CARD_ACTIONS)]
CardFiling: TypeAlias = Annotated[str, enum_of([Filing.CUSTOMS, Filing.FOREX])]
ChallengePurpose: TypeAlias = Annotated[str, enum_of(["login", "renew"])]
IdTypeCode: TypeAlias = Annotated[str, enum_of(IdType)]
IdTypeOrBlank: TypeAlias = Annotated[str, enum_of(IdType, blank=True)]
LegalPersonTypeOrBlank: TypeAlias = Annotated[str, enum_of(LegalPersonType, blank=True)]
CapitalUnitOrBlank: TypeAlias = Annotated[str, enum_of(CapitalUnit, blank=True)]
OperatorStatusCode: TypeAlias = Annotated[str, enum_of(OperatorStatus)]
OperatorStatusFilter: TypeAlias = Annotated[str, enum_of(OperatorStatus, blank=True)]
ReviewQueueStatus: TypeAlias = Annotated[str, enum_of(["pending", "decided"])]
RefdataList: TypeAlias = Annotated[str, enum_of(REFDATA_LISTS)]


class In(Schema):
    """A request body: a JSON object of exactly these types. Ninja's Schema reads attributes off any value,
    so `[]` or `5` would pass for a body whose fields all have defaults; and strict: no "1" for 1."""

    model_config = ConfigDict(strict=True)

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(  # replaces Schema's, which wraps any value
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if not isinstance(values, dict):
            raise ValueError("a JSON object is expected")
        return handler(values)


class _RowGetter(DjangoGetter):
    """ninja's getter, keeping the database error a row's attribute or resolver raised: pydantic reports any
    error of an attribute as a validation error, which would answer 500 where a lost database is the
    outage's 503 (faults.py)."""

    def __init__(self, obj: Any, schema_cls: Any, context: Any = None) -> None:
        super().__init__(obj, schema_cls, context)
        self.database_error: DatabaseError | None = None

    def __getattr__(self, key: str) -> Any:
        try:
            return super().__getattr__(key)
        except DatabaseError as e:
            self.database_error = e
            raise


class Out(Schema):
    """An answer: read off a domain row (ninja's getter: its attributes, `Field(alias=…)`, `resolve_*`),
    or taken as it is when it already is this schema (the items a view built for a page). Schema's own
    validator would read such an instance again as if it were the row, and its resolvers would fail."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if isinstance(values, cls):
            return values
        getter = _RowGetter(values, cls, info.context)
        try:
            return handler(getter)
        except ValidationError:
            if getter.database_error is not None:  # the database failed, not the row's shape
                error = getter.database_error
                raise error from error.__cause__  # its cause (the driver's error) says what failed
            raise


def _given(context: Mapping[str, Any] | None, key: str) -> Any:
    """What the view handed the schema in the validation context (a row it had already loaded, a page's
    batch query), or None: the resolver then loads it itself."""
    return (context or {}).get(key)


class Filters(Schema):
    """A list's filters, read from the query string (`Query[...]`): each one a parameter of its own in the
    document. The list and its Excel export take the same class, so they filter alike; "" (or absent) is
    no filter, and the selector checks each value (its own code and message)."""

    def given(self) -> dict[str, Any]:
        """Every filter by name, as the selector takes them and the export's audit row records them (each a
        str; typed Any because a selector's other keywords, e.g. cards_page's `first`, are not)."""
        return self.model_dump()


class CardFilters(Filters):
    """IC卡综合查询: exact card number / ID number / USCC, fuzzy holder name, state and kind."""

    card_no: str = ""
    holder_name: str = ""
    id_no: str = ""
    state: CardStateFilter = ""
    kind: CardKindFilter = ""
    uscc: str = ""


class EnterpriseCardFilters(Filters):
    """The legal card's IC卡备案 / IC卡权限申请 list: exact card number, fuzzy holder name."""

    card_no: str = ""
    holder_name: str = ""


class OperatorFilters(Filters):
    """`name` and `job_title` match fuzzily; the others exactly."""

    operator_no: str = ""
    status: OperatorStatusFilter = ""
    name: str = ""
    id_no: str = ""
    phone: str = ""
    job_title: str = ""


class ApplicationFilters(Filters):
    """业务办理状态查询: the kind, the status and the submission dates (YYYY-MM-DD, inclusive)."""

    kind: KindFilter = ""
    status: AppStatusFilter = ""
    submitted_from: DateFilter = ""
    submitted_to: DateFilter = ""


# --- refusals ------------------------------------------------------------------------------------------


class ErrorDetail(Out):
    field: str | None = None
    code: str
    message: str


class ErrorBody(Out):
    code: ErrorCode
    message: Message
    field: str | None
    details: list[ErrorDetail] | None = Field(None, description="every bad field, when there are several")


class Error(Out):
    error: ErrorBody


def errors(*statuses: int) -> dict[int, type[Error]]:
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


def file_answer(content: dict[str, Any], description: str) -> dict[str, Any]:
    """openapi_extra for an operation answering a file (not JSON) with 200."""
    return {"responses": {200: {"description": description, "content": content}}}


# --- accounts ------------------------------------------------------------------------------------------


class RegisterIn(In):
    """accounts/forms.py RegistrationForm: its lengths (of the trimmed value) and the username's alphabet."""

    username: Annotated[str, declared(min_length=4, max_length=50, pattern=r"^[A-Za-z0-9_.@-]+$")]
    password: str
    uscc: Annotated[str, declared(max_length=18)]
    enterprise_name: Annotated[str, declared(max_length=200)]
    contact_name: Annotated[str, declared(max_length=100)]
    phone: Annotated[str, declared(max_length=40)]
    email: Annotated[str, declared(fmt="email")]


class RegisterOut(Out):
    id: int
    username: str


class ConfirmEmailIn(In):
    token: str


class ConfirmEmailOut(Out):
    username: str
    email_confirmed: bool


class LicenceChallengeOut(Out):
    nonce: str
    app_url: str
    uscc: str
    expires_in: int


class LicenceIn(In):
    assertion: str


class AccountOut(Out):
    """A card-less account naming the legal card's enterprise (无卡用户账号管理)."""

    id: int
    username: str
    contact_name: str
    phone: str
    email: str
    email_confirmed: bool
    state: AccountState
    registered_at: datetime = Field(alias="date_joined")
    verified_at: datetime | None = None
    verified_by: VerificationCode | None = None
    closed_at: datetime | None = None
    closed_reason: str = ""

    @staticmethod
    def resolve_state(u: User) -> str:
        return account_state(u)

    @staticmethod
    def resolve_verified_by(u: User) -> str | None:
        return u.verified_by or None


class AccountPage(Out):
    items: list[AccountOut]
    total: int


class ReasonIn(In):
    reason: Annotated[str, declared(max_length=200)] = (
        ""  # enterprises/trust.py account_refuse: reason_too_long
    )


class LoginIn(In):
    username: str
    password: str


class LoginOut(Out):
    token: str
    must_change_password: bool


class PasswordIn(In):
    old_password: str
    new_password: str


class UnitOut(Out):
    id: UnitId
    dept: DeptCode
    code: str
    name: str


class EnterpriseBrief(Out):
    id: int
    # The USCC, or the organization code of an enterprise that has none yet (Enterprise.code)
    uscc: str = Field(alias="code")
    name: str
    network_status: NetworkStatusCode


class SubsystemOut(Out):
    code: str  # an administrator may add subsystems: API.md's six are not the only codes
    name: str
    enabled: bool
    # The rights held within it, for a subsystem that defines some (paperless_documents: entry, declare).
    rights: list[str] | None = None


class PermissionOut(Out):
    code: str = Field(alias="subsystem_id")
    name: str
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool
    rights: list[str] = []  # the rights granted within the subsystem (paperless_documents: entry, declare)

    @staticmethod
    def resolve_name(p: CardPermission) -> str:
        return p.subsystem.label

    @staticmethod
    def resolve_active(p: CardPermission) -> bool:
        return p.active_on(timezone.localdate())


class CertificateBrief(Out):
    serial: str
    status: CertStatusCode
    reason: str
    not_after: datetime


class CardOut(Out):
    card_no: CardNo
    kind: CardKindCode
    kind_label: str
    state: CardStateCode
    state_label: str = Field(alias="display_state")
    pin_locked: bool
    usable: bool
    enterprise: EnterpriseBrief
    holder_name: str
    holder_id_type: IdTypeOrBlank
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
    voided_at: datetime | None = Field(default=None, description="作废时间")
    void_reason: VoidReasonCode | None = Field(default=None, description="作废原因（代码）")
    void_reason_text: str = Field(default="", description="作废原因：如“补办换卡：由新卡 … 替换”")
    filings: list[CardFiling] = Field(default_factory=list, description="IC卡备案")
    permissions: list[PermissionOut] = Field(default_factory=list, description="子系统权限")

    @staticmethod
    def resolve_kind_label(c: Card) -> str:
        return str(c.get_kind_display())

    @staticmethod
    def resolve_void_reason(c: Card) -> str | None:
        return c.void_reason or None

    @staticmethod
    def resolve_operator_no(c: Card) -> str | None:
        return c.operator.operator_no if c.operator is not None else None

    @staticmethod
    def resolve_filings(c: Card) -> list[str]:
        return sorted(f.filing for f in c.filings.all())

    @staticmethod
    def resolve_permissions(c: Card) -> list[CardPermission]:
        return sorted(c.permissions.all(), key=lambda p: p.subsystem.sort)


def _card_of_me(u: User, context: Mapping[str, Any] | None) -> Card | None:
    """A card holder's card: the one the view loaded (context "card"), else loaded here."""
    if u.kind not in CARD_KINDS:
        return None
    card: Card | None = _given(context, "card")
    return card if card is not None else card_of(u)


class ReminderOut(Out):
    code: str  # registration_expiring, registration_expired, annual_report_due, materials_missing
    message: str
    due: date | None = None


class MeOut(Out):
    # Who is signed in, read off the account and a card holder's card (the view hands it the card it
    # loaded, as context "card"). The card-less fields are None for staff and cards.

    kind: UserKindCode
    username: str
    must_change_password: bool
    # A card-less account (SPEC §8): proven for its enterprise? e-mail confirmed? closed, and why?
    verified: bool | None = None
    verified_by: VerificationCode | None = None
    email_confirmed: bool | None = None
    closed: bool | None = None
    closed_reason: str | None = None
    enterprise: EnterpriseBrief | None = None
    must_change_pin: bool = False
    card: CardOut | None = None
    subsystems: list[SubsystemOut] | None = None
    unit: UnitOut | None = None
    # 海关企业管理 (SPEC §6.7): 报关有效期提醒 and 报送材料提醒 of a card that may use it (the view hands them in)
    reminders: list[ReminderOut] | None = None

    @staticmethod
    def resolve_card(u: User, context: Mapping[str, Any] | None = None) -> Card | None:
        return _card_of_me(u, context)

    @staticmethod
    def resolve_must_change_pin(u: User, context: Mapping[str, Any] | None = None) -> bool:
        card = _card_of_me(u, context)
        return card.must_change_pin if card is not None else False

    @staticmethod
    def resolve_subsystems(u: User, context: Mapping[str, Any] | None = None) -> list[dict[str, Any]] | None:
        card = _card_of_me(u, context)
        return card_subsystems(card) if card is not None else None

    @staticmethod
    def resolve_verified(u: User) -> bool | None:
        return u.is_verified if u.kind == UserKind.CARDLESS else None

    @staticmethod
    def resolve_verified_by(u: User) -> str | None:
        return (u.verified_by or None) if u.kind == UserKind.CARDLESS else None

    @staticmethod
    def resolve_email_confirmed(u: User) -> bool | None:
        return u.email_confirmed if u.kind == UserKind.CARDLESS else None

    @staticmethod
    def resolve_closed(u: User) -> bool | None:
        return u.closed_at is not None if u.kind == UserKind.CARDLESS else None

    @staticmethod
    def resolve_closed_reason(u: User) -> str | None:
        return (u.closed_reason or None) if u.kind == UserKind.CARDLESS else None


# --- the enterprise -------------------------------------------------------------------------------------


class EnterpriseData(Out):
    """The 三证合一 master data (enterprises/services.py master_data): "" where not filled in yet."""

    uscc: str
    name: str
    legal_rep_name: str
    legal_rep_id_type: IdTypeOrBlank
    legal_rep_id_no: str
    legal_person_type: LegalPersonTypeOrBlank
    enterprise_type: str
    enterprise_type_other: str
    registered_capital: str
    capital_unit: CapitalUnitOrBlank
    address: str
    phone: str
    aic_unit: str
    tax_unit: str
    quality_unit: str
    issuing_authority_name: str
    customs_code: str


class FiledAsChange(Out):
    field: str
    label: str
    filed: str
    current: str


class FilingState(Out):
    # One filing as filings/selectors.py enterprise_filings tells it (comments, not a docstring: a schema's
    # docstring is its description in the OpenAPI document)

    status: FilingStatus
    label: str
    unit: UnitOut | None = None
    filed_at: datetime | None = None
    changed_at: datetime | None = None
    application_id: int | None = None
    # What the filing holds of the enterprise that its 三证合一 record no longer says: a 备案变更 (the kind
    # <filing>_filing_change under /applications) is due; and the open one.
    changes: list[FiledAsChange] = []
    change_application_id: int | None = None

    @staticmethod
    def resolve_application_id(f: Mapping[str, Any]) -> int | None:
        app: Application | None = f["application"]
        return app.id if app else None

    @staticmethod
    def resolve_change_application_id(f: Mapping[str, Any]) -> int | None:
        app: Application | None = f["change_application"]
        return app.id if app else None


class Filings(Out):
    commerce: FilingState
    customs: FilingState
    forex: FilingState


class EnterpriseOut(Out):
    id: int
    uscc: str | None = None
    org_code: str
    name: str
    enterprise_no: str | None = None
    network_status: NetworkStatusCode
    entered_at: datetime | None = None
    card_issuer: UnitOut | None = None
    data: EnterpriseData
    filings: Filings

    @staticmethod
    def resolve_data(e: Enterprise) -> dict[str, Any]:
        return master_data(e)

    @staticmethod
    def resolve_filings(e: Enterprise) -> dict[str, Any]:
        return enterprise_filings(e)


class RegistryOut(Out):
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


class StepOut(Out):
    id: int
    round: int
    stage: int
    unit: UnitOut
    status: StepStatusCode
    opinion: str
    reviewer: str | None = None
    decided_at: datetime | None = None

    @staticmethod
    def resolve_reviewer(s: ReviewStep) -> str | None:
        return s.reviewer.username if s.reviewer is not None else None

    @staticmethod
    def resolve_opinion(s: ReviewStep) -> str:
        return s.opinion_text  # a system opinion in the request's language


class AttachmentOut(Out):
    id: int
    doc_type: DocTypeCode
    name: str = Field(alias="original_name")
    content_type: str
    size: int
    uploaded_at: datetime


class ApplicationBrief(Out):
    id: int
    number: str | None
    kind: Kind
    kind_label: str = Field(default="", description="业务名称，如 申领法人卡 / 补办法人卡")
    status: AppStatus
    version: int
    enterprise_name: str
    created_at: datetime
    submitted_at: datetime | None = None
    decided_at: datetime | None = None

    @staticmethod
    def resolve_enterprise_name(a: Application) -> str:
        return a.enterprise.name

    @staticmethod
    def resolve_kind_label(a: Application) -> str:
        return get_kind(a.kind).label_of(a)


class ApplicationOut(ApplicationBrief):
    data: dict[str, Any]  # its kind's fields (API.md); checked by the kind, not by this schema
    steps: list[StepOut]
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_steps(a: Application) -> list[ReviewStep]:
        return list(a.steps.select_related("unit", "reviewer"))

    @staticmethod
    def resolve_attachments(a: Application) -> list[Attachment]:
        return list(a.attachments.all())


class ApplicationPage(Out):
    items: list[ApplicationBrief]
    total: int


class ApplicationIn(In):
    kind: Kind  # kind_unknown
    data: dict[str, Any] = {}
    submit: bool = False  # 申报 at once: saved and submitted together, or neither


class ApplicationPatch(In):
    data: dict[str, Any] = {}
    version: int | None = None
    submit: bool = False  # 申报 at once: saved and submitted together, or neither


class SubmitIn(In):
    version: int | None = None


class StepApp(Out):
    id: int
    number: str | None
    kind: Kind
    enterprise_name: str

    @staticmethod
    def resolve_enterprise_name(a: Application) -> str:
        return a.enterprise.name


class ReviewItem(StepOut):
    application: StepApp


class ReviewPage(Out):
    items: list[ReviewItem]
    total: int


class OpinionIn(In):
    opinion: str = ""  # required and not blank (opinion_required): API.md


class AutoReviewIn(In):
    enabled: bool


class AutoReviewOut(Out):
    unit: UnitOut
    enabled: bool


class RefItem(Out):
    id: str | None = None
    code: str
    name: str


# --- cards ---------------------------------------------------------------------------------------


class ChallengeIn(In):
    card_no: str  # card_no_invalid unless 15 digits with its check digit (surrounding blanks trimmed)
    purpose: ChallengePurpose = "login"


class ChallengeOut(Out):
    challenge_id: str
    nonce: str
    expires_in: int


class CardLoginIn(In):
    challenge_id: str
    card_no: str
    pin: str
    signature: str


class CardLoginOut(Out):
    token: str
    must_change_pin: bool
    card: CardOut


class PinIn(In):
    old_pin: str
    new_pin: str


class CardMakeIn(In):
    kind: CardKindCode
    enterprise_uscc: str = ""  # not needed with request_id
    operator_no: str | None = None
    request_id: int | None = Field(
        default=None, description="待制法人卡队列中的法人卡申请：制作其企业的法人卡并办结该申请"
    )


# --- 申领/补办法人卡 and 办理进度 -------------------------------------------------------------------------


class LegalCardRequestIn(In):
    """申领法人卡 (no legal card in use) or 补办法人卡 (reason lost, damaged, …; its documents are uploaded
    to the application before it is submitted)."""

    reason: Annotated[str, enum_of(["new", "lost", "damaged", "legal_rep_changed", "other"], blank=True)] = ""
    note: str = ""
    contact_name: str = ""  # defaults to the account's contact
    contact_phone: str = ""
    preferred_date: str = Field(default="", description="希望领卡日期 YYYY-MM-DD（可选）")
    submit: bool = True  # 申请 at once (a 补办 needs its documents first: submit=false, upload, then submit)


class LegalCardRequestOut(ApplicationBrief):
    enterprise: EnterpriseBrief
    contact_name: str = ""
    contact_phone: str = ""
    preferred_date: str = ""
    card_no: str | None = Field(default=None, description="办结时制作的法人卡")

    @staticmethod
    def resolve_contact_name(a: Application) -> str:
        return str(a.data.get("contact_name", ""))

    @staticmethod
    def resolve_contact_phone(a: Application) -> str:
        return str(a.data.get("contact_phone", ""))

    @staticmethod
    def resolve_preferred_date(a: Application) -> str:
        return str(a.data.get("preferred_date", ""))

    @staticmethod
    def resolve_card_no(a: Application) -> str | None:
        card = Card.objects.filter(request=a).only("card_no").first()
        return card.card_no if card is not None else None


class LegalCardRequestPage(Out):
    items: list[LegalCardRequestOut]
    total: int


class ProgressTaskOut(Out):
    code: str
    label: str
    state: TaskState
    state_label: str
    detail: str
    screen: str | None = Field(default=None, description="办理下一步的页面（路径）")
    application_id: int | None = None


class ProgressOut(Out):
    tasks: list[ProgressTaskOut]
    next: str | None = Field(default=None, description="下一步：任务代码")


class CardMakeOut(Out):
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

    @staticmethod
    def resolve_card_file(made: MadeCard) -> str:
        return base64.b64encode(made.card_file).decode()


class CardPage(Out):
    items: list[CardOut]
    total: int
    total_capped: bool = False  # more than `total` (1,000) match: counting stops there


class EnterpriseCardPage(Out):
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


class OpenApplication(Out):
    id: int
    number: str | None
    kind: Kind
    status: AppStatus


class OperatorOut(Out):
    # Its open applications come from one query for the whole page when the view hands the page's
    # operators/selectors.py open_applications_of as context "open_applications".

    operator_no: OperatorNo
    name: str
    id_type: IdTypeCode
    id_no: str
    phone: str
    job_title: str
    email: str
    status: OperatorStatusCode
    status_label: str
    registered_here: bool
    enterprise: EnterpriseBrief
    open_applications: list[OpenApplication]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_status_label(o: Operator) -> str:
        return str(o.get_status_display())

    @staticmethod
    def resolve_open_applications(o: Operator, context: Mapping[str, Any] | None = None) -> list[Application]:
        page: dict[str, dict[str, Application]] | None = _given(context, "open_applications")
        if page is None:
            page = open_applications_of([o])
        return list(page.get(o.operator_no or "", {}).values())


class OperatorPage(Out):
    items: list[OperatorOut]
    total: int


class OperatorDetail(OperatorOut):
    applications: list[ApplicationBrief]

    @staticmethod
    def resolve_applications(o: Operator) -> list[Application]:
        return list(operator_applications(o).select_related("enterprise"))


# --- 通关无纸化 (paperless clearance) ------------------------------------------------------------------------


class BrokerOut(Out):
    """An approved 报关企业 as a consignor picks it."""

    org_code: str  # 组织机构代码
    customs_code: str  # 海关编码 (10 digits)
    name: str
    direct_customs: str  # the direct customs XX00 whose 报关协会 approved it


class BrokerPage(Out):
    items: list[BrokerOut]
    total: int


class ToSignOut(Out):
    """The first step of a card's signature of a document: what the card signs (API.md "Paperless")."""

    sign_id: str
    to_sign: str  # base64 of the DER CMS signed attributes

    @classmethod
    def of(cls, sign_id: str, to_sign: bytes) -> "ToSignOut":
        return cls(sign_id=sign_id, to_sign=base64.b64encode(to_sign).decode("ascii"))


class DocumentSignIn(In):
    """The second step: the card's signature (ECDSA P-256, SHA-256, DER, base64) of `to_sign`."""

    sign_id: str = Field(max_length=64)
    signature: str = Field(max_length=1024)


class DelegationIn(In):
    """发起委托申请: the broker by its 海关编码; the card signs the 委托书 next (/paperless/delegations/sign)."""

    broker: str = Field(max_length=10)
    customs: str = Field(max_length=4)
    direction: str = Field(max_length=1)  # I | E
    mode: str = Field(max_length=10)  # single | long_term
    valid_from: str = Field(
        max_length=10
    )  # YYYY-MM-DD (the form reads it and names the field when it is not)
    valid_to: str = Field(max_length=10)
    goods: str = Field(max_length=200)
    remarks: str = Field("", max_length=500)
    accept_terms: bool = False


class DelegationReasonIn(In):
    reason: str = Field("", max_length=500)


class DelegationOut(Out):
    id: int
    consignor_name: str = Field(alias="consignor.name")
    consignor_uscc: str | None = Field(alias="consignor.uscc")
    broker: str = Field(alias="broker.customs_code")  # the broker's 海关编码
    broker_name: str = Field(alias="broker.name")
    customs: str  # the 关区 (direct customs XX00)
    direction: str  # I | E
    mode: str  # single | long_term
    valid_from: date
    valid_to: date
    goods: str
    remarks: str
    terms_version: str
    state: str = Field(alias="effective_state")  # SENT ACCEPTED REJECTED EXPIRED REVOKED
    state_name: str = Field(alias="display_state")
    signed_at: datetime
    decided_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str  # consignor | broker | ""
    reason: str
    signing_card: str = Field(alias="card.card_no")


class DelegationPage(Out):
    items: list[DelegationOut]
    total: int


# --- 三方协议 (paperless agreements) ------------------------------------------------------------------------


class AgreementIn(Schema):
    customs: list[str]  # the direct customs XX00 ticked together: one PDF, one signature


class AgreementOut(Out):
    """One 关区's agreement (the latest): `state` SENT 签约已发往海关, RECEIVED 海关入库成功, APPROVED
    签约海关审批, RETURNED 海关退回, TERMINATED 已解约."""

    customs: str
    customs_name: str = ""
    state: str
    state_label: str = ""
    signed_at: datetime
    received_at: datetime | None
    decided_at: datetime | None
    terminated_at: datetime | None
    opinion: str
    application: int | None = Field(None, alias="application_id")

    @staticmethod
    def resolve_state_label(a: Agreement) -> str:
        return str(a.get_state_display())

    @staticmethod
    def resolve_customs_name(a: Agreement) -> str:
        return getattr(a, "customs_name", "")


class AgreementList(Out):
    items: list[AgreementOut]


# --- 报关单电子随附单据 (declarations) -------------------------------------------------------------------------

DeclDocTypeCode: TypeAlias = Annotated[str, enum_of(DeclDocType)]  # doc_type_invalid
DossierStateCode: TypeAlias = Annotated[str, enum_of(DossierState)]
DossierStateFilter: TypeAlias = Annotated[str, enum_of(DossierState, blank=True)]
DeclNo: TypeAlias = Annotated[str, declared(pattern=r"^[0-9]{18}$")]  # else dossier_not_found (404)


class DossierIn(In):
    """录入: the 18-digit 报关单号 (its first four digits the 关区, its ninth the 进出口标志: 1 进口, 0 出口),
    the 经营单位 (USCC, or organization code), the 关区 (4 digits) and I|E."""

    decl_no: str = declared(pattern=r"^[0-9]{18}$")
    consignor: str
    customs: str = declared(pattern=r"^[0-9]{4}$")
    direction: str = declared(pattern="^[IE]$")


class ReuploadIn(In):
    doc_type: DeclDocTypeCode
    reason: str = declared(min_length=1, max_length=500)


class DossierFilters(Filters):
    """The declarer's dossiers, or customs' of its 关区 (declared only): a number prefix, a state, a 关区,
    `reupload=1` only those with an open 重传指令."""

    decl_no: str = ""
    state: DossierStateFilter = ""
    customs: str = ""
    reupload: str = ""


class ReuploadFilters(Filters):
    """重新上传 / 重传指令: a number prefix, `status` open | satisfied (blank: all), a doc_type."""

    decl_no: str = ""
    status: Annotated[str, enum_of(["open", "satisfied"], blank=True)] = ""
    doc_type: Annotated[str, enum_of(DeclDocType, blank=True)] = ""


class ReuploadOut(Out):
    id: int
    doc_type: DeclDocTypeCode
    doc_type_label: str
    reason: str
    requested_at: datetime
    satisfied_at: datetime | None = None
    open: bool

    @staticmethod
    def resolve_doc_type_label(r: ReuploadRequest) -> str:
        return str(r.get_doc_type_display())

    @staticmethod
    def resolve_open(r: ReuploadRequest) -> bool:
        return r.is_open


class DocumentOut(Out):
    doc_type: DeclDocTypeCode
    doc_type_label: str
    uploaded: bool
    name: str | None = None
    size: int | None = None
    pages: int | None = None
    sha256: str | None = None
    source: str | None = None  # "upload", or "delegation" (filled in from the delegation's signed PDF)
    uploaded_at: datetime | None = None
    reupload_required: bool = False
    reupload_allowed: bool  # never for delegation, tax_guarantee, tax_deferral_guarantee


class DossierOut(Out):
    decl_no: str
    consignor: str
    consignor_name: str
    declarant: str
    declarant_name: str
    customs: str
    direct_customs: str
    direction: str
    state: DossierStateCode
    state_label: str
    created_at: datetime
    declared_at: datetime | None = None
    reupload_open: bool = False

    @staticmethod
    def resolve_consignor(d: Dossier) -> str:
        return d.consignor.code

    @staticmethod
    def resolve_consignor_name(d: Dossier) -> str:
        return d.consignor.name

    @staticmethod
    def resolve_declarant(d: Dossier) -> str:
        return d.declarant.code

    @staticmethod
    def resolve_declarant_name(d: Dossier) -> str:
        return d.declarant.name

    @staticmethod
    def resolve_state_label(d: Dossier) -> str:
        return str(d.get_state_display())

    @staticmethod
    def resolve_reupload_open(d: Dossier) -> bool:
        flag = getattr(d, "has_open_request", None)
        return (
            bool(flag) if flag is not None else d.reupload_requests.filter(satisfied_at__isnull=True).exists()
        )


class DossierDetail(DossierOut):
    documents: list[DocumentOut]
    reupload_requests: list[ReuploadOut]

    @staticmethod
    def resolve_documents(d: Dossier) -> list[DocumentOut]:
        out = []
        for row in document_rows(d):
            doc = row["document"]
            out.append(
                DocumentOut(
                    doc_type=row["doc_type"],
                    doc_type_label=str(row["label"]),
                    uploaded=doc is not None,
                    name=doc.original_name if doc else None,
                    size=doc.size if doc else None,
                    pages=doc.pages if doc else None,
                    sha256=doc.sha256 if doc else None,
                    source=doc.source if doc else None,
                    uploaded_at=doc.uploaded_at if doc else None,
                    reupload_required=row["request"] is not None,
                    reupload_allowed=row["doc_type"] not in NO_REUPLOAD,
                )
            )
        return out

    @staticmethod
    def resolve_reupload_requests(d: Dossier) -> list[ReuploadRequest]:
        return list(d.reupload_requests.all())


class DossierPage(Out):
    items: list[DossierOut]
    total: int


class ReuploadRow(ReuploadOut):
    """重新上传 / customs' 重传指令 list: the request with its declaration."""

    decl_no: str
    customs: str
    declarant_name: str

    @staticmethod
    def resolve_decl_no(r: ReuploadRequest) -> str:
        return r.dossier.decl_no

    @staticmethod
    def resolve_customs(r: ReuploadRequest) -> str:
        return r.dossier.customs

    @staticmethod
    def resolve_declarant_name(r: ReuploadRequest) -> str:
        return r.dossier.declarant.name


class ReuploadPage(Out):
    items: list[ReuploadRow]
    total: int


# --- 加贸权限管理 (processing-trade grants) ---------------------------------------------------------------


class GrantIn(In):
    """A grant: 授权类型 (manual | account_book | paperless_manual), the grantee's 10-digit 海关编码, 类别,
    企业内部编号, 权限代码 (3 digits 报关/操作/查询, each 0/1, at least one 1: 101, 111 …)."""

    book_type: str = Field(max_length=20)
    grantee_customs_code: str = Field(max_length=10)
    category: str = Field(max_length=50)
    internal_no: str = Field(max_length=50)
    rights: str = Field(max_length=3)


class GrantPatch(In):
    """修改: the fields to change; a missing one keeps its value."""

    book_type: str | None = Field(default=None, max_length=20)
    grantee_customs_code: str | None = Field(default=None, max_length=10)
    category: str | None = Field(default=None, max_length=50)
    internal_no: str | None = Field(default=None, max_length=50)
    rights: str | None = Field(default=None, max_length=3)


class GrantOut(Out):
    id: int
    book_type: str
    book_type_name: str
    grantor_name: str = Field(alias="grantor.name")
    grantee_customs_code: str
    grantee_name: str
    category: str
    internal_no: str
    rights: str
    rights_names: list[str]  # the rights the code grants, e.g. ["代理报关权", "查询权"]
    created_at: datetime
    updated_at: datetime


class GrantPage(Out):
    items: list[GrantOut]
    total: int


# --- export jobs (我的导出) ---------------------------------------------------------------------------


class ExportJobOut(Out):
    """An export too long for the request, written by the background worker; `file` once it is done."""

    id: int
    list: str = Field(alias="list_name")
    state: Annotated[str, enum_of(["pending", "running", "done", "failed"])]
    rows: int
    file_name: str
    created_at: datetime
    finished_at: datetime | None
    file: str | None = None

    @staticmethod
    def resolve_file(job: Any) -> str | None:
        return f"/api/v1/exports/{job.id}/file" if job.state == "done" else None


class ExportJobPage(Schema):
    items: list[ExportJobOut]
    total: int
