from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """审计记录: one state change or one read of personal data, append-only and hash-chained.

    Each row carries `sequence` (1, 2, 3 … without gaps), the previous row's hash and its own:
    SHA-256 of its canonical content including both (`chain.py`). The database refuses UPDATE and
    DELETE on this table (triggers, `triggers.py`); `eport audit verify` recomputes the chain.
    Rows are written only by `services.record`, which links them under the chain head's lock.
    """

    sequence = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)  # set by record() before hashing, not by the database
    # Never a database constraint: deleting a user must not touch (SET NULL) an append-only row;
    # actor_label keeps the name, actor_id the number of an account that may no longer exist.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)  # the client's, as eport.netaddr finds it
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action", "ip", "at"], name="audit_action_ip_at"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        if not self.hash:
            raise RuntimeError("audit events are written by eport.audit.services.record (it links the chain)")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit events are append-only")


class AuditChain(models.Model):
    """The chain head: one row (pk 1) with the last row's sequence and hash.

    record() locks it (select_for_update) in the caller's transaction, so appends are serialised and a
    rolled-back transaction takes its head move with it: no fork, no gap. `checkpointed_at` says when
    the last signed checkpoint was written (the daily one is due after EPORT_AUDIT_CHECKPOINT_HOURS)."""

    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)
    checkpointed_at = models.DateTimeField(null=True, blank=True)


class AuditCheckpoint(models.Model):
    """A signed statement "the audit chain had this hash at this sequence", append-only like the audit.

    `content` is the exact signed text (JSON); `signature` a detached CMS (PKCS#7) signature of it by the
    system's issuing CA, DER. Both are also written as files (`checkpoints.py`) to be copied off the
    machine, so even a rewrite of the whole chain and of this table is found by `eport audit verify`."""

    sequence = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    content = models.TextField()
    signature = models.BinaryField()

    class Meta:
        ordering = ["id"]
