"""The drill of issue 16: the task worker stops for a while; the notifications of the changes made meanwhile
arrive after it returns, none lost, none twice.

A real `eport worker` process, a real broker and a database both processes share: PostgreSQL only (the
SQLite test database is in this process's memory). The broker is the machine's Redis, database 14, on a
queue of this run's own (EPORT_TASK_QUEUE), so parallel runs and other users of that Redis never see each
other's tasks and the test deletes only its own keys; Redis also lets the test see the tasks waiting while
the worker is stopped (LLEN of the queue). The worker mails with Django's file-based backend into a
temporary folder: each message one file."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from eport import mail
from eport.mail.models import Outbox, OutboxState

SRC = Path(__file__).resolve().parents[2] / "src"

pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    d = connection.settings_dict
    return f"postgresql://{d['USER']}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"


def sent_subjects(folder: Path) -> list[str]:
    out = []
    for f in folder.glob("*.log"):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.startswith("Subject: "):
                out.append(line.removeprefix("Subject: "))
    return out


def decoded(subject_header: str) -> str:
    from email.header import decode_header, make_header

    return str(make_header(decode_header(subject_header)))


class Worker:
    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log, self.proc = env, log, None

    def start(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "eport.cli", "worker", "--pool=solo", "--loglevel=warning"],
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # warm shutdown: the task at hand finishes first
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def wait_for(predicate, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.25)
    return predicate()


@pytest.fixture
def shared_db():
    if connection.vendor != "postgresql":
        pytest.skip(
            "the worker process cannot share the SQLite test database (it is in this process's memory)"
        )


def notify(n: int, tag: str) -> list[str]:
    subjects = [f"drill {tag} {i}" for i in range(n)]
    for s in subjects:
        with transaction.atomic():  # one change each, its message enqueued after its commit
            mail.send_on_commit(["drill@example.com"], s, "body")
    return subjects


def test_notifications_made_while_the_worker_is_stopped_arrive_once_after_it_returns(
    shared_db, broker, tmp_path
):
    queue = broker.queue
    outbox_dir = tmp_path / "mail"
    outbox_dir.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "DATABASE_URL": database_url(),
        "EPORT_DATA_DIR": str(tmp_path / "data"),
        "EPORT_SECRET_KEY": "drill",
        "EPORT_BROKER_URL": broker.url,
        "EPORT_TASK_QUEUE": queue,
        "EPORT_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EPORT_EMAIL_FILE_PATH": str(outbox_dir),
    }
    worker = Worker(env, tmp_path / "worker.log")
    try:
        worker.start()
        before = notify(5, "before")
        assert wait_for(lambda: len(sent_subjects(outbox_dir)) >= 5, 25), (
            tmp_path / "worker.log"
        ).read_text()
        worker.stop()

        during = notify(20, "during")
        time.sleep(1)
        assert len(sent_subjects(outbox_dir)) == 5  # nothing sent while the worker is away
        assert broker.waiting() == 20  # the tasks wait in the broker
        assert Outbox.objects.filter(state=OutboxState.PENDING).count() == 20

        worker.start()
        assert wait_for(lambda: len(sent_subjects(outbox_dir)) >= 25, 25), (
            tmp_path / "worker.log"
        ).read_text()
        time.sleep(1)  # anything sent twice would show by now
    finally:
        worker.stop()
    got = sorted(decoded(s) for s in sent_subjects(outbox_dir))
    assert got == sorted(before + during)  # each exactly once
    assert Outbox.objects.filter(state=OutboxState.SENT).count() == 25
    assert broker.waiting() == 0
