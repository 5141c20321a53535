"""办理进度 (filings/progress.py): the enterprise's tasks in the manual's order, each with its state and the
screen of its next action; the same rule answers GET /api/v1/enterprise/progress."""

import pytest

from eport.applications import services
from eport.cards.models import CardPermission, Subsystem
from eport.filings.models import CardFiling
from eport.filings.progress import enterprise_progress, next_task
from tests import factories as f
from tests.api.helpers import Api

pytestmark = pytest.mark.django_db

ORDER = [
    "account",
    "entry",
    "legal_card",
    "commerce_filing",
    "customs_filing",
    "forex_filing",
    "card_filings",
    "card_permissions",
]


def states(actor):
    return {t.code: t.state for t in enterprise_progress(actor)}


def test_a_new_enterprise_starts_with_its_entry(user):
    tasks = enterprise_progress(user)
    assert [t.code for t in tasks] == ORDER
    s = states(user)
    assert s["account"] == "done" and s["entry"] == "action" and s["legal_card"] == "not_yet"
    assert s["customs_filing"] == "not_yet" and s["card_filings"] == "not_yet"
    assert next_task(tasks).code == "entry" and next_task(tasks).screen == "web:entries"


def test_the_entry_s_states_follow_its_application(user, r):
    app = f.draft_entry(user)
    assert states(user)["entry"] == "action"
    app = services.application_submit(actor=user, application_id=app.id)
    task = next(t for t in enterprise_progress(user) if t.code == "entry")
    assert task.state == "in_progress" and app.number in task.detail
    step = app.steps.get(unit_id="aic:440300")
    services.step_return(actor=r["aic"], step_id=step.id, opinion="住所与营业执照不符")
    task = next(t for t in enterprise_progress(user) if t.code == "entry")
    assert task.state == "action" and "住所与营业执照不符" in task.detail


def test_after_network_entry_the_next_step_is_the_legal_card():
    e = f.enterprise_in_network()
    user = f.cardless(uscc=e.uscc)
    tasks = enterprise_progress(user)
    nxt = next_task(tasks)
    assert nxt.code == "legal_card" and nxt.state == "action" and nxt.screen == "web:reissue"
    assert nxt.label == "申领法人卡"
    ra = f.ra_officer()
    app = services.application_create(actor=user, kind="legal_card_reissue", data={})
    services.application_submit(actor=user, application_id=app.id)
    assert states(user)["legal_card"] == "in_progress"
    services.step_approve(actor=ra, step_id=app.steps.get().id, opinion="同意")
    task = next(t for t in enterprise_progress(user) if t.code == "legal_card")
    assert task.state == "in_progress" and "等待" in task.detail and "制卡" in task.detail
    f.make_card("legal", e, ra=ra)
    assert states(user)["legal_card"] == "done"
    assert next_task(enterprise_progress(user)).code == "commerce_filing"


def test_the_legal_card_sees_its_card_filings_and_permissions_until_done():
    e = f.enterprise_in_network()
    legal = f.legal_card(e)
    actor = legal.card.user
    s = states(actor)
    assert s["account"] == "done" and s["legal_card"] == "done" and s["card_filings"] == "not_yet"
    f.enterprise_filed(e, "customs", "customs:5300")
    task = next(t for t in enterprise_progress(actor) if t.code == "card_filings")
    assert task.state == "action" and task.screen == "web:card_customs_filing"
    CardFiling.objects.create(card=legal.card, filing="customs")
    s = states(actor)
    assert s["card_filings"] == "done" and s["card_permissions"] == "action"
    sub = next(s for s in Subsystem.objects.all() if "legal" in s.card_kinds)
    CardPermission.objects.create(card=legal.card, subsystem=sub)
    assert states(actor)["card_permissions"] == "done"


def test_the_api_answers_the_same_tasks_to_enterprise_actors_only(user):
    r = Api(user).get("/enterprise/progress")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [t["code"] for t in body["tasks"]] == ORDER
    entry = body["tasks"][1]
    assert entry["state"] == "action" and entry["state_label"] == "待办理" and entry["screen"] == "/entries/"
    assert body["next"] == "entry"
    ra = Api(f.ra_officer()).get("/enterprise/progress")
    assert ra.status_code == 403 and ra.json()["error"]["code"] == "enterprise_actor_required"
    op = Api(f.operator_card(f.enterprise_in_network()).card.user).get("/enterprise/progress")
    assert op.status_code == 403 and op.json()["error"]["code"] == "enterprise_actor_required"
    assert Api().get("/enterprise/progress").status_code == 401
