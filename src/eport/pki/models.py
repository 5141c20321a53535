from django.db import models
from django.utils.translation import gettext_lazy as _


class CertStatus(models.TextChoices):
    GOOD = "good", _("有效")
    HOLD = "hold", _("暂停（挂起）")
    REVOKED = "revoked", _("已吊销")


class Certificate(models.Model):
    """A certificate issued by the system's issuing CA, and its revocation status.

    The CRL and the OCSP responder read this table; the card that holds the certificate points to it.
    `reason` is an RFC 5280 CRLReason name as `cryptography.x509.ReasonFlags` spells it.
    """

    serial = models.CharField(_("证书序列号"), max_length=48, unique=True)  # lower-case hex
    subject_key = models.CharField(max_length=64, db_index=True)  # what holds it, e.g. "card:1530000000012"
    der = models.BinaryField()
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    status = models.CharField(
        _("证书状态"), max_length=8, choices=CertStatus.choices, default=CertStatus.GOOD
    )
    reason = models.CharField(max_length=32, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The CRL number that first published the current status (null: never changed since issue), and
    # when it changed: a release from hold is listed in delta CRLs as removeFromCRL (RFC 5280 §5.3.1).
    status_crl = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        # The CRL lists every certificate that is not good: a small slice of the table.
        indexes = [models.Index(fields=["status"], name="cert_not_good", condition=~models.Q(status="good"))]

    def __str__(self):
        return self.serial

    @property
    def serial_int(self) -> int:
        return int(self.serial, 16)


class CrlState(models.Model):
    """The current complete CRL of the issuing CA and its delta CRL (one CRL number sequence for both).

    Every certificate status change issues a new delta CRL in the same transaction (small: the changes
    since `delta_base`); the complete CRL (`der`, number `full_number`) is issued again when someone asks
    for it after a change, when half its life is gone, and whenever the delta's base moves (once per CRL
    lifetime, to the latest complete CRL). So a status change costs the size of the day's changes, not
    of every certificate ever held or revoked, and whoever fetches either CRL gets the current state."""

    issuer_key_id = models.CharField(max_length=64, unique=True)
    number = models.PositiveBigIntegerField(default=0)  # the last CRL number issued (complete or delta)
    der = models.BinaryField(null=True)
    full_number = models.PositiveBigIntegerField(null=True)  # the number of `der`
    delta_der = models.BinaryField(null=True)
    delta_base = models.PositiveBigIntegerField(null=True)
    delta_base_at = models.DateTimeField(null=True)
    this_update = models.DateTimeField(null=True)  # of the complete CRL
    next_update = models.DateTimeField(null=True)
    delta_this_update = models.DateTimeField(null=True)
    # With a task worker: when issuing the complete CRL was last handed to it (one job at a time is enough;
    # cleared when the job starts, so a change during the job queues the next).
    complete_queued_at = models.DateTimeField(null=True)
