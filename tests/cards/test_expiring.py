"""The daily reminder (`eport cards-expiring`): cards expiring within 30 days, one mail per enterprise."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from eport.cards.actions import card_act
from eport.cards.models import Card
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_lists_and_notifies_only_usable_cards_expiring_soon(mailoutbox):
    ra = f.ra_officer()
    e = f.enterprise_in_network()
    e.contact_email = "ic@example.com"
    e.save()
    soon, later, voided = (f.make_card("operator", e, ra=ra).card for _ in range(3))
    today = timezone.localdate()
    Card.objects.filter(pk=soon.pk).update(valid_to=today + dt.timedelta(days=12))
    Card.objects.filter(pk=voided.pk).update(valid_to=today + dt.timedelta(days=5))
    card_act(actor=ra, card_no=voided.card_no, action="void")
    quiet = f.enterprise_in_network()  # no address: listed, not mailed
    q = f.make_card("operator", quiet, ra=ra).card
    Card.objects.filter(pk=q.pk).update(valid_to=today + dt.timedelta(days=30))
    mailoutbox.clear()
    out = io.StringIO()
    call_command("cards_expiring", stdout=out)
    text = out.getvalue()
    assert soon.card_no in text and q.card_no in text
    assert later.card_no not in text and voided.card_no not in text
    assert "2 card(s) of 2 enterprise(s)" in text and "not notified" in text
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["ic@example.com"]
    assert soon.card_no in mailoutbox[0].body and "30天内到期" in mailoutbox[0].subject
    mailoutbox.clear()
    call_command("cards_expiring", "--dry-run", stdout=io.StringIO())
    assert mailoutbox == []
