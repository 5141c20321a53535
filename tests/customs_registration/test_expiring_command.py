"""The daily 报关有效期 reminder (`eport customs-registration-expiring`): within 90 days and after the end,
each threshold of each 有效期 mailed once however often it runs; a renewal starts again."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from eport.customs_registration.models import Registration
from eport.customs_registration.services import remind_expiring
from tests.customs_registration.helpers import registered

pytestmark = pytest.mark.django_db


def run() -> str:
    out = io.StringIO()
    call_command("customs_registration_expiring", stdout=out)
    return out.getvalue()


def test_once_per_threshold(django_capture_on_commit_callbacks):
    e, _legal, _api = registered(days=80)
    registered(name="远未到期企业", reg_no="4403960199", days=200)
    with django_capture_on_commit_callbacks(execute=True):
        text = run()
    assert "1 registration(s) reminded." in text and "(notified)" in text
    assert [m.to for m in mail.outbox] == [["reg4403960101@example.com"]]
    assert "将于" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        assert "0 registration(s)" in run()  # the next day's run: nothing new
    assert len(mail.outbox) == 1
    Registration.objects.filter(enterprise=e).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        run()
    assert len(mail.outbox) == 2 and "已届满" in mail.outbox[1].subject
    with django_capture_on_commit_callbacks(execute=True):
        run()
    assert len(mail.outbox) == 2


def test_dry_run_sends_and_marks_nothing():
    registered(days=10)
    found = remind_expiring(send=False)
    assert len(found) == 1 and found[0][1] == "90" and found[0][2] is False
    assert Registration.objects.get().reminded == "" and mail.outbox == []


def test_an_enterprise_no_card_has_looked_at_yet_is_reminded_too(django_capture_on_commit_callbacks):
    """The registration is made when a card first reads it; the daily run makes the missing ones first, so
    an enterprise whose cards never opened 海关企业管理 is reminded all the same."""
    from eport.filings.models import EnterpriseFiling
    from eport.refdata.models import Unit
    from tests import factories as f

    e = f.enterprise_in_network(name="从未打开企业管理的企业", customs="5301")
    e.contact_email = "never@example.com"
    e.save(update_fields=["contact_email"])
    filing = EnterpriseFiling.objects.create(
        enterprise=e,
        filing="customs",
        unit=Unit.objects.get(pk="customs:5300"),
        data={"reg_no": "4403960777"},
    )
    # filed three years ago less 30 days: its three-year registration ends within 90 days
    EnterpriseFiling.objects.filter(pk=filing.pk).update(
        filed_at=timezone.now() - dt.timedelta(days=3 * 365 - 30)
    )
    assert not Registration.objects.filter(enterprise=e).exists()
    with django_capture_on_commit_callbacks(execute=True):
        text = run()
    assert "1 registration(s) reminded." in text
    assert [m.to for m in mail.outbox] == [["never@example.com"]]
    assert Registration.objects.filter(enterprise=e).exists()
