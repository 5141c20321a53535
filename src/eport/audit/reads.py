"""Reads of personal data that leave an audit row: who saw which ID numbers and ID documents.

Called by the screens and the API after the scoped selector has answered (a refused read is a 404 and
records nothing). Staff (reviewers, the sub-centre) are recorded when what they open shows a person's
ID number; an attachment download by anyone, since attachments are ID documents and licences. The row
names the record, never the ID number itself. Exports are audited where they are written."""

from eport.accounts.models import UserKind
from eport.accounts.permissions import is_staff

from .services import record

ACTIONS = ("attachment.download", "application.view", "card.view", "operator.view")


def attachment_downloaded(actor, attachment) -> None:
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
    from eport.applications.kinds import get_kind

    if is_staff(actor) and get_kind(application.kind).shows_id_numbers(application):
        record(
            actor=actor,
            action="application.view",
            obj=application,
            after={"kind": application.kind, "number": application.number or ""},
        )


def card_viewed(actor, card) -> None:
    """The sub-centre opened a card (its holder's ID number is on it)."""
    if actor.kind == UserKind.RA:
        record(actor=actor, action="card.view", obj=card, after={"card_no": card.card_no})


def operator_viewed(actor, operator) -> None:
    """The sub-centre opened an operator's record (name, ID number, phone)."""
    if actor.kind == UserKind.RA:
        record(actor=actor, action="operator.view", obj=operator, after={"operator_no": operator.operator_no})
