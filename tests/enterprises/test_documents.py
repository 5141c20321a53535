"""The documents an entry must carry at 申报, per 法人类型 (seed 002), and the registry's back-filled values
the applicant cannot change."""

import pytest

from eport.applications import services
from eport.applications.models import Application, Status
from eport.enterprises.choices import REQUIRED_DOCUMENTS
from eport.enterprises.kinds import EnterpriseEntry
from eport.errors import InvalidInput
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("lpt", "required"),
    [
        ("enterprise", {"business_license", "legal_rep_id"}),
        ("other", {"business_license", "legal_rep_id"}),
        ("institution", {"legal_rep_id"}),
        ("special", {"legal_rep_id"}),
    ],
)
def test_the_documents_required_depend_on_the_legal_person_type(lpt, required):
    assert set(REQUIRED_DOCUMENTS[lpt]) == required
    assert set(EnterpriseEntry().required_doc_types({"legal_person_type": lpt})) == required


def test_submit_without_the_documents_is_refused_naming_what_is_missing_and_saves_nothing():
    user = f.cardless()
    app = f.draft_entry(user, documents=False)
    with pytest.raises(InvalidInput) as err:
        services.application_save(
            actor=user,
            application_id=app.id,
            data={"address": "深圳市新地址8号"},
            version=app.version,
            submit=True,
        )
    e = err.value
    assert e.code == "attachments_required" and e.field == "doc_type"
    assert "企业营业执照" in str(e.message) and "法人身份证件" in str(e.message)
    assert "对外贸易经营者备案" not in str(e.message)  # optional for an enterprise
    assert [d["field"] for d in e.details] == ["attachments.business_license", "attachments.legal_rep_id"]
    app.refresh_from_db()
    assert app.status == Status.DRAFT and app.data["address"] != "深圳市新地址8号"  # nothing half-saved

    f.attach(user, app, "business_license")
    with pytest.raises(InvalidInput) as err:
        services.application_submit(actor=user, application_id=app.id)
    assert "法人身份证件" in str(err.value.message) and "企业营业执照" not in str(err.value.message)
    f.attach(user, app, "legal_rep_id")
    assert services.application_submit(actor=user, application_id=app.id).status == Status.SUBMITTED


def test_an_institution_needs_no_business_licence():
    user = f.cardless()
    app = f.draft_entry(user, legal_person_type="institution", documents=False)
    f.attach(user, app, "legal_rep_id")
    assert services.application_submit(actor=user, application_id=app.id).status == Status.SUBMITTED


def test_the_shared_helper_submits_with_what_is_required():
    app = f.submitted_entry(f.cardless())
    assert Application.objects.get(pk=app.pk).status == Status.SUBMITTED
    assert {a.doc_type for a in app.attachments.all()} == {"business_license", "legal_rep_id"}


def test_save_with_an_upload_stores_the_draft_and_the_file_in_one_go():
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = f.cardless()
    pdf = SimpleUploadedFile("licence.pdf", f.PDF, content_type="application/pdf")
    app = services.application_save(
        actor=user,
        kind="enterprise_entry",
        data=f.entry_data(user.enterprise.uscc, address="深圳市上传路1号"),
        upload=("business_license", pdf),
    )
    assert app.data["address"] == "深圳市上传路1号"
    assert [a.original_name for a in app.attachments.all()] == ["licence.pdf"]


def test_a_refused_upload_saves_nothing_of_the_draft():
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = f.cardless()
    app = f.draft_entry(user, documents=False)
    with pytest.raises(InvalidInput) as err:
        services.application_save(
            actor=user,
            application_id=app.id,
            data={"address": "深圳市失败路2号"},
            version=app.version,
            upload=("business_license", SimpleUploadedFile("a.txt", b"plain text")),
        )
    assert err.value.code == "file_type_invalid" and err.value.field == "file"
    app.refresh_from_db()
    assert app.data["address"] != "深圳市失败路2号" and app.attachments.count() == 0


# --- back-filled from the business registry: grey on the screen, and kept by the server ------------------


def test_the_registry_values_are_kept_whatever_is_posted():
    user = f.cardless(uscc=f.USCC_SZ)
    app = services.application_create(
        actor=user,
        kind="enterprise_entry",
        data=f.entry_data(f.USCC_SZ, name="冒名公司", legal_rep_name="李鬼", address="别处1号"),
    )
    assert app.data["name"] == "深圳市前海示范贸易有限公司"
    assert app.data["legal_rep_name"] == "张伟" and app.data["address"] == "深圳市南山区前海大道1号"
    app = services.application_update(
        actor=user, application_id=app.id, data={"legal_rep_name": "李鬼"}, version=app.version
    )
    assert app.data["legal_rep_name"] == "张伟"
    # what the registry does not give stays the applicant's to fill
    assert app.data["legal_rep_id_no"] == f.entry_data(f.USCC_SZ)["legal_rep_id_no"]


def test_the_locked_fields_are_what_the_registry_fills():
    from eport.enterprises.forms import registry_locked

    locked = registry_locked(f.USCC_SZ)
    assert {"name", "legal_rep_name", "address"} <= set(locked)
    assert "legal_rep_id_no" not in locked and "status" not in locked
    assert registry_locked(f.new_uscc()) == {}


def test_a_file_uploaded_with_a_refused_submission_is_not_kept():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.api.helpers import stored_files

    user = f.cardless()
    app = f.draft_entry(user, documents=False)
    with pytest.raises(InvalidInput) as err:  # the licence alone: the legal representative's ID is missing
        services.application_save(
            actor=user,
            application_id=app.id,
            data={},
            version=app.version,
            submit=True,
            upload=("business_license", SimpleUploadedFile("l.pdf", f.PDF, content_type="application/pdf")),
        )
    assert err.value.code == "attachments_required" and "法人身份证件" in str(err.value.message)
    assert app.attachments.count() == 0 and stored_files() == []
