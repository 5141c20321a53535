from celery import shared_task

from eport.cards.notify import cards_expiring


@shared_task(name="eport.cards.expiring")
def expiring_task(days: int = 30) -> int:
    """`eport cards-expiring` on the schedule: the number of enterprises told."""
    return sum(1 for _e, _cards, sent in cards_expiring(days=days) if sent)
