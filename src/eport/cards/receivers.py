"""The cards' part of other apps' decisions (operators/signals.py), connected by CardsConfig.ready."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from eport.errors import Conflict
from eport.operators.signals import operator_approved, operator_cancelling

from .models import CardState


@receiver(operator_approved, dispatch_uid="cards.operator_approved")
def holder_follows_the_operator(sender, *, operator, **kwargs) -> None:
    """The holder's name and ID on the operator's cards follow its approved record (综合查询 finds them)."""
    operator.cards.exclude(state=CardState.VOIDED).update(
        holder_name=operator.name, holder_id_type=operator.id_type, holder_id_no=operator.id_no
    )


@receiver(operator_cancelling, dispatch_uid="cards.operator_cancelling")
def refuse_while_a_card_is_not_voided(sender, *, operator, **kwargs) -> None:
    """An operator is cancelled only once each of its cards is voided (by the sub-centre)."""
    card = operator.cards.exclude(state=CardState.VOIDED).order_by("id").first()
    if card is not None:
        raise Conflict(
            "operator_card_not_voided",
            _("该操作员的IC卡 %(c)s 尚未作废，不能注销：请先到数据分中心作废该卡。") % {"c": card.card_no},
            "operator_no",
        )
