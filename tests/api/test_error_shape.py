"""Every answer under /api/ is in the API's error shape, also when Django itself refuses the request
before any view runs (wrong method, body too large, malformed multipart, unknown host) or a bug
escapes a view; the screens get the portal's error page instead of Django's."""

import http.client
import json
import logging
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from eport.applications.models import Application, Attachment
from tests import factories as f

from .helpers import API, Api, assert_error, make_pdf

pytestmark = pytest.mark.django_db

BOUNDARY = "eportboundary"


def multipart(*parts: tuple[str, str | None, bytes], boundary=BOUNDARY) -> bytes:
    """A multipart/form-data body from (name, filename, content) parts."""
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def no_traceback(caplog):
    logged = [r for r in caplog.records if r.exc_info]
    assert not logged, [r.getMessage() for r in logged]


# --- 405 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/me"),
        ("delete", "/auth/login"),
        ("patch", "/applications"),
        ("options", "/me"),
        ("head", "/auth/login"),
        ("put", "/applications/1/submit"),
    ],
)
def test_a_wrong_method_answers_json_405_naming_the_allowed_ones(method, path):
    api = Api(f.cardless())
    resp = getattr(api.client, method)(API + path, headers=api._headers())
    if method == "head":  # no body to read: the status and headers say it
        assert resp.status_code == 405 and resp["Content-Type"].startswith("application/json")
    else:
        assert_error(resp, 405, "method_not_allowed", None)
    assert resp["Allow"]


# --- 413 ------------------------------------------------------------------------------------------------


def test_a_json_body_over_the_limit_answers_413():
    api = Api(f.cardless())
    big = (
        '{"kind": "enterprise_entry", "data": {"name": "' + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + '"}}'
    )
    e = assert_error(api.post("/applications", big), 413, "request_too_large", None)
    assert "MB" in e["message"]
    assert not Application.objects.exists()
    english = assert_error(api.post("/applications", big, headers={"Accept-Language": "en"}), 413)
    assert english["message"].startswith("The request exceeds the limit of 6 MB")


def test_an_upload_over_the_request_limit_answers_413_like_one_over_the_file_limit(caplog):
    user = f.cardless()
    app = f.draft_entry(user, documents=False)
    api = Api(user)
    pdf = make_pdf(pad=settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    assert_error(api.upload(app.id, pdf), 413, "request_too_large")
    assert not Attachment.objects.exists()
    no_traceback(caplog)


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    api = Api(f.cardless())
    resp = api.client.generic(
        "POST",
        f"{API}/applications",
        b"{}",
        content_type="application/json",
        headers=api._headers(),
        CONTENT_LENGTH=str(10 * 1024**3),
    )
    assert_error(resp, 413, "request_too_large")


def test_a_screen_upload_over_the_limit_shows_the_error_page(client):
    user = f.cardless()
    app = f.draft_entry(user, documents=False)
    client.force_login(user)
    resp = client.generic(
        "POST",
        f"/applications/{app.id}/attachments/",
        multipart(
            ("doc_type", None, b"business_license"),
            ("file", "a.pdf", make_pdf(pad=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)),
        ),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert resp.status_code == 413
    assert resp["Content-Type"].startswith("text/html")
    assert "MB" in resp.content.decode()
    assert not Attachment.objects.exists()


# --- malformed bodies -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=" + "x" * 300,
    ],
)
def test_malformed_multipart_answers_json_400_without_a_traceback(content_type, caplog):
    user = f.cardless()
    app = f.draft_entry(user, documents=False)
    api = Api(user)
    for path in (f"/applications/{app.id}/attachments", "/applications"):
        resp = api.client.generic(
            "POST",
            API + path,
            multipart(("doc_type", None, b"x")),
            content_type=content_type,
            headers=api._headers(),
        )
        assert_error(resp, 400, "invalid_multipart", None)
    assert not Attachment.objects.exists()
    no_traceback(caplog)


def test_too_many_form_fields_answer_json_400(caplog):
    user = f.cardless()
    app = f.draft_entry(user, documents=False)
    api = Api(user)
    fields = [(f"f{i}", None, b"1") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)]
    resp = api.client.generic(
        "POST",
        f"{API}/applications/{app.id}/attachments",
        multipart(*fields),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        headers=api._headers(),
    )
    assert_error(resp, 400, "too_many_fields", None)
    form = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    resp = api.client.generic(
        "POST", f"{API}/auth/login", form, content_type="application/x-www-form-urlencoded"
    )
    assert_error(resp, 400, "too_many_fields", None)
    no_traceback(caplog)


def test_malformed_multipart_on_a_screen_shows_the_error_page(client, caplog):
    user = f.cardless()
    app = f.draft_entry(user, documents=False)
    client.force_login(user)
    resp = client.generic(
        "POST", f"/applications/{app.id}/attachments/", b"garbage", content_type="multipart/form-data"
    )
    assert resp.status_code == 400
    assert resp["Content-Type"].startswith("text/html")
    assert "Bad Request (400)" not in resp.content.decode()
    no_traceback(caplog)


# --- requests Django refuses up front; paths outside /api/v1 -------------------------------------------


def test_an_unknown_host_answers_json_400():
    resp = Api(f.cardless()).get("/me", headers={"Host": "evil.example"})
    assert_error(resp, 400, "host_not_allowed", None)


@pytest.mark.parametrize("path", ["/api/", "/api/v2/me"])
def test_api_paths_outside_the_api_answer_json(path):
    assert_error(Client().get(path), 404, "not_found")


def test_the_api_root_without_its_slash_is_redirected():
    resp = Client().get("/api/v1")
    assert resp.status_code == 301 and resp["Location"] == "/api/v1/"


def test_a_session_api_call_without_csrf_answers_json_403():
    user = f.cardless()
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    # A real endpoint refuses the request for its missing token; an unknown path is not found first.
    for path, status, code in (("/applications", 403, "csrf_failed"), ("/nowhere", 404, "not_found")):
        resp = c.post(API + path, "{}", content_type="application/json")
        assert resp["Content-Type"].startswith("application/json")
        assert_error(resp, status, code)


# --- a bug ----------------------------------------------------------------------------------------------


def test_a_bug_in_a_view_answers_json_500_without_details(monkeypatch):
    from eport.api import applications

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(applications.services, "application_save", broken)
    api = Api(f.cardless())
    api.client = Client(raise_request_exception=False)
    resp = api.post("/applications", {"kind": "enterprise_entry", "data": {}})
    e = assert_error(resp, 500, "server_error", None)
    assert "secret" not in resp.content.decode()
    assert e["message"]


def test_a_bug_on_a_screen_shows_the_portal_error_page(client, monkeypatch):
    from eport.web import accounts as screens

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(screens.accounts, "password_sign_in", broken)
    client.raise_request_exception = False
    resp = client.post("/login/", {"username": "someone", "password": "x"})
    assert resp.status_code == 500
    assert "secret" not in resp.content.decode() and "Traceback" not in resp.content.decode()


# --- raw requests, on a real server: what a test client cannot send ------------------------------------


def _raw(url, request: bytes) -> tuple[int, dict, bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    conn.connect()
    conn.sock.sendall(request)
    resp = http.client.HTTPResponse(conn.sock, method="POST")
    resp.begin()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


@pytest.mark.django_db(transaction=True)
def test_raw_requests_answer_in_the_error_shape(live_server):
    host = urlsplit(live_server.url).netloc.encode()

    def check(status, headers, body, want_status, want_code):
        assert status == want_status, (status, body[:200])
        assert headers["content-type"].startswith("application/json"), headers
        assert json.loads(body)["error"]["code"] == want_code

    # a method nobody routes
    check(
        *_raw(
            live_server.url,
            b"PROPFIND /api/v1/me HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n",
        ),
        405,
        "method_not_allowed",
    )
    # a foreign Host header
    check(
        *_raw(live_server.url, b"GET /api/v1/me HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"),
        400,
        "host_not_allowed",
    )
    # a multipart body whose boundary is declared but never closed
    body = b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n'
    check(
        *_raw(
            live_server.url,
            b"POST /api/v1/applications/1/attachments HTTP/1.1\r\nHost: " + host + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=" + b"B" * 300 + b"\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body,
        ),
        400,
        "invalid_multipart",
    )


@pytest.fixture(autouse=True)
def _quiet_expected_errors(caplog):
    caplog.set_level(logging.WARNING)


def test_a_database_lost_while_the_answer_is_read_is_the_outage_503(monkeypatch):
    """The answer schemas read the row (and run queries in their resolvers) while pydantic validates them;
    pydantic turns any error of an attribute into a validation error. A lost connection there is still the
    outage (503 database_unavailable, Retry-After), never a 500 — found by the restart-under-load test."""
    import psycopg
    from django.db.utils import OperationalError

    api = Api(f.cardless())
    created = api.post("/applications", {"kind": "enterprise_entry", "data": {}})
    assert created.status_code == 201, created.content

    def lost(self):
        try:
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        except psycopg.OperationalError as e:
            raise OperationalError(str(e)) from e

    monkeypatch.setattr(Application, "number", property(lost, lambda self, value: None), raising=False)
    api.client = Client(raise_request_exception=False)
    resp = api.get(f"/applications/{created.json()['id']}")
    assert_error(resp, 503, "database_unavailable", None)
    assert int(resp["Retry-After"]) > 0
