"""Reads of personal data leave an audit row: attachment downloads, and staff opening a record that shows
ID numbers (the application and review pages, the card page, the API's application, card and operator)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from eport.applications import services
from eport.applications.kinds import get_kind
from eport.applications.models import Application, ReviewStep
from eport.audit.models import AuditEvent
from tests import factories as f
from tests.api.helpers import Api, make_pdf

from .helpers import verify_ok

pytestmark = pytest.mark.django_db


def reads(action, obj, actor=None):
    qs = AuditEvent.objects.filter(action=action, object_id=str(obj.pk))
    return list(qs.filter(actor=actor) if actor is not None else qs)


@pytest.fixture
def reviewer():
    return f.staff("reviewer", "aic:440300")


@pytest.fixture
def attachment(user):
    draft = f.draft_entry(user)
    return services.attachment_add(
        actor=user,
        application_id=draft.id,
        doc_type="legal_rep_id",
        upload=SimpleUploadedFile("身份证.pdf", make_pdf(), "application/pdf"),
    )


def test_an_attachment_download_on_the_screen_is_audited(client, user, attachment):
    client.force_login(user)
    r = client.get(f"/applications/{attachment.application_id}/attachments/{attachment.id}/")
    assert r.status_code == 200
    (row,) = reads("attachment.download", attachment, user)
    assert row.after == {
        "application": attachment.application_id,
        "doc_type": "legal_rep_id",
        "sha256": attachment.sha256,
    }
    verify_ok()


def test_an_attachment_download_through_the_api_is_audited(user, attachment):
    r = Api(user).get(f"/applications/{attachment.application_id}/attachments/{attachment.id}")
    assert r.status_code == 200
    assert len(reads("attachment.download", attachment, user)) == 1


def test_a_refused_download_records_nothing(attachment):
    stranger = f.cardless()
    r = Api(stranger).get(f"/applications/{attachment.application_id}/attachments/{attachment.id}")
    assert r.status_code == 404
    assert reads("attachment.download", attachment) == []


def test_a_reviewer_opening_an_entry_with_id_numbers_is_audited(client, app, reviewer):
    client.force_login(reviewer)
    assert client.get(f"/applications/{app.id}/").status_code == 200
    step = ReviewStep.objects.get(application=app, unit_id="aic:440300")
    assert client.get(f"/reviews/{step.id}/").status_code == 200
    rows = reads("application.view", app, reviewer)
    assert len(rows) == 2 and rows[0].after == {"kind": "enterprise_entry", "number": app.number}
    assert "11010519491231002X" not in str(rows[0].after)  # the row names the record, not the number


def test_staff_reading_an_application_through_the_api_is_audited(app, reviewer):
    assert Api(reviewer).get(f"/applications/{app.id}").status_code == 200
    assert len(reads("application.view", app, reviewer)) == 1


def test_the_applicant_reading_its_own_application_is_not_a_staff_view(client, user, app):
    client.force_login(user)
    assert client.get(f"/applications/{app.id}/").status_code == 200
    assert Api(user).get(f"/applications/{app.id}").status_code == 200
    assert reads("application.view", app) == []


def test_what_shows_an_id_number():
    def shows(kind, data):
        return get_kind(kind).shows_id_numbers(Application(kind=kind, data=data))

    assert shows("enterprise_entry", {"legal_rep_id_no": "11010519491231002X"})
    assert not shows("enterprise_entry", {"name": "草稿"})  # a draft without the number yet
    assert shows("operator_declaration", {"id_no": "11010519491231002X"})
    assert shows("operator_cancellation", {"operator_no": "CZ0001"})
    assert not shows("commerce_filing", {"commerce_unit": "440300"})


def test_the_sub_centre_opening_a_card_is_audited(client):
    ra = f.ra_officer()
    made = f.make_card("operator", ra=ra)
    client.force_login(ra)
    assert client.get(f"/cards/{made.card.card_no}/").status_code == 200
    assert Api(ra).get(f"/cards/{made.card.card_no}").status_code == 200
    rows = reads("card.view", made.card, ra)
    assert len(rows) == 2 and rows[0].after == {"card_no": made.card.card_no}
    op = made.card.operator
    assert Api(ra).get(f"/operators/{op.operator_no}").status_code == 200
    assert len(reads("operator.view", op, ra)) == 1
    verify_ok()
