"""办理进度: the start page of the enterprise's card-less user (a task list: what is done, what is next), and
the same list wherever a next step is due (the legal card's home, an approved application's page). The rules
are filings/progress.py's, shared with GET /api/v1/enterprise/progress."""

from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse

from eport.accounts.permissions import can_read_enterprise
from eport.filings import progress

from .access import enterprise_actor


@dataclass
class Row:
    task: progress.Task
    url: str  # where its next action happens ("": nowhere to go)


def task_rows(user) -> tuple[list[Row], Row | None]:
    """The enterprise's tasks with their screens' URLs, and the next one (None when all is done)."""
    tasks = progress.enterprise_progress(user)
    rows = [Row(t, reverse(t.screen) if t.screen else "") for t in tasks]
    nxt = progress.next_task(tasks)
    return rows, next((r for r in rows if r.task is nxt), None)


def next_step(user) -> Row | None:
    """The next step of an enterprise actor that may read its enterprise (None for anyone else)."""
    if not can_read_enterprise(user):
        return None
    return task_rows(user)[1]


@enterprise_actor
def start(request):
    rows, nxt = task_rows(request.user)
    return render(
        request, "web/start.html", {"rows": rows, "next": nxt, "enterprise": request.user.enterprise}
    )
