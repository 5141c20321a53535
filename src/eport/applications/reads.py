"""Reads of an application's personal data that leave an audit row (who saw which ID numbers and ID
documents). Called by the screens and the API after the scoped selector has answered (a refused read is a
404 and records nothing). The row names the record, never the ID number itself. Exports are audited where
they are written; the cards' and operators' reads are in their own apps (cards/reads.py, operators/reads.py).
"""

from eport.accounts.permissions import is_staff
from eport.audit.services import record

from .kinds import get_kind


def attachment_downloaded(actor, attachment) -> None:
    """Any download (by anyone): attachments are ID documents and licences."""
    record(
        actor=actor,
        action="attachment.download",
        obj=attachment,
        after={
            "application": attachment.application_id,
            "doc_type": attachment.doc_type,
            "sha256": attachment.sha256,
        },
    )


def application_viewed(actor, application) -> None:
    """A reviewer or the sub-centre opened an application whose page shows an ID number (三证合一: the
    legal representative's; operator declarations and cancellations: the operator's)."""
    if is_staff(actor) and get_kind(application.kind).shows_id_numbers(application):
        record(
            actor=actor,
            action="application.view",
            obj=application,
            after={"kind": application.kind, "number": application.number or ""},
        )
