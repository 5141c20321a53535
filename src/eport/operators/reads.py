"""A read of an operator's record that leaves an audit row (applications/reads.py says how reads are
audited)."""

from eport.accounts.models import UserKind
from eport.audit.services import record


def operator_viewed(actor, operator) -> None:
    """The sub-centre opened an operator's record (name, ID number, phone)."""
    if actor.kind == UserKind.RA:
        record(actor=actor, action="operator.view", obj=operator, after={"operator_no": operator.operator_no})
