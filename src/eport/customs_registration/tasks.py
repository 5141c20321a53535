from celery import shared_task

from eport.customs_registration.services import remind_expiring


@shared_task(name="eport.customs_registration.expiring")
def expiring_task() -> int:
    """`eport customs-registration-expiring` on the schedule: the number of registrations reminded."""
    return len(remind_expiring())
