from celery import shared_task

from eport.delegations.services import expire_due


@shared_task(name="eport.delegations.expire")
def expire_task() -> int:
    """`eport delegations-expire` on the schedule: the number of delegations expired."""
    return len(expire_due())
