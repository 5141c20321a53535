from celery import shared_task

from eport.agreements.services import agreements_receive


@shared_task(name="eport.agreements.receive")
def receive_task() -> int:
    """`eport agreements-receive` on the schedule: the number of agreements received."""
    return agreements_receive()
