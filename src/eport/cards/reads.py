"""A read of a card that leaves an audit row: its holder's ID number is on it (applications/reads.py says
how reads are audited)."""

from eport.accounts.models import UserKind
from eport.audit.services import record


def card_viewed(actor, card) -> None:
    """The sub-centre opened a card."""
    if actor.kind == UserKind.RA:
        record(actor=actor, action="card.view", obj=card, after={"card_no": card.card_no})
