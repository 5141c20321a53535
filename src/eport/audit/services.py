"""Record state changes (and reads of personal data): who, when, what before, what after.

Each row is linked into the hash chain in the caller's transaction (chain.append), so it commits or
rolls back with the change it records."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from eport.netaddr import current_ip

from .chain import append
from .models import AuditEvent

# The actions of the rows a read of personal data leaves (applications/reads.py, cards/reads.py,
# operators/reads.py): who counts the changes leaves them out.
READ_ACTIONS = ("attachment.download", "application.view", "card.view", "operator.view")


def _plain(value):
    # JSON-safe copy (dates, decimals) so the row reads the same on every database.
    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id="",
    before=None,
    after=None,
    reason: str = "",
    ip: str | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return append(
        AuditEvent(
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=getattr(actor, "username", "") or "system",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=_plain(before),
            after=_plain(after),
            reason=reason,
            ip=ip
            or current_ip()
            or None,  # the client of the request being served, when the caller names none
        )
    )
