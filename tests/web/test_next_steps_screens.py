"""Screens a clerk can trust (issue 13, next steps): the start page's task list, 申领法人卡 before the first card
and the sub-centre's 待制法人卡 queue, next steps after a change of state, state colours, a voided card's
reason."""

import re

import pytest

from eport.applications import services
from eport.applications.models import Application, Status
from eport.cards.models import Card
from tests import factories as f

pytestmark = pytest.mark.django_db


def task_state(page: str, code: str) -> str:
    m = re.search(rf'data-task="{code}" data-state="(\w+)"', page)
    assert m, code
    return m.group(1)


def test_the_start_page_lists_the_tasks_in_order(client, user):
    c = f.as_user(client, user)
    r = c.get("/")
    assert r.status_code == 302 and r["Location"] == "/start/"
    page = c.get("/start/").content.decode()
    codes = re.findall(r'data-task="(\w+)"', page)
    assert codes[:3] == ["account", "entry", "legal_card"] and codes[-2:] == [
        "card_filings",
        "card_permissions",
    ]
    assert task_state(page, "account") == "done" and task_state(page, "entry") == "action"
    # The state is text beside its colour, in an ordered list; the next step links to its screen.
    assert '<ol class="task-list"' in page and "待办理" in page and "尚不能办理" in page
    assert 'id="next-step"' in page and 'href="/entries/"' in page
    assert "办理进度" in page  # in the menu


def test_after_network_entry_the_pages_say_request_the_legal_card(client, r):
    user = f.cardless(uscc=f.USCC_SZ, name="深圳市前海示例科技有限公司")
    app = f.submitted_entry(user)
    for step in app.steps.filter(status="PENDING"):
        services.step_approve(actor=r[step.unit.dept], step_id=step.id, opinion="同意")
    for step in app.steps.filter(status="PENDING"):
        services.step_approve(actor=r["ra"], step_id=step.id, opinion="同意")
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    c = f.as_user(client, user)
    view = c.get(f"/applications/{app.id}/").content.decode()
    assert 'id="next-step"' in view and "申领法人卡" in view and 'href="/reissue/"' in view
    assert 'class="state tone-green" id="app-status"' in view  # 审核通过 is green
    assert "申领法人卡" in c.get("/entries/").content.decode()
    start = c.get("/start/").content.decode()
    assert task_state(start, "entry") == "done" and task_state(start, "legal_card") == "action"
    menu = c.get("/start/").content.decode()
    assert ">申领法人卡</a>" in menu and ">补办法人卡</a>" not in menu


def test_request_the_first_legal_card_and_the_sub_centre_makes_it_from_its_queue(
    client, django_capture_on_commit_callbacks
):
    ra = f.ra_officer()
    e = f.enterprise_in_network(name="首卡测试有限公司")
    user = f.cardless(uscc=e.uscc)
    c = f.as_user(client, user)
    page = c.get("/reissue/").content.decode()
    assert "<h1>申领法人卡</h1>" in page and "联系人" in page and "希望领卡日期" in page
    r = c.post(
        "/reissue/",
        {
            "reason": "new",
            "contact_name": "王五",
            "contact_phone": "13912345678",
            "preferred_date": "2099-03-01",
            "action": "submit",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    app = Application.objects.get(kind="legal_card_reissue")
    assert app.status == Status.SUBMITTED
    services.step_approve(actor=ra, step_id=app.steps.get().id, opinion="同意")
    assert task_state(c.get("/start/").content.decode(), "legal_card") == "in_progress"

    staff = f.as_user(client, ra)
    queue = staff.get("/ra/legal-cards/").content.decode()
    assert f'data-request="{app.id}"' in queue and "首卡测试有限公司" in queue and "2099-03-01" in queue
    assert "待制法人卡" in queue  # menu and title
    form = staff.get(f"/ra/cards/new/?request={app.id}").content.decode()
    assert f'value="{e.uscc}" readonly' not in form  # the attribute order is the template's:
    assert re.search(rf'id="id_enterprise_uscc" name="enterprise_uscc" readonly value="{e.uscc}"', form)
    # The USCC comes from the request, whatever is posted.
    r = staff.post("/ra/cards/new/", {"request": app.id, "kind": "operator", "enterprise_uscc": "X"})
    assert r.status_code == 303, r.content.decode()[:2000]
    card = Card.objects.get(request=app)
    assert card.kind == "legal" and card.enterprise == e
    assert f'data-request="{app.id}"' not in staff.get("/ra/legal-cards/").content.decode()
    assert staff.get(f"/ra/cards/new/?request={app.id}").status_code == 404  # fulfilled
    assert task_state(f.as_user(client, user).get("/start/").content.decode(), "legal_card") == "done"


def test_another_sub_centre_does_not_see_the_request(client):
    ra = f.ra_officer()
    e = f.enterprise_in_network()
    user = f.cardless(uscc=e.uscc)
    app = services.application_submit(
        actor=user,
        application_id=services.application_create(actor=user, kind="legal_card_reissue", data={}).id,
    )
    services.step_approve(actor=ra, step_id=app.steps.get().id, opinion="同意")
    other = f.as_user(client, f.ra_officer("ra:0100"))
    assert f'data-request="{app.id}"' not in other.get("/ra/legal-cards/").content.decode()
    assert other.get(f"/ra/cards/new/?request={app.id}").status_code == 404
    assert other.post("/ra/cards/new/", {"request": app.id}).status_code == 404
    assert not Card.objects.exists()


def test_the_new_legal_card_s_home_lists_its_next_steps_until_done(client):
    e = f.enterprise_in_network()
    legal = f.legal_card(e).card
    home = f.as_user(client, legal.user).get("/card/").content.decode()
    assert 'id="next-steps"' in home and task_state(home, "commerce_filing") == "action"
    assert task_state(home, "legal_card") == "done"


def test_a_voided_card_shows_why_and_when(client):
    ra = f.ra_officer()
    card = f.operator_card(f.enterprise_in_network(), ra=ra).card
    c = f.as_user(client, ra)
    page = c.get(f"/cards/{card.card_no}/").content.decode()
    assert 'id="void-reason"' not in page and 'class="state tone-green" id="card-state"' in page
    r = c.post(f"/cards/{card.card_no}/void/", {"reason": "key_compromise", "version": card.version})
    assert r.status_code == 302
    page = c.get(f"/cards/{card.card_no}/").content.decode()
    assert 'id="void-reason"' in page and "卡片或密钥泄露" in page and "作废时间" in page
    assert 'class="state tone-grey" id="card-state"' in page
    listed = c.get("/cards/", {"card_no": card.card_no}).content.decode()
    assert "作废原因：卡片或密钥泄露" in listed


def test_returned_is_red_and_in_review_amber(client, user, r):
    app = f.submitted_entry(user)
    c = f.as_user(client, user)
    assert 'class="state tone-amber" id="app-status"' in c.get(f"/applications/{app.id}/").content.decode()
    step = app.steps.get(unit_id="aic:440300")
    services.step_return(actor=r["aic"], step_id=step.id, opinion="住所不符")
    assert 'class="state tone-red" id="app-status"' in c.get(f"/applications/{app.id}/").content.decode()
    listed = c.get("/status/").content.decode()
    assert "tone-red" in listed and "退回" in listed
