"""海关企业管理 screens: the card menu entry opens the registration, the reminders on the card's landing page,
报送年度报告, 延续 on the application page (refused beside its field, then filed), the side menu, 导出Excel."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from eport.applications.models import Application
from eport.customs_registration.models import Registration
from tests import factories as f
from tests.customs_registration.helpers import grant, registered

pytestmark = pytest.mark.django_db


def html(r) -> str:
    return r.content.decode()


@pytest.fixture
def card(client):
    e, legal, _api = registered(days=45)
    client.force_login(legal.card.user)
    client.enterprise = e
    return client


def test_the_menu_entry_opens_the_registration_with_its_reminders(card):
    r = card.get(reverse("web:subsystem", args=["enterprise_mgmt"]))
    assert r.status_code == 302 and r["Location"] == reverse("web:customs_registration")
    page = html(card.get(reverse("web:customs_registration")))
    assert 'id="reg-customs-code">4403960101<' in page and "进出口货物收发货人" in page
    assert 'id="reminder-registration_expiring"' in page and 'id="reminder-annual_report_due"' in page
    assert "报关有效期提醒" in page and "报送材料提醒" in page
    assert reverse("web:customs_registration_renewal") in page  # the side menu and the button
    home = html(card.get(reverse("web:card_home")))
    assert 'id="reminder-registration_expiring"' in home and 'id="reminders-open"' in home


def test_a_card_without_the_subsystem_sees_no_reminders_and_a_grey_entry(client):
    e, legal, _api = registered(days=45)
    legal.card.permissions.all().delete()
    client.force_login(legal.card.user)
    assert "registration-reminders" not in html(client.get(reverse("web:card_home")))
    assert client.get(reverse("web:subsystem", args=["enterprise_mgmt"])).status_code == 403
    assert client.get(reverse("web:customs_registration")).status_code == 403


def test_annual_report_from_the_screen(card):
    r = card.post(reverse("web:customs_registration_annual_report"), follow=True)
    page = html(r)
    assert "年度报告" in page and 'id="reminder-annual_report_due"' not in page
    assert (
        Registration.objects.get(enterprise=card.enterprise).annual_report_year
        == timezone.localdate().year - 1
    )


def test_renewal_refused_beside_the_document_then_filed(card):
    url = reverse("web:customs_registration_renewal")
    r = card.get(url)
    assert r.status_code == 200 and 'id="page-form"' in html(r)
    r = card.post(url, {"reason": "到期延续", "action": "submit"})
    assert r.status_code == 400 and "error-summary" in html(r) and "报关单位登记证" in html(r)
    assert not Application.objects.filter(enterprise=card.enterprise).exists()  # nothing half-filed
    pdf = SimpleUploadedFile("cert.pdf", f.PDF, content_type="application/pdf")
    r = card.post(
        url, {"reason": "到期延续", "action": "submit", "doc_type": "customs_registration", "file": pdf}
    )
    app = Application.objects.get(enterprise=card.enterprise, kind="customs_registration_renewal")
    app.refresh_from_db()
    assert app.status == "SUBMITTED", html(r)[:2000]
    page = html(card.get(reverse("web:customs_registration")))
    assert app.number in page


def test_renewal_too_early_is_said_on_the_page(client):
    e, legal, _api = registered(days=300)
    client.force_login(legal.card.user)
    page = html(client.get(reverse("web:customs_registration_renewal")))
    assert 'id="page-refused"' in page and "90" in page


def test_an_operator_card_reads_without_the_legal_cards_buttons(client):
    e, legal, _api = registered(days=45)
    op = grant(f.operator_card(e))
    client.force_login(op.card.user)
    page = html(client.get(reverse("web:customs_registration")))
    assert 'id="registration"' in page and 'id="btn-renewal"' not in page
    assert client.get(reverse("web:customs_registration_renewal")).status_code == 403


def test_export(card):
    Registration.objects.filter(enterprise=card.enterprise).update(
        valid_until=timezone.localdate() + dt.timedelta(days=10)
    )
    r = card.get(reverse("web:customs_registration") + "?export=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
