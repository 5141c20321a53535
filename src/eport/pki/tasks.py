from celery import shared_task

from .services import crl_complete_task_run


@shared_task(name="eport.pki.crl_complete")
def issue_complete_task() -> int | None:
    """Issue the complete CRL (queued by a status change, coalesced)."""
    state = crl_complete_task_run()
    return state.full_number if state else None


@shared_task(name="eport.pki.crl_sweep")
def crl_sweep_task() -> int | None:
    """Every minute: issue the complete CRL when it is due (a change's job was lost, or half its life gone)."""
    state = crl_complete_task_run()
    return state.full_number if state else None
