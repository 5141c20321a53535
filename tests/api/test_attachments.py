"""随附单据 through the API: upload, type from content, size limit, download, delete."""

import hashlib

import pytest

from eport.applications import services
from eport.applications.models import Attachment
from eport.audit.models import AuditEvent
from tests import factories as f

from .helpers import Api, assert_error, make_jpeg, make_pdf, make_png, steps_by_unit, stored_files, too_large

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(user):
    return f.draft_entry(user, documents=False)  # the tests count their own uploads


def download(api, app_id, att_id):
    resp = api.get(f"/applications/{app_id}/attachments/{att_id}")
    content = b"".join(resp.streaming_content) if getattr(resp, "streaming", False) else resp.content
    return resp, content


@pytest.mark.parametrize(
    "maker, name, ctype",
    [
        (make_pdf, "营业执照.pdf", "application/pdf"),
        (make_png, "id.png", "image/png"),
        (make_jpeg, "id.jpg", "image/jpeg"),
    ],
)
def test_upload_and_download(api, app, maker, name, ctype):
    content = maker()
    r = api.upload(app.id, content, name=name, doc_type="legal_rep_id")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["doc_type"] == "legal_rep_id" and body["name"] == name and body["content_type"] == ctype
    assert body["size"] == len(content) and body["uploaded_at"]
    att = Attachment.objects.get(pk=body["id"])
    assert att.sha256 == hashlib.sha256(content).hexdigest() and att.application_id == app.id
    assert name not in att.file.name  # never the user's file name on disk
    assert AuditEvent.objects.filter(action="attachment.add", object_id=str(att.id)).exists()
    assert len(stored_files()) == 1

    resp, got = download(api, app.id, body["id"])
    assert resp.status_code == 200 and got == content
    assert resp["Content-Type"] == ctype
    assert api.get(f"/applications/{app.id}").json()["attachments"] == [body]


def test_type_comes_from_content_not_name(api, app):
    r = api.upload(app.id, make_png(), name="looks_like.pdf")
    assert r.status_code == 201 and r.json()["content_type"] == "image/png"


@pytest.mark.parametrize(
    "content",
    [
        b"just some text pretending to be a PDF",
        b"%PDF-1.4 truncated without an end marker",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # PNG signature, no image
        b"\xff\xd8\xff\xe0" + b"garbage" * 10,  # JPEG signature, no image
        b"",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    ],
)
def test_not_a_pdf_png_or_jpeg_is_refused(api, app, content):
    r = api.upload(app.id, content, name="scan.pdf")
    assert_error(r, 400, "file_type_invalid", "file")
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_over_4mb_is_413_and_nothing_stored(api, app):
    r = api.upload(app.id, too_large(), name="big.pdf")
    assert_error(r, 413, "file_too_large", "file")
    assert not Attachment.objects.exists()
    assert stored_files() == []
    assert not AuditEvent.objects.filter(action="attachment.add").exists()


def test_exactly_4mb_is_accepted(api, app):
    from django.conf import settings

    base = make_pdf()
    content = make_pdf(pad=settings.ATTACHMENT_MAX_BYTES - len(base) - 2)
    assert len(content) == settings.ATTACHMENT_MAX_BYTES
    assert api.upload(app.id, content).status_code == 201


def test_bad_doc_type_and_missing_parts(api, app, user):
    assert_error(
        api.upload(app.id, make_pdf(), doc_type="passport_photo"), 400, "doc_type_invalid", "doc_type"
    )
    c = api.client
    h = {"Authorization": f"Bearer {api.token}"}
    assert_error(
        c.post(f"/api/v1/applications/{app.id}/attachments", {"doc_type": "business_license"}, headers=h),
        400,
        field="file",
    )
    import io

    fh = io.BytesIO(make_pdf())
    fh.name = "a.pdf"
    assert_error(
        c.post(f"/api/v1/applications/{app.id}/attachments", {"file": fh}, headers=h), 400, field="doc_type"
    )
    assert not Attachment.objects.exists() and stored_files() == []


def test_upload_while_submitted_is_409(api, app, user):
    services.application_submit(actor=user, application_id=f.attach_required(user, app).id)
    before = stored_files()
    assert_error(api.upload(app.id, make_pdf()), 409, "not_editable")
    assert Attachment.objects.count() == 2 and stored_files() == before


def test_upload_allowed_when_returned(api, user):
    r = f.reviewers()
    app = f.submitted_entry(user)
    services.step_return(actor=r["aic"], step_id=steps_by_unit(app)["aic:440300"].id, opinion="缺营业执照")
    assert api.upload(app.id, make_pdf()).status_code == 201


def test_delete_while_draft(api, app, django_capture_on_commit_callbacks):
    att_id = api.upload(app.id, make_pdf()).json()["id"]
    assert len(stored_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):  # files go once the deletion is committed
        r = api.delete(f"/applications/{app.id}/attachments/{att_id}")
    assert r.status_code == 204
    assert not Attachment.objects.exists()
    assert stored_files() == []
    assert AuditEvent.objects.filter(action="attachment.delete", object_id=str(att_id)).exists()
    assert_error(api.delete(f"/applications/{app.id}/attachments/{att_id}"), 404, "attachment_not_found")
    resp, _ = download(api, app.id, att_id)
    assert_error(resp, 404, "attachment_not_found")


def test_delete_while_submitted_is_409(api, app, user):
    att_id = api.upload(app.id, make_pdf()).json()["id"]
    services.application_submit(actor=user, application_id=f.attach_required(user, app).id)
    assert_error(api.delete(f"/applications/{app.id}/attachments/{att_id}"), 409, "not_editable")
    assert Attachment.objects.filter(pk=att_id).exists() and len(stored_files()) == 2
    # still viewable once saved
    resp, got = download(api, app.id, att_id)
    assert resp.status_code == 200 and got == make_pdf()


def test_deleting_the_draft_removes_its_files(api, app, django_capture_on_commit_callbacks):
    api.upload(app.id, make_pdf())
    api.upload(app.id, make_png(), name="b.png")
    assert len(stored_files()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/applications/{app.id}").status_code == 204
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_reviewer_in_jurisdiction_may_download(api, app, user):
    content = make_jpeg()
    att_id = api.upload(app.id, content, name="id.jpg").json()["id"]
    r = f.reviewers()
    # before submission no step is routed to anyone: nobody else sees it
    assert_error(download(Api(r["aic_province"]), app.id, att_id)[0], 404)
    services.application_submit(actor=user, application_id=f.attach_required(user, app).id)
    for who in ("aic", "aic_province", "ra"):
        resp, got = download(Api(r[who]), app.id, att_id)
        assert resp.status_code == 200 and got == content, who
    assert_error(download(Api(r["aic_beijing"]), app.id, att_id)[0], 404)


def test_other_enterprise_cannot_download(api, app):
    att_id = api.upload(app.id, make_pdf()).json()["id"]
    other = Api(f.cardless())
    assert_error(download(other, app.id, att_id)[0], 404)
