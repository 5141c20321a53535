"""What operators ask the apps above them, which they may not import (docs/architecture.md, Layers). Django
signals, sent inside the caller's transaction; the receivers connect in their AppConfig.ready."""

from django.dispatch import Signal

# An operator's declaration or change was approved: its record is written (the row locked), in the
# approval's transaction. Keyword argument: `operator`.
operator_approved = Signal()
# An operator's cancellation is checked (when it is filed with an operator number, submitted, approved —
# then with the operator row locked). A receiver refuses it by raising a DomainError: the cards refuse while
# one of the operator's cards is not voided (cards/receivers.py). Keyword argument: `operator`.
operator_cancelling = Signal()
# Does the operator hold a card in use? Asked for the sub-centre's next step after approving its declaration
# (make one, unless it has one). A receiver answers the card or None (cards/receivers.py). Keyword: `operator`.
operator_card_in_use = Signal()
