"""The business files in an S3-compatible bucket (EPORT_STORAGE=s3, eport/file_storage.py), so that no app node
of a cluster needs another's disk: the settings and their refusals at startup, and the files themselves
against a real S3 HTTP server on loopback (moto's, in this process; MinIO is not installable here)."""

import io
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client
from django.views.debug import SafeExceptionReporterFilter

from eport.applications.models import Attachment
from eport.declarations.models import Document
from eport.file_storage import SPOOL_BYTES, default_storage_from_env
from tests import factories as f
from tests.api.helpers import Api, make_pdf, make_png
from tests.declarations import pdfs
from tests.declarations.helpers import decl_no, declarer, open_, upload

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "eport-test-files"
ACCESS, SECRET = "eport-test-access", "eport-test-secret-never-shown"


def s3_env(endpoint: str = "", **over: str) -> dict[str, str]:
    env = {
        "EPORT_STORAGE": "s3",
        "EPORT_S3_BUCKET": BUCKET,
        "EPORT_S3_ACCESS_KEY": ACCESS,
        "EPORT_S3_SECRET_KEY": SECRET,
    }
    if endpoint:
        env["EPORT_S3_ENDPOINT_URL"] = endpoint
    env.update(over)
    return {k: v for k, v in env.items() if v != "-"}  # "-": leave that variable out


# --- the settings ---------------------------------------------------------------------------------------


def test_the_local_directory_stays_the_default(tmp_path):
    for env in ({}, {"EPORT_STORAGE": ""}, {"EPORT_STORAGE": "local"}, {"EPORT_STORAGE": " LOCAL "}):
        assert default_storage_from_env(env, tmp_path) == {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        }


def test_s3_is_private_signed_and_never_overwrites(tmp_path):
    got = default_storage_from_env(
        s3_env("http://minio.internal:9000", EPORT_S3_PREFIX="/eport/prod/", EPORT_S3_REGION="cn-north-1"),
        tmp_path,
    )
    assert got["BACKEND"] == "storages.backends.s3.S3Storage"
    o = got["OPTIONS"]
    assert o["bucket_name"] == BUCKET and o["endpoint_url"] == "http://minio.internal:9000"
    assert o["access_key"] == ACCESS and o["secret_key"] == SECRET and o["region_name"] == "cn-north-1"
    assert o["location"] == "eport/prod"  # the key prefix, without the slashes around it
    assert o["default_acl"] is None and o["querystring_auth"] is True and o["file_overwrite"] is False
    assert o["addressing_style"] == "path"  # one host name for every bucket (MinIO, Ceph)
    assert o["max_memory_size"] == SPOOL_BYTES
    plain = default_storage_from_env(s3_env(), tmp_path)["OPTIONS"]  # AWS itself: its own endpoint and style
    assert plain["endpoint_url"] is None and plain["addressing_style"] is None
    assert plain["region_name"] == "us-east-1" and plain["location"] == ""


@pytest.mark.parametrize("missing", ["EPORT_S3_BUCKET", "EPORT_S3_ACCESS_KEY", "EPORT_S3_SECRET_KEY"])
def test_s3_without_a_required_variable_is_refused_naming_it(tmp_path, missing):
    for value in ("-", "", "  "):
        with pytest.raises(ImproperlyConfigured, match=missing) as e:
            default_storage_from_env(s3_env(**{missing: value}), tmp_path)
        assert SECRET not in str(e.value)


def test_an_unknown_storage_is_refused(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="EPORT_STORAGE"):
        default_storage_from_env({"EPORT_STORAGE": "ftp"}, tmp_path)


def _start(tmp_path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """A fresh process loading the settings as the server does at startup."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("EPORT_", "DATABASE_URL"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.STORAGES['default']['BACKEND'])",
        ],  # fmt: skip
        env={**keep, "EPORT_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "eport.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_startup_with_s3_and_a_missing_variable_fails_naming_it(tmp_path):
    done = _start(tmp_path, s3_env(EPORT_S3_SECRET_KEY="-"))
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "EPORT_S3_SECRET_KEY" in done.stderr
    done = _start(tmp_path, s3_env("http://127.0.0.1:9"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "storages.backends.s3.S3Storage" and SECRET not in done.stdout + done.stderr
    assert _start(tmp_path, {}).stdout.strip() == "django.core.files.storage.FileSystemStorage"


def test_the_debug_pages_hide_the_credentials(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_from_env(s3_env(), tmp_path)}
    shown = SafeExceptionReporterFilter().get_safe_settings()["STORAGES"]["default"]["OPTIONS"]
    assert shown["bucket_name"] == BUCKET
    assert ACCESS not in str(shown) and SECRET not in str(shown)


# --- the files, in a real S3 server ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on a free loopback port, with the bucket; answers (endpoint URL, boto3 client)."""
    server_mod = pytest.importorskip("moto.server", reason="moto[server] (the test extra) is not installed")
    boto3 = pytest.importorskip("boto3", reason="boto3 (django-storages[s3]) is not installed")
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    server.stop()


class Bucket:
    """The test's part of the bucket (its own key prefix) as the operator would look at it."""

    def __init__(self, endpoint: str, client, prefix: str):
        self.endpoint, self.client, self.prefix = endpoint, client, prefix

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=BUCKET, Prefix=self.prefix + "/")
        return sorted(o["Key"] for o in listed.get("Contents", []))

    def get(self, name: str) -> bytes:
        return self.client.get_object(Bucket=BUCKET, Key=f"{self.prefix}/{name}")["Body"].read()

    def anonymous_get(self, name: str) -> int:
        """What a browser given the object's plain address would get."""
        try:
            with urllib.request.urlopen(f"{self.endpoint}/{BUCKET}/{self.prefix}/{name}", timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code


@pytest.fixture
def s3(s3_server, settings, tmp_path):
    """STORAGES["default"] as EPORT_STORAGE=s3 makes it (Django resets its storages on this setting change),
    under a key prefix of the test's own; the local files folder must stay empty."""
    endpoint, client = s3_server
    prefix = f"t-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": default_storage_from_env(s3_env(endpoint, EPORT_S3_PREFIX=prefix), tmp_path / "files"),
    }
    assert default_storage.bucket_name == BUCKET
    yield Bucket(endpoint, client, prefix)
    local = tmp_path / "files"  # where EPORT_STORAGE=local would have put them
    assert not any(p.is_file() for p in local.rglob("*")), "a business file went to the local disk"


def _download(api, path) -> tuple[int, bytes]:
    resp = api.get(path)
    return resp.status_code, b"".join(resp.streaming_content) if resp.streaming else resp.content


@pytest.mark.django_db
def test_an_attachment_goes_to_the_bucket_private_and_comes_back_through_the_app(s3, user):
    api = Api(user)
    app = f.draft_entry(user, documents=False)
    content = make_pdf(pad=3_000_000)  # more than the memory a read holds (SPOOL_BYTES): a temporary file
    r = api.upload(app.id, content, name="营业执照.pdf")
    assert r.status_code == 201, r.content
    att = Attachment.objects.get(pk=r.json()["id"])
    assert s3.keys() == [f"{s3.prefix}/{att.file.name}"]
    assert att.file.name.startswith(f"attachments/{app.id}/") and "营业执照" not in att.file.name
    assert s3.get(att.file.name) == content
    assert s3.anonymous_get(att.file.name) == 403  # the bucket hands nothing to a stranger
    # Any URL the storage would make is signed and expires; the app never gives one out (see the views).
    assert "X-Amz-Signature=" in default_storage.url(att.file.name)

    # Downloads stream through the app's own permission-checked views: the API and the screen.
    assert _download(api, f"/applications/{app.id}/attachments/{att.id}") == (200, content)
    screen = Client()
    screen.force_login(user)
    resp = screen.get(f"/applications/{app.id}/attachments/{att.id}/")
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == content
    stranger = Api(f.cardless(name="另一家贸易有限公司"))
    assert _download(stranger, f"/applications/{app.id}/attachments/{att.id}")[0] == 404


@pytest.mark.django_db
def test_deleting_an_attachment_or_the_draft_deletes_the_objects(
    s3, user, django_capture_on_commit_callbacks
):
    api = Api(user)
    app = f.draft_entry(user, documents=False)
    first = api.upload(app.id, make_pdf()).json()["id"]
    api.upload(app.id, make_png(), name="id.png")
    assert len(s3.keys()) == 2
    with django_capture_on_commit_callbacks(execute=True):  # the objects go once the deletion is committed
        assert api.delete(f"/applications/{app.id}/attachments/{first}").status_code == 204
    assert len(s3.keys()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/applications/{app.id}").status_code == 204
    assert s3.keys() == [] and not Attachment.objects.exists()


@pytest.mark.django_db
def test_a_refused_upload_leaves_no_object(s3, user):
    api = Api(user)
    app = f.draft_entry(user, documents=False)
    assert api.upload(app.id, b"not a pdf at all", name="x.pdf").status_code == 400
    assert s3.keys() == []


@pytest.mark.django_db
def test_declaration_documents_in_the_bucket(s3, django_capture_on_commit_callbacks):
    """报关单随附单据: the signed 代理报关委托书 the system copies in, an upload, its replacement."""
    consignor = f.enterprise_in_network(name="经营单位有限公司")
    broker, api = declarer(customs="")
    delegation = f.delegation(consignor, broker, "5300", "I")
    n = decl_no(31)
    assert open_(api, n, consignor).status_code == 201
    signed = Document.objects.get(dossier__decl_no=n, doc_type="delegation")
    assert s3.get(signed.file.name) == bytes(delegation.pdf)
    assert _download(api, f"/declarations/{n}/documents/delegation") == (200, bytes(delegation.pdf))

    assert upload(api, n, pdfs.good()).status_code == 201
    first = Document.objects.get(dossier__decl_no=n, doc_type="invoice").file.name
    assert s3.anonymous_get(first) == 403
    second = pdfs.with_pages([1000])
    with django_capture_on_commit_callbacks(execute=True):  # the replaced file goes once the new one is in
        assert upload(api, n, second, name="v2.pdf").status_code == 201
    now = Document.objects.get(dossier__decl_no=n, doc_type="invoice").file.name
    assert s3.keys() == sorted(f"{s3.prefix}/{name}" for name in (signed.file.name, now))
    assert _download(api, f"/declarations/{n}/documents/invoice") == (200, second)
    screen = Client()
    screen.force_login(api.user)
    resp = screen.get(f"/declarations/{n}/documents/invoice/")
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == second


# --- moving an installation's files to the bucket (eport files-copy) -----------------------------------


@pytest.mark.django_db
def test_files_copy_moves_the_local_files_to_the_bucket(s3_server, settings, tmp_path, user):
    """Files uploaded while local, copied with `eport files-copy`, served from the bucket once switched."""
    api = Api(user)
    app = f.draft_entry(user, documents=False)
    local = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    before = make_pdf(pad=1000)
    att = Attachment.objects.get(pk=api.upload(app.id, before).json()["id"])
    assert (local / att.file.name).read_bytes() == before

    endpoint, client = s3_server
    prefix = f"t-{uuid.uuid4().hex[:12]}"
    bucket = Bucket(endpoint, client, prefix)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": default_storage_from_env(s3_env(endpoint, EPORT_S3_PREFIX=prefix), tmp_path / "unused"),
    }
    out = io.StringIO()
    call_command("files_copy", "--from", str(local), stdout=out)
    assert "1 copied, 0 already there" in out.getvalue()
    assert bucket.keys() == [f"{prefix}/{att.file.name}"] and bucket.get(att.file.name) == before
    assert _download(api, f"/applications/{app.id}/attachments/{att.id}") == (200, before)
    # Run again (after a last sync with the writes stopped, say): nothing copied twice.
    out = io.StringIO()
    call_command("files_copy", "--from", str(local), stdout=out)
    assert "0 copied, 1 already there" in out.getvalue()
    # An object of that name but other bytes is never overwritten: the command says so and fails.
    client.put_object(Bucket=BUCKET, Key=f"{prefix}/{att.file.name}", Body=b"something else")
    with pytest.raises(CommandError, match=att.file.name):
        call_command("files_copy", "--from", str(local), stdout=io.StringIO())
    assert bucket.get(att.file.name) == b"something else"


def test_files_copy_needs_the_bucket_configured(tmp_path):
    with pytest.raises(CommandError, match="EPORT_STORAGE=s3"):
        call_command("files_copy", "--from", str(tmp_path), stdout=io.StringIO())
