"""With a task worker the complete CRL is issued off the request: a status change queues one job (however
many changes), the worker issues it, a fetch serves what it issued; a change the stored CRL lacks for longer
than the grace (no worker ran) is issued by the fetch itself. The broker is the machine's Redis; the
worker's job is run here, as the worker would."""

import datetime as dt
import shutil
import subprocess

import pytest
from cryptography import x509
from django.utils import timezone

from eport.cards.actions import card_act
from eport.pki.models import Certificate, CrlState
from eport.pki.tasks import crl_sweep_task, issue_complete_task
from tests import factories as f
from tests.pki.test_crl_ocsp import crl_number, get_crl, listed, serial_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def ra():
    return f.ra_officer()


def revoke(ra, made, capture):
    with capture(execute=True):
        card_act(actor=ra, card_no=made.card.card_no, action="void", reason="key_compromise")


def test_a_revocation_is_issued_by_the_worker_and_served_as_issued(
    client, ra, broker, django_capture_on_commit_callbacks, tmp_path
):
    cards = [f.make_card("legal", ra=ra) for _ in range(3)]
    first = get_crl(client)
    for m in cards:
        revoke(ra, m, django_capture_on_commit_callbacks)
    assert broker.waiting() == 1  # three changes, one job
    # Before the worker ran (within the grace) a fetch serves the stored CRL; the delta has the changes.
    assert crl_number(get_crl(client)) == crl_number(first)
    delta = x509.load_der_x509_crl(client.get("/pki/delta-crl.der").content)
    assert all(listed(delta, serial_of(m.card)) == x509.ReasonFlags.key_compromise for m in cards)

    broker.drop()  # the worker takes the job
    number = issue_complete_task()
    crl = get_crl(client)
    assert crl_number(crl) == number == CrlState.objects.get().number
    assert all(listed(crl, serial_of(m.card)) == x509.ReasonFlags.key_compromise for m in cards)
    assert crl_number(get_crl(client)) == number  # served as issued, not issued again
    if shutil.which("openssl"):
        path = tmp_path / "crl.der"
        path.write_bytes(client.get("/pki/crl.der").content)
        text = subprocess.run(
            ["openssl", "crl", "-inform", "DER", "-in", path, "-text", "-noout"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert text.count("Key Compromise") == 3

    # The next change queues the next job.
    revoke(ra, f.make_card("legal", ra=ra), django_capture_on_commit_callbacks)
    assert broker.waiting() == 1


def test_a_change_older_than_the_grace_is_issued_by_the_fetch(
    client, ra, broker, settings, django_capture_on_commit_callbacks
):
    made = f.make_card("legal", ra=ra)
    first = get_crl(client)
    revoke(ra, made, django_capture_on_commit_callbacks)
    assert listed(get_crl(client), serial_of(made.card)) is None  # within the grace: the worker's
    # No worker ran: once the change is older than the grace, the fetch issues the complete CRL itself.
    Certificate.objects.filter(pk=made.card.certificate_id).update(
        status_changed_at=timezone.now() - dt.timedelta(seconds=settings.CRL_GRACE_SECONDS + 1)
    )
    crl = get_crl(client)
    assert (
        crl_number(crl) > crl_number(first)
        and listed(crl, serial_of(made.card)) == x509.ReasonFlags.key_compromise
    )


def test_the_sweep_issues_what_a_lost_job_left(client, ra, broker, django_capture_on_commit_callbacks):
    made = f.make_card("legal", ra=ra)
    get_crl(client)
    revoke(ra, made, django_capture_on_commit_callbacks)
    broker.drop()  # the job is lost
    assert crl_sweep_task() is not None
    assert listed(get_crl(client), serial_of(made.card)) == x509.ReasonFlags.key_compromise
    assert crl_sweep_task() is None  # nothing due


def test_without_a_worker_nothing_is_queued_and_the_fetch_issues_it(
    client, ra, django_capture_on_commit_callbacks
):
    made = f.make_card("legal", ra=ra)
    get_crl(client)
    revoke(ra, made, django_capture_on_commit_callbacks)
    assert CrlState.objects.get().complete_queued_at is None
    assert listed(get_crl(client), serial_of(made.card)) == x509.ReasonFlags.key_compromise


def test_a_delta_reissue_alone_does_not_make_the_fetch_issue_the_complete_crl(client, ra, broker):
    """The delta CRL is reissued at half its life with no status change: the stored complete CRL lacks
    nothing, so a fetch serves it as issued (the worker's, not rebuilt in the request)."""
    from eport.pki.services import crl_publish

    f.make_card("legal", ra=ra)
    first = get_crl(client)
    crl_publish()  # a delta-only reissue: the CRL number moves, no certificate changed
    assert crl_number(get_crl(client)) == crl_number(first)
