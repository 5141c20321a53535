"""The mail outbox: a notification is a row of the change it reports (rolled back with it), sent once after
the commit, tried again with backoff while the mail server is down, failed for an administrator after the
last attempt; two senders never both send one row; the sweep picks up what was left behind."""

from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.db import transaction
from django.utils import timezone

from eport import mail
from eport.accounts.models import UserKind
from eport.mail.models import Outbox, OutboxState
from eport.mail.tasks import sweep
from tests import factories as f

pytestmark = pytest.mark.django_db

# A real SMTP connection to a port nothing listens on: the mail server is down.
DOWN = {
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_PORT": 9,
}


def smtp_down(settings):
    for k, v in DOWN.items():
        setattr(settings, k, v)


def test_a_notification_is_written_with_its_change_and_sent_after_the_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            mail.send_on_commit(["a@example.com"], "主题", "正文")
            [row] = Outbox.objects.all()
            assert row.state == OutboxState.PENDING and django_mail.outbox == []
    row.refresh_from_db()
    assert row.state == OutboxState.SENT and row.attempts == 1 and row.sent_at is not None
    [m] = django_mail.outbox
    assert m.to == ["a@example.com"] and m.subject == "主题" and m.body == "正文"


def test_a_change_that_rolls_back_leaves_no_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            mail.send_on_commit(["a@example.com"], "主题", "正文")
            raise RuntimeError("the change failed")
    assert not Outbox.objects.exists() and django_mail.outbox == []


def test_nobody_to_tell_writes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mail.send_on_commit([], "主题", "正文")
    assert not Outbox.objects.exists()


def test_a_mail_server_outage_keeps_the_change_and_the_message_for_later(
    settings, django_capture_on_commit_callbacks
):
    smtp_down(settings)
    user = f.cardless(name="邮件暂停测试有限公司", email="who@example.com")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        user.first_name = "changed"
        user.save()
        mail.send_on_commit([user.email], "主题", "正文")
    user.refresh_from_db()
    assert user.first_name == "changed"  # the change stands
    row = Outbox.objects.get()
    assert row.state == OutboxState.PENDING and row.attempts == 1 and "Connection" in row.last_error
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=20)
    # Not due yet: the sweep leaves it alone; once due and the server is back, it goes out, once.
    assert sweep()["enqueued"] == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Outbox.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert sweep()["enqueued"] == 1
    row.refresh_from_db()
    assert row.state == OutboxState.SENT and row.attempts == 2 and row.last_error == ""
    assert len(django_mail.outbox) == 1
    assert sweep()["enqueued"] == 0 and len(django_mail.outbox) == 1


def test_after_the_last_attempt_the_message_is_failed_and_shown_to_administrators(settings, client):
    smtp_down(settings)
    settings.MAIL_MAX_ATTEMPTS = 2
    assert mail.send(["a@example.com"], "到期提醒", "正文") is False
    row = Outbox.objects.get()
    Outbox.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    sweep()
    row.refresh_from_db()
    assert row.state == OutboxState.FAILED and row.attempts == 2
    assert sweep()["enqueued"] == 0  # a failed row waits for an administrator
    admin = f.staff(UserKind.ADMIN, None, is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get("/admin/mail/outbox/?state__exact=failed")
    assert page.status_code == 200 and "到期提醒" in page.content.decode()
    # The administrator sends it again once the mail server is back.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    r = client.post("/admin/mail/outbox/", {"action": "retry", "_selected_action": [row.pk]})
    assert r.status_code == 302
    sweep()
    row.refresh_from_db()
    assert row.state == OutboxState.SENT and len(django_mail.outbox) == 1


def test_two_senders_never_both_send_one_message():
    pk = Outbox.objects.create(recipients=["a@example.com"], subject="s", body="b").pk
    assert mail.deliver(pk) is True
    assert mail.deliver(pk) is None
    assert len(django_mail.outbox) == 1


def test_the_sweep_takes_back_a_stale_claim_and_prunes_old_sent_rows(settings):
    now = timezone.now()
    stuck = Outbox.objects.create(
        recipients=["a@example.com"],
        subject="stuck",
        body="b",
        state=OutboxState.SENDING,
        attempts=1,
        claimed_at=now - timedelta(seconds=settings.MAIL_LEASE_SECONDS + 1),
    )
    busy = Outbox.objects.create(
        recipients=["a@example.com"],
        subject="busy",
        body="b",
        state=OutboxState.SENDING,
        attempts=1,
        claimed_at=now,
    )
    old = Outbox.objects.create(
        recipients=["a@example.com"],
        subject="old",
        body="b",
        state=OutboxState.SENT,
        sent_at=now - timedelta(days=settings.MAIL_KEEP_DAYS + 1),
    )
    done = sweep()
    assert done == {"enqueued": 1, "reclaimed": 1, "pruned": 1}
    assert [m.subject for m in django_mail.outbox] == ["stuck"]
    assert Outbox.objects.get(pk=stuck.pk).state == OutboxState.SENT
    assert Outbox.objects.get(pk=busy.pk).state == OutboxState.SENDING
    assert not Outbox.objects.filter(pk=old.pk).exists()
