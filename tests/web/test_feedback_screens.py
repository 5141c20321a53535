"""Feedback on the screens (issue 13): a returned application says why at the top, a reviewer is not asked
to confirm a return the opinion's emptiness would refuse, empty lists say what is empty in one way, and the
messages after an action name what they are about."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from eport.accounts.models import UserKind
from eport.applications.models import Application, Status
from eport.operators.models import Operator
from tests import factories as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _returned_entry(client):
    user = f.cardless()
    app = f.submitted_entry(user)
    step = app.steps.get(unit_id="aic:440300")
    client.force_login(f.staff(UserKind.REVIEWER, "aic:440000"))
    client.post(f"/reviews/{step.id}/", {"action": "return", "opinion": "执照模糊，请重新上传"})
    app.refresh_from_db()
    assert app.status == Status.RETURNED
    client.force_login(user)
    return app


def _top(body: str) -> str:
    """The page above its first table (the steps' table sits at the bottom)."""
    return body.split("<table", 1)[0]


def test_a_returned_application_shows_the_returning_unit_and_opinion_at_the_top(client):
    app = _returned_entry(client)
    for url in (f"/entries/{app.id}/edit/", f"/applications/{app.id}/"):
        top = _top(client.get(url).content.decode())
        assert 'id="return-reason"' in top, url
        reason = re.search(r'id="return-reason">(.*?)</p>', top, re.S).group(1)
        assert "深圳市市场监督管理局退回" in reason and "执照模糊，请重新上传" in reason, url


def test_no_return_reason_before_a_return_nor_after_it_is_submitted_again(client):
    user = f.cardless()
    app = f.submitted_entry(user)
    client.force_login(user)
    assert 'id="return-reason"' not in client.get(f"/applications/{app.id}/").content.decode()
    app = _returned_entry(client)
    r = client.post(f"/entries/{app.id}/edit/", {**app.data, "action": "submit", "version": app.version})
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    assert 'id="return-reason"' not in client.get(f"/applications/{app.id}/").content.decode()


def test_the_return_is_confirmed_only_once_an_opinion_is_written(client):
    app = f.submitted_entry(f.cardless())
    step = app.steps.get(unit_id="aic:440300")
    client.force_login(f.staff(UserKind.REVIEWER, "aic:440000"))
    body = client.get(f"/reviews/{step.id}/").content.decode()
    # The confirm question waits for an opinion (portal.js skips it while the named field is blank) ...
    button = re.search(r'<button[^>]*id="btn-return"[^>]*>', body).group(0)
    assert 'data-confirm="确定退回吗？"' in button and 'data-confirm-if="opinion"' in button
    # ... so a blank one goes straight to the refusal beside the field, and nothing is returned.
    r = client.post(f"/reviews/{step.id}/", {"action": "return", "opinion": " "})
    body = r.content.decode()
    assert r.status_code == 400
    assert re.search(r'class="field-error" data-field="opinion"[^>]*>请填写审核意见', body)
    step.refresh_from_db()
    assert step.is_pending


TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "eport" / "web" / "templates" / "web"
# Tables shown only when their list has rows (wrapped in {% if list %}): nothing to say when empty.
SHOWN_ONLY_WITH_ROWS = {"landing.html", "auto_review.html"}


def test_every_list_says_it_is_empty_through_the_one_include():
    for path in sorted(TEMPLATES.glob("*.html")):
        text = path.read_text()
        if path.name != "_empty_row.html":
            assert 'class="empty"' not in text, f"{path.name}: an empty row of its own"
        if "<tbody>" in text and path.name not in SHOWN_ONLY_WITH_ROWS:
            assert text.count('{% include "web/_empty_row.html"') >= text.count("<tbody>"), path.name


def _empty_rows(body: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m) for m in re.findall(r'<tr class="empty-row">(.*?)</tr>', body, re.S)]


def test_empty_lists_say_what_is_empty_never_a_dash(client):
    user = f.cardless()
    client.force_login(user)
    assert _empty_rows(client.get("/operators/").content.decode()) == ["没有符合条件的记录。"]
    f.draft_entry(user)
    # The commerce filing page: no filing yet, so its history is empty (it used to show "-").
    rows = _empty_rows(client.get("/filings/commerce/").content.decode())
    assert rows == ["没有申请记录。"]


def _messages(r) -> list[str]:
    return re.findall(r'<li class="msg[^"]*">(.*?)</li>', r.content.decode(), re.S)


def test_messages_after_save_upload_delete_and_submit_name_the_application(client):
    user = f.cardless()
    client.force_login(user)
    r = client.post("/entries/new/", {**f.entry_data(user.enterprise.uscc), "action": "save"}, follow=True)
    app = Application.objects.get(enterprise=user.enterprise)
    assert _messages(r) == [f"三证合一信息 {app.number} 暂存成功。可以继续上传随附单据。"]
    r = client.post(
        f"/applications/{app.id}/attachments/",
        {"doc_type": "business_license", "file": SimpleUploadedFile("执照.pdf", PDF)},
        follow=True,
    )
    assert _messages(r) == ["已上传随附单据：企业营业执照（执照.pdf）。"]
    r = client.post(f"/applications/{app.id}/delete/", {"back": "/entries/"}, follow=True)
    assert _messages(r) == [f"已删除 三证合一信息 {app.number}。"]
    app = f.draft_entry(user)
    r = client.post(
        f"/entries/{app.id}/edit/", {**app.data, "action": "submit", "version": app.version}, follow=True
    )
    assert _messages(r) == [f"三证合一信息 {app.number} 申报成功，请等待审核。"]


def test_review_messages_name_the_application(client):
    app = f.submitted_entry(f.cardless())
    step = app.steps.get(unit_id="aic:440300")
    client.force_login(f.staff(UserKind.REVIEWER, "aic:440000"))
    r = client.post(f"/reviews/{step.id}/", {"action": "approve", "opinion": "同意"}, follow=True)
    assert _messages(r) == [f"三证合一信息 {app.number} 本环节审核通过。"]
    other = f.submitted_entry(f.cardless())
    step = other.steps.get(unit_id="aic:440300")
    r = client.post(f"/reviews/{step.id}/", {"action": "return", "opinion": "执照模糊"}, follow=True)
    assert _messages(r) == [f"三证合一信息 {other.number} 已退回。"]


def test_operator_messages_name_the_operator(client):
    legal = f.legal_card(f.enterprise_in_network(name="深圳提示测试有限公司"), ra=f.ra_officer()).card
    client.force_login(legal.user)
    data = f.op_data(name="赵六")
    r = client.post("/operators/new/", {**data, "action": "save"}, follow=True)
    op = Operator.objects.get(enterprise=legal.enterprise)
    app = Application.objects.get(kind="operator_declaration", enterprise=legal.enterprise)
    assert _messages(r) == [f"企业操作员信息申报 {app.number}（操作员 赵六 {op.operator_no}） 暂存成功。"]
    r = client.post(
        f"/operators/declarations/{app.id}/",
        {**data, "action": "submit", "version": app.version},
        follow=True,
    )
    assert _messages(r) == [
        f"企业操作员信息申报 {app.number}（操作员 赵六 {op.operator_no}） 申报成功，请等待数据分中心审核。"
    ]
