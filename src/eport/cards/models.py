import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from eport.accounts.models import User
from eport.pki.models import Certificate, CertStatus

from .codes import Code
from .subsystems import SUBSYSTEM_RIGHTS

# The kind of application that asks the sub-centre for a legal card (申领/补办法人卡, kinds.py): 制卡 fulfils
# it. The API's name for it, kept since 补办 came first (API.md).
LEGAL_CARD_REQUEST = "legal_card_reissue"


class CardKind(models.TextChoices):
    LEGAL = "legal", _("法人卡")
    OPERATOR = "operator", _("操作员卡")


class CardState(models.TextChoices):
    """The card's administrative state (SPEC §4); the PIN lock (锁定) is a separate flag on the card,
    since a lost or frozen card can also be PIN-locked and the two are lifted by different people."""

    # Context: the same words are action buttons (挂失 "report lost") and states ("reported lost").
    NORMAL = "normal", pgettext_lazy("card state", "正常")
    LOST = "lost", pgettext_lazy("card state", "挂失")
    FROZEN = "frozen", pgettext_lazy("card state", "冻结")
    LOST_FROZEN = "lost_frozen", pgettext_lazy("card state", "挂失、冻结")
    VOIDED = "voided", pgettext_lazy("card state", "作废")


class VoidReason(models.TextChoices):
    """Why a card was voided (作废原因): the sub-centre's choice, or the system's (a reissue). The codes are
    RFC 5280's revocation reasons, so the certificate is revoked with the same one."""

    CESSATION = "cessation_of_operation", _("停止使用")
    AFFILIATION_CHANGED = "affiliation_changed", _("人员或企业变更")
    KEY_COMPROMISE = "key_compromise", _("卡片或密钥泄露")
    SUPERSEDED = "superseded", _("补办换卡")
    UNSPECIFIED = "unspecified", _("其他")


# The short words for Card.blocker()'s codes (a table cell, or after the card number in a refusal).
BLOCKER_LABELS = {
    Code.CARD_VOIDED: _("已作废"),
    Code.CARD_LOST: _("已挂失"),
    Code.CARD_FROZEN: _("已冻结"),
    Code.CARD_LOCKED: _("密码已锁定"),
    Code.CARD_EXPIRED: _("已过期"),
    Code.CARD_NOT_YET_VALID: _("尚未生效"),
    Code.CERTIFICATE_REVOKED: _("证书已吊销"),
    Code.CERTIFICATE_ON_HOLD: _("证书已暂停"),
}


class Card(models.Model):
    """IC卡: a PKI smart card of an enterprise — its certificate, state, validity, PIN verifier.

    The server keeps no private key: the key was handed out once in the card file. The PIN is kept
    as an HMAC-SHA256 verifier keyed with a pepper outside the database (cards/pins.py).
    Each card has its own account row (`user`), so sessions, API tokens and the audit treat a card
    holder like any other signed-in actor.
    """

    card_no = models.CharField(_("IC卡号"), max_length=20, unique=True, null=True)
    kind = models.CharField(_("卡类型"), max_length=10, choices=CardKind.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="cards", verbose_name=_("企业")
    )
    operator = models.ForeignKey(
        "operators.Operator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cards",
        verbose_name=_("操作员"),
    )
    holder_name = models.CharField(_("持卡人"), max_length=100)
    holder_id_type = models.CharField(_("证件类型"), max_length=40, blank=True)
    holder_id_no = models.CharField(_("证件编号"), max_length=40, blank=True)
    issuer = models.ForeignKey(
        "refdata.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("发卡机构")
    )
    valid_from = models.DateField(_("有效期自"))
    valid_to = models.DateField(_("有效期至"))
    state = models.CharField(_("卡状态"), max_length=12, choices=CardState.choices, default=CardState.NORMAL)
    certificate = models.ForeignKey("pki.Certificate", null=True, on_delete=models.PROTECT, related_name="+")
    pin_hash = models.CharField(max_length=80)
    pin_failures = models.PositiveSmallIntegerField(_("密码错误次数"), default=0)
    pin_locked = models.BooleanField(_("密码锁定"), default=False)
    # Who put the card on hold: a loss report or freeze made by the sub-centre is lifted there only.
    lost_by_ra = models.BooleanField(default=False)
    frozen_by_ra = models.BooleanField(default=False)
    must_change_pin = models.BooleanField(_("须修改IC卡密码"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="card"
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField(_("制卡时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_sign_in_at = models.DateTimeField(_("最近登录"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # 作废: when and why (the card page and lists say it); a reissue's void also names the application, and
    # the card that replaced it once the sub-centre has made it.
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=32, blank=True, choices=VoidReason.choices)
    void_note = models.CharField(_("作废说明"), max_length=200, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("替换卡")
    )
    # The legal card request (申领/补办法人卡) this card fulfilled: made from the sub-centre's 待制法人卡 queue.
    request = models.OneToOneField(
        "applications.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="made_card",
        verbose_name=_("法人卡申请"),
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            # One usable legal-person card per enterprise, one card per operator (a new one after voiding).
            models.UniqueConstraint(
                fields=["enterprise"],
                name="one_legal_card_per_enterprise",
                condition=models.Q(kind="legal") & ~models.Q(state="voided"),
            ),
            models.UniqueConstraint(
                fields=["operator"],
                name="one_card_per_operator",
                condition=models.Q(operator__isnull=False) & ~models.Q(state="voided"),
            ),
            # Whatever the races, a card is only ever in a state of the transition table.
            models.CheckConstraint(
                condition=models.Q(state__in=["normal", "lost", "frozen", "lost_frozen", "voided"]),
                name="card_state_known",
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "kind"], name="card_enterprise_kind"),
            models.Index(fields=["issuer", "-id"], name="card_issuer"),
            models.Index(fields=["holder_id_no"], name="card_holder_id"),
        ]

    def __str__(self):
        return self.card_no or f"#{self.pk}"

    # card_no, user and certificate are null only inside card_make's transaction (the row is saved first: its
    # pk makes the number), so every card outside it has all three; code that handles a made card reads them
    # here, typed, and a card caught half-made fails loudly instead of passing a None along.
    @property
    def made_no(self) -> str:
        assert self.card_no is not None, "a made card has its number (card_make)"
        return self.card_no

    @property
    def made_user(self) -> User:
        assert self.user is not None, "a made card has its account (card_make)"
        return self.user

    @property
    def made_certificate(self) -> Certificate:
        assert self.certificate is not None, "a made card has its certificate (card_make)"
        return self.certificate

    @property
    def expired(self) -> bool:
        return self.valid_to < timezone.localdate()

    def blocker(self) -> Code | None:
        """Why this card cannot be used now (a refusal code), or None. The one rule for sign-in, for
        ending sessions, and for what the screens call usable; the chain check is the service's."""
        if self.state == CardState.VOIDED:
            return Code.CARD_VOIDED
        if self.state in (CardState.LOST, CardState.LOST_FROZEN):
            return Code.CARD_LOST
        if self.state == CardState.FROZEN:
            return Code.CARD_FROZEN
        if self.pin_locked:
            return Code.CARD_LOCKED
        today = timezone.localdate()
        if self.valid_to < today:
            return Code.CARD_EXPIRED
        if self.valid_from > today:
            return Code.CARD_NOT_YET_VALID
        cert = self.certificate
        if cert is None or cert.status == CertStatus.REVOKED:
            return Code.CERTIFICATE_REVOKED
        if cert.status == CertStatus.HOLD:
            return Code.CERTIFICATE_ON_HOLD
        return None

    @property
    def display_state(self) -> str:
        """What the screens show: the administrative state, then 锁定, then 已过期."""
        if self.state == CardState.NORMAL:
            if self.pin_locked:
                return str(pgettext_lazy("card state", "锁定"))
            if self.expired:
                return str(pgettext_lazy("card state", "已过期"))
        return str(CardState(self.state).label)

    @property
    def void_reason_text(self) -> str:
        """作废原因 as the screens and the API say it ("" while the card is not voided)."""
        if self.state != CardState.VOIDED:
            return ""
        if self.replaced_by_id is not None and self.replaced_by is not None:
            return gettext("补办换卡：由新卡 %(c)s 替换") % {"c": self.replaced_by.card_no}
        text = str(VoidReason(self.void_reason).label) if self.void_reason else gettext("未记录")
        return f"{text}（{self.void_note}）" if self.void_note else text

    @property
    def usable(self) -> bool:
        return self.blocker() is None


class Subsystem(models.Model):
    """子系统: an E-Port business system a card may be authorised for (menu entry, dark or grey)."""

    code = models.CharField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    card_kinds = models.JSONField(
        _("可授权的卡类型"), default=list
    )  # e.g. ["operator"], ["legal", "operator"]
    # The card filing (IC卡海关备案 or IC卡外汇备案) a card needs before it may be granted this subsystem.
    filing = models.CharField(
        _("所需IC卡备案"),
        max_length=10,
        default="customs",
        choices=[("customs", _("海关备案")), ("forex", _("外汇备案"))],
    )
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort", "code"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language: the seeded names are messages of the catalogue
        (subsystems.py); one an administrator adds or renames shows as given."""
        return gettext(self.name)


class CardPermission(models.Model):
    """权限: a card may use a subsystem, optionally within a period."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="permissions")
    subsystem = models.ForeignKey(Subsystem, on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    granted_at = models.DateTimeField(auto_now_add=True)
    # The rights granted within the subsystem (subsystems.SUBSYSTEM_RIGHTS), e.g. ["entry", "declare"].
    rights = models.JSONField(_("子系统内权限"), default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["card", "subsystem"], name="card_permission_unique")]

    @property
    def right_names(self) -> list[str]:
        """The rights held within the subsystem, by name in the reader's language (报关单录入, 报关申报)."""
        names = dict(SUBSYSTEM_RIGHTS.get(self.subsystem_id, []))
        return [
            gettext(names[r])
            for r, _n in SUBSYSTEM_RIGHTS.get(self.subsystem_id, [])
            if r in (self.rights or [])
        ]

    def active_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class CardNameGram(models.Model):
    """综合查询 of a sub-centre or the country by a one- or two-character holder name (PostgreSQL): each
    card's one- and two-character name grams with its issuer, kept by database triggers (migration
    0008). A surname matches a few percent of a million cards; the newest 1,001 of them are then the
    first entries of one b-tree range, read without touching the cards (docs/benchmarks.md). SQLite
    searches by LIKE and leaves this table empty."""

    pk = models.CompositePrimaryKey("gram", "issuer_id", "card_id")
    gram = models.CharField(max_length=2)
    issuer_id = models.CharField(max_length=32)
    card_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["gram", "card_id"], name="card_name_gram_national")]


class UsedChallenge(models.Model):
    """Challenges already answered (single use). Challenges themselves are signed, not stored; a row
    lives here until the challenge would have expired anyway."""

    key = models.CharField(max_length=64, primary_key=True)
    expires_at = models.DateTimeField(db_index=True)


class DocumentSigning(models.Model):
    """A document prepared for a card's signature (documents.py): the PDF with its signature field
    reserved and the CMS signed attributes the card signs. Single use, for a few minutes."""

    sign_id = models.CharField(max_length=64, unique=True)
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=64, blank=True)  # what the document is, e.g. paperless_agreement
    # What the domain needs back when the signature comes (e.g. the 关区 ticked): kept with the document,
    # so that what is completed is exactly what was prepared and shown.
    context = models.JSONField(default=dict, blank=True)
    pdf = models.BinaryField()
    reserved_start = models.PositiveBigIntegerField()
    reserved_end = models.PositiveBigIntegerField()
    digest = models.BinaryField()  # SHA-256 of the /ByteRange
    signed_attrs = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
