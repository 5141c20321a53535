"""The cards' part of other apps' decisions (operators/signals.py), connected by CardsConfig.ready."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from eport.cards.codes import Code
from eport.errors import Conflict
from eport.operators.signals import operator_approved, operator_cancelling, operator_card_in_use

from .selectors import live_card_of, live_cards


@receiver(operator_approved, dispatch_uid="cards.operator_approved")
def holder_follows_the_operator(sender, *, operator, **kwargs) -> None:
    """The holder's name and ID on the operator's cards follow its approved record (综合查询 finds them)."""
    live_cards(operator).update(
        holder_name=operator.name, holder_id_type=operator.id_type, holder_id_no=operator.id_no
    )


@receiver(operator_cancelling, dispatch_uid="cards.operator_cancelling")
def refuse_while_a_card_is_not_voided(sender, *, operator, **kwargs) -> None:
    """An operator is cancelled only once each of its cards is voided (by the sub-centre)."""
    card = live_card_of(operator)
    if card is not None:
        raise Conflict(
            Code.OPERATOR_CARD_NOT_VOIDED,
            _("该操作员的IC卡 %(c)s 尚未作废，不能注销：请先到数据分中心作废该卡。") % {"c": card.card_no},
            "operator_no",
        )


@receiver(operator_card_in_use, dispatch_uid="cards.operator_card_in_use")
def the_operators_card(sender, *, operator, **kwargs):
    """The operator's card in use, if any (the one answer: cards/selectors.live_card_of)."""
    return live_card_of(operator)
