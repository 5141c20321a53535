"""Big exports (issue 16): a list export longer than EPORT_EXPORT_INLINE_ROWS is not written in the request.
It becomes an export job the worker writes to storage (streamed), offered on 我的导出 and by the API, to
its owner only (another account's job: 404), audited (requested, written, downloaded); every cell text as
in the inline exports. Small exports stay inline."""

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from eport.audit.models import AuditEvent
from eport.exports.models import ExportJob, ExportState
from tests import factories as f
from tests.api.helpers import Api
from tests.test_exports import CARDS, OPERATORS, plant, read_back

pytestmark = pytest.mark.django_db


class Downloaded:
    """A FileResponse read whole, as read_back expects a response."""

    def __init__(self, resp):
        self.status_code, self._headers = resp.status_code, resp
        self.content = b"".join(resp.streaming_content) if resp.status_code == 200 else resp.content

    def __getitem__(self, key):
        return self._headers[key]


@pytest.fixture
def planted():
    return plant()


@pytest.fixture
def small_inline(settings):
    settings.EXPORT_INLINE_ROWS = 2


def test_a_long_list_becomes_a_job_downloaded_from_my_exports(
    planted, small_inline, django_capture_on_commit_callbacks
):
    web = Client()
    web.force_login(planted.ra)
    with django_capture_on_commit_callbacks(execute=True):
        r = web.get("/cards/", {"export": "xlsx", "uscc": ""})
    job = ExportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/exports/?queued={job.pk}"
    assert job.owner == planted.ra and job.list_name == "cards" and job.state == ExportState.DONE
    assert job.rows == 5 and default_storage.exists(job.storage_name)  # written by the task into storage
    page = web.get(r["Location"]).content.decode()
    assert 'id="export-queued"' in page and f'href="/exports/{job.pk}/file/"' in page and "已完成" in page
    assert 'id="my-exports"' in page  # the header's link
    values = read_back(Downloaded(web.get(f"/exports/{job.pk}/file/")))
    assert CARDS <= values  # text cells, as the inline export
    actions = list(
        AuditEvent.objects.filter(action__startswith="export").values_list("action", flat=True).order_by("id")
    )
    assert actions == ["export.requested", "export", "export.downloaded"]


def test_a_short_list_stays_inline(planted, settings):
    settings.EXPORT_INLINE_ROWS = 100
    web = Client()
    web.force_login(planted.ra)
    assert CARDS <= read_back(web.get("/cards/", {"export": "xlsx"}))
    assert not ExportJob.objects.exists()


def test_the_api_answers_202_with_the_job_and_serves_its_file(
    planted, small_inline, django_capture_on_commit_callbacks
):
    api = Api(planted.legal)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.get("/operators.xlsx")
    assert r.status_code == 202, r.content
    body = r.json()
    assert body["list"] == "operators" and body["state"] == "pending" and body["rows"] == 4
    job = api.get(f"/exports/{body['id']}").json()
    assert job["state"] == "done" and job["file"] == f"/api/v1/exports/{body['id']}/file"
    listed = api.get("/exports").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]
    assert OPERATORS <= read_back(Downloaded(api.get(f"/exports/{body['id']}/file")))


def test_another_accounts_job_is_not_found(planted, small_inline, django_capture_on_commit_callbacks):
    api = Api(planted.legal)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = api.get("/operators.xlsx").json()["id"]
    other = f.ra_officer("ra:0100")
    other_api, other_web = Api(other), Client()
    other_web.force_login(other)
    for path in (f"/exports/{job_id}", f"/exports/{job_id}/file"):
        r = other_api.get(path)
        assert r.status_code == 404 and r.json()["error"]["code"] == "export_not_found"
    assert other_web.get(f"/exports/{job_id}/file/").status_code == 404
    assert other_api.get("/exports").json()["total"] == 0
    assert f"/exports/{job_id}/file/" not in other_web.get("/exports/").content.decode()
    assert not AuditEvent.objects.filter(action="export.downloaded").exists()


def test_a_job_not_yet_written_cannot_be_downloaded(planted, small_inline):
    api = Api(planted.legal)
    job_id = api.get("/operators.xlsx").json()["id"]  # its commit's task not run: still pending
    r = api.get(f"/exports/{job_id}/file")
    assert r.status_code == 409 and r.json()["error"]["code"] == "export_not_ready"
    web = Client()
    web.force_login(planted.legal)
    assert "请稍后刷新本页" in web.get("/exports/").content.decode()
    r = web.get(f"/exports/{job_id}/file/")  # an old link, the back button: the refusal as a page
    assert r.status_code == 409 and "导出文件尚未生成" in r.content.decode()


def test_the_sweep_builds_a_job_whose_enqueue_or_worker_was_lost(planted, small_inline):
    """The broker down at the commit (the job stays pending), or the worker killed mid-build (running): the
    sweep beat runs every minute queues it again, and it is built once."""
    import datetime as dt

    from django.utils import timezone

    from eport.exports import jobs

    api = Api(planted.legal)
    lost = api.get("/operators.xlsx").json()["id"]  # its commit's task never ran: pending
    died = api.get("/operators.xlsx").json()["id"]
    ExportJob.objects.filter(pk=died).update(state=ExportState.RUNNING)
    assert jobs.sweep() == 0  # too young: its enqueue may still be on its way
    later = timezone.now() + jobs.RUNNING_LEASE + dt.timedelta(minutes=1)
    assert jobs.sweep(now=later) == 2  # no broker here: built at once
    assert set(ExportJob.objects.values_list("state", flat=True)) == {ExportState.DONE}
    assert jobs.sweep(now=later) == 0
    r = api.get(f"/exports/{lost}/file")
    assert r.status_code == 200
