"""Helpers for the API tests: a JSON client with a bearer token, real small files, quick scenarios."""

import io
import json
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from eport.accounts.services import token_issue
from eport.applications import services
from eport.applications.models import ReviewStep, StepStatus
from tests import factories as f

API = "/api/v1"


class Api:
    """A client speaking JSON to /api/v1 as one user (bearer token), or anonymously."""

    def __init__(self, user=None, token: str | None = None):
        self.user = user
        self.client = Client()
        self.token = token or (token_issue(user=user) if user is not None else None)

    def _headers(self, extra=None):
        h = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        h.update(extra or {})
        return h

    def get(self, path, params=None, **kw):
        return self.client.get(API + path, params or {}, headers=self._headers(kw.pop("headers", None)), **kw)

    def _send(self, method, path, body, **kw):
        fn = getattr(self.client, method)
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return fn(
            API + path,
            data=data,
            content_type="application/json",
            headers=self._headers(kw.pop("headers", None)),
            **kw,
        )

    def post(self, path, body=None, **kw):
        return self._send("post", path, {} if body is None else body, **kw)

    def patch(self, path, body=None, **kw):
        return self._send("patch", path, {} if body is None else body, **kw)

    def put(self, path, body=None, **kw):
        return self._send("put", path, {} if body is None else body, **kw)

    def delete(self, path, **kw):
        return self.client.delete(API + path, headers=self._headers(kw.pop("headers", None)), **kw)

    def upload(self, app_id, content: bytes, name="doc.pdf", doc_type="business_license"):
        fh = io.BytesIO(content)
        fh.name = name
        return self.client.post(
            f"{API}/applications/{app_id}/attachments",
            {"doc_type": doc_type, "file": fh},
            headers=self._headers(),
        )


def err(resp) -> dict:
    """The error body of a refusal, checking its shape on the way."""
    body = resp.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "field"} <= set(body["error"]), body
    assert body["error"]["message"], body
    return body["error"]


def assert_error(resp, status: int, code: str | None = None, field="__any__") -> dict:
    assert resp.status_code == status, (resp.status_code, resp.content[:500])
    e = err(resp)
    if code is not None:
        assert e["code"] == code, e
    if field != "__any__":
        assert e["field"] == field, e
    return e


# --- real small files -----------------------------------------------------------------------------------


def make_pdf(pad: int = 0) -> bytes:
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    )
    if pad:
        body += b"%" + b"0" * pad + b"\n"
    return body + b"trailer<</Root 1 0 R>>\n%%EOF\n"


def _image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


def make_png() -> bytes:
    return _image("PNG")


def make_jpeg() -> bytes:
    return _image("JPEG")


def stored_files() -> list[Path]:
    """Every file under the attachment storage folder (the test's own folder, see tests/conftest.py)."""
    root = Path(default_storage.location)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def too_large() -> bytes:
    return make_pdf(pad=settings.ATTACHMENT_MAX_BYTES + 10)


# --- scenarios ------------------------------------------------------------------------------------------


def steps_by_unit(app) -> dict[str, ReviewStep]:
    """The steps of the application's current round, by unit id."""
    app.refresh_from_db()
    return {s.unit_id: s for s in ReviewStep.objects.filter(application_id=app.id, round=app.round)}


def approve_all(app, r: dict) -> None:
    """Approve every step of the current round through the services, stage by stage."""
    by_unit = {
        "aic:440300": r["aic"],
        "tax:14403000000": r["tax"],
        "quality:440300": r["quality"],
        "ra:5300": r["ra"],
    }
    for _ in range(5):
        pending = ReviewStep.objects.filter(application_id=app.id, status=StepStatus.PENDING)
        if not pending:
            return
        for s in pending:
            services.step_approve(actor=by_unit[s.unit_id], step_id=s.id, opinion="同意")


def pair(**over):
    """Two enterprises with an entry draft each."""
    a, b = f.cardless(), f.cardless()
    return a, b, f.draft_entry(a, **over), f.draft_entry(b, **over)


# --- actors and applications through the API --------------------------------------------------------------


def ready(made) -> Api:
    """A card past its first sign-in (the initial PIN changed), speaking through its own API token."""
    return Api(f.pin_changed(made).card.user)


def legal(enterprise=None):
    """An enterprise in the network with its legal card: (enterprise, made card, API as the legal card)."""
    made = f.legal_card(enterprise)
    return made.card.enterprise, made, Api(made.card.user)


def create(api, kind, data=None, **fields):
    """POST /applications (the data as a dict, or as keywords): the response."""
    return api.post("/applications", {"kind": kind, "data": {**(data or {}), **fields}})


def created(api, kind, data=None, documents: bool = True, **fields) -> dict:
    """A new draft of that kind, with the documents its 申报 requires uploaded through the API (unless
    `documents=False`): its JSON."""
    r = create(api, kind, data, **fields)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "DRAFT" and body["kind"] == kind
    if documents:
        attach_required(api, body["id"])
    return body


def attach_required(api, app_id) -> None:
    """Upload, through the API, a small PDF for each document 申报 of the application still requires."""
    from eport.applications.kinds import get_kind
    from eport.applications.models import Application

    app = Application.objects.get(pk=app_id)
    for doc_type in get_kind(app.kind).missing_doc_types(app):
        r = api.upload(app_id, make_pdf(), name=f"{doc_type}.pdf", doc_type=doc_type)
        assert r.status_code == 201, r.content


def submitted(api, app_id, status: str | None = None) -> dict:
    """Submit the application (answered 200, and in `status` if given): its JSON."""
    r = api.post(f"/applications/{app_id}/submit")
    assert r.status_code == 200, r.content
    if status is not None:
        assert r.json()["status"] == status
    return r.json()


def file(api, kind, data=None, **fields) -> dict:
    """Create and submit: the submitted application."""
    return submitted(api, created(api, kind, data, **fields)["id"])
