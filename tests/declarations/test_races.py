"""Two uploads of one document type at once: one file remains, the other replaced (its stored file gone),
never two rows for a type. Threads on real connections (transaction=True)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from eport.audit.models import AuditEvent
from eport.declarations import services
from eport.declarations.models import Document
from tests.api.helpers import stored_files
from tests.applications.test_concurrency import run_together

from . import pdfs
from .helpers import decl_no, declarer, open_

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locking is only meaningful on PostgreSQL"
    ),
]


def test_two_uploads_of_one_type_leave_one_file():
    e, api = declarer()
    n = decl_no(30)
    assert open_(api, n, e).status_code == 201
    actor = api.user
    files = [pdfs.with_pages([1000 + i]) for i in range(2)]

    def up(i):
        return services.document_upload(
            actor=actor, decl_no=n, doc_type="invoice", upload=SimpleUploadedFile(f"v{i}.pdf", files[i])
        )

    results = run_together(lambda: up(0), lambda: up(1))
    assert not [r for r in results if isinstance(r, BaseException)], results
    [doc] = Document.objects.filter(dossier__decl_no=n, doc_type="invoice")
    assert doc.original_name in ("v0.pdf", "v1.pdf")
    assert doc.file.open("rb").read() == files[int(doc.original_name[1])]
    # The replaced file was deleted once its replacement committed: one stored file for the type.
    assert len([p for p in stored_files() if f"declarations/{doc.dossier_id}/" in str(p)]) == 1
    assert AuditEvent.objects.filter(action="declaration.upload").count() == 2
