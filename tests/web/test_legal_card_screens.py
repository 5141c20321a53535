"""The legal card's screens (企业操作员信息申报, 注销申报, 三证合一信息变更, IC卡自主管理) and the card-less
user's 操作员信息预录入 and 补办法人卡, through Django's test client."""

import io

import pytest
from openpyxl import load_workbook

from eport.applications.models import Application, Status, StepStatus
from eport.cards.models import Card, CardState
from eport.operators.models import Operator, OperatorStatus
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    ra = f.ra_officer()
    legal = f.legal_card(f.enterprise_in_network(name="深圳法人卡界面测试有限公司"), ra=ra).card
    return {"e": legal.enterprise, "ra": ra, "legal": legal}


def op_post(**over):
    return f.op_data(**{"name": "赵六", "phone": "13700000001", "email": "zhao@example.com", **over})


def test_menu_of_the_legal_card(client, ctx):
    body = f.as_user(client, ctx["legal"].user).get("/card/").content.decode()
    for entry in (
        "企业操作员信息申报",
        "三证合一信息变更",
        "IC卡自主管理",
        "?action=renew",
        "?action=report-lost",
        "?action=unlock",
        "综合查询",
        "业务办理状态查询",
    ):
        assert entry in body, entry


def test_declare_review_make_card_change_and_cancel(client, ctx, settings):
    c = f.as_user(client, ctx["legal"].user)
    assert "新增" in c.get("/operators/").content.decode()
    r = c.post("/operators/new/", {**op_post(id_no="123"), "action": "save"})
    assert r.status_code == 400 and "居民身份证号码不正确" in r.content.decode()
    assert not Operator.objects.filter(enterprise=ctx["e"]).exists()  # nothing half-saved
    r = c.post("/operators/new/", {**op_post(), "action": "submit"})
    op = Operator.objects.get(enterprise=ctx["e"])
    assert r.status_code == 302 and r["Location"] == f"/operators/{op.operator_no}/"
    assert op.status == OperatorStatus.SUBMITTED
    page = c.get(f"/operators/{op.operator_no}/").content.decode()
    assert "申报" in page and op.operator_no in page
    listed = c.get("/operators/", {"name": "赵"}).content.decode()
    assert f'data-operator="{op.operator_no}"' in listed
    assert (
        f'data-operator="{op.operator_no}"'
        not in c.get("/operators/", {"status": "APPROVED"}).content.decode()
    )

    # the sub-centre reviews it on the same review screen and goes on to 制卡 with it filled in
    ra = f.as_user(type(client)(), ctx["ra"])
    step = Application.objects.get(kind="operator_declaration").steps.get(status=StepStatus.PENDING)
    page = ra.get(f"/reviews/{step.id}/").content.decode()
    assert "赵六" in page and op.operator_no in page
    r = ra.post(f"/reviews/{step.id}/", {"action": "approve", "opinion": "同意"})
    assert (
        r.status_code == 302
        and "/ra/cards/new/?kind=operator" in r["Location"]
        and op.operator_no in r["Location"]
    )
    page = ra.get(r["Location"]).content.decode()
    assert f'value="{op.operator_no}"' in page
    made = ra.post(
        "/ra/cards/new/",
        {"kind": "operator", "enterprise_uscc": ctx["e"].uscc, "operator_no": op.operator_no},
    )
    assert made.status_code == 303 and 'id="initial-pin"' in ra.get(made["Location"]).content.decode()
    card = Card.objects.get(operator=op)

    # 修改 of the approved operator is a change declaration
    op.refresh_from_db()
    assert op.status == OperatorStatus.APPROVED
    r = c.post(
        f"/operators/{op.operator_no}/change/",
        {**op_post(id_no=op.id_no, job_title="经理"), "action": "save"},
    )
    assert r.status_code == 302
    change = Application.objects.get(kind="operator_declaration", status=Status.DRAFT)
    assert change.data["operator_no"] == op.operator_no
    op.refresh_from_db()
    assert op.job_title == "报关员"  # the master record waits for approval

    # 注销: refused while the card is not voided, with the reason
    page = c.get(f"/operators/{op.operator_no}/cancel/").content.decode()
    assert "尚未作废" in page and card.card_no in page and "btn-cancel-submit" not in page
    r = c.post(f"/operators/{op.operator_no}/cancel/")
    assert r.status_code == 409
    from eport.cards.actions import card_act

    card_act(actor=ctx["ra"], card_no=card.card_no, action="void")
    r = c.post(f"/operators/{op.operator_no}/cancel/")
    assert r.status_code == 302
    page = c.get(f"/operators/{op.operator_no}/").content.decode()
    assert "注销申报" in page and "只可以查看" in page and 'id="btn-edit"' not in page


def test_pre_entry_before_and_after_the_entry(client):
    user = f.cardless()
    c = f.as_user(client, user)
    page = c.get("/operators/").content.decode()
    assert (
        "操作员信息预录入" in page and "必须先录入并暂存三证合一信息" in page and 'id="btn-new"' not in page
    )
    f.draft_entry(user)
    page = c.get("/operators/new/").content.decode()
    assert 'id="btn-submit"' not in page and 'id="btn-save"' in page  # 暂存 only
    r = c.post("/operators/new/", {**op_post(id_no=""), "action": "save"})
    assert r.status_code == 400 and 'data-field="id_no"' in r.content.decode()
    r = c.post("/operators/new/", {**op_post(), "action": "save"})
    assert r.status_code == 302 and r["Location"] == "/operators/new/"  # 继续添加
    assert Operator.objects.get(enterprise=user.enterprise).status == OperatorStatus.DRAFT


def test_enterprise_change_screen(client, ctx):
    c = f.as_user(client, ctx["legal"].user)
    page = c.get("/change/").content.decode()
    assert "三证合一信息变更" in page and 'id="btn-submit"' in page
    data = f.entry_data(ctx["e"].uscc, address="深圳市宝安区新址1号")
    r = c.post("/change/", {**data, "action": "save"})
    assert r.status_code == 302
    app = Application.objects.get(kind="enterprise_change")
    page = c.get("/change/").content.decode()
    assert "深圳市宝安区新址1号" in page and 'id="btn-delete"' in page and app.number in page
    c.post("/change/", {"action": "delete"})
    assert not Application.objects.filter(kind="enterprise_change").exists()
    r = c.post("/change/", {**data, "phone": "12", "action": "submit"})
    assert r.status_code == 400 and 'data-field="phone"' in r.content.decode()
    assert not Application.objects.filter(kind="enterprise_change").exists()
    c.post("/change/", {**data, "action": "submit"})
    page = c.get("/change/").content.decode()
    assert "只可以查看" in page and 'id="steps"' in page and "ra:5300" in page and "aic:440300" in page


def test_card_self_service_lists_acts_and_refuses_the_legal_card_itself(client, ctx):
    op_card = f.make_card("operator", ctx["e"], ra=ctx["ra"]).card
    c = f.as_user(client, ctx["legal"].user)
    page = c.get("/cards/", {"action": "report-lost"}).content.decode()
    assert f'id="row-report-lost-{op_card.card_no}"' in page
    assert "去分中心" in page or "数据分中心办理" in page  # the legal card's own row says where to go
    assert f'id="row-report-lost-{ctx["legal"].card_no}"' not in page
    r = c.post(f"/cards/{op_card.card_no}/report-lost/", {"screen_action": "report-lost"})
    assert r.status_code == 302 and r["Location"] == f"/cards/{op_card.card_no}/?action=report-lost"
    assert Card.objects.get(pk=op_card.pk).state == CardState.LOST
    r = c.post(f"/cards/{ctx['legal'].card_no}/report-lost/", follow=True)
    assert "数据分中心办理" in r.content.decode()
    assert Card.objects.get(pk=ctx["legal"].pk).state == CardState.NORMAL
    # 综合查询: by card number, fuzzy name, ID number; export with the filters
    assert op_card.card_no in c.get("/cards/", {"holder_name": op_card.holder_name[:1]}).content.decode()
    assert op_card.card_no not in c.get("/cards/", {"id_no": "110101199003070000"}).content.decode()
    r = c.get("/cards/", {"card_no": op_card.card_no, "export": "xlsx"})
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0][0] == "IC卡号" and [x[0] for x in rows[1:]] == [op_card.card_no]


def test_unlock_shows_the_new_pin_once(client, ctx):
    op_card = f.make_card("operator", ctx["e"], ra=ctx["ra"]).card
    Card.objects.filter(pk=op_card.pk).update(pin_locked=True, pin_failures=5)
    c = f.as_user(client, ctx["legal"].user)
    r = c.post(f"/cards/{op_card.card_no}/unlock/?action=unlock")
    assert r.status_code == 303 and "action=unlock" in r["Location"]
    r = c.get(r["Location"])
    assert (
        r.status_code == 200 and 'id="issued-pin"' in r.content.decode() and r["Cache-Control"] == "no-store"
    )
    card = Card.objects.get(pk=op_card.pk)
    assert not card.pin_locked and card.must_change_pin
    assert 'id="issued-pin"' not in c.get(f"/cards/{op_card.card_no}/").content.decode()


def test_another_enterprises_ids_are_not_found(client, ctx):
    other = f.enterprise_in_network()
    other_op = f.operator(other)
    other_card = f.make_card("operator", other, ra=ctx["ra"], operator_no=other_op.operator_no).card
    other_legal = (
        Card.objects.get(enterprise=other, kind="legal")
        if Card.objects.filter(enterprise=other, kind="legal").exists()
        else f.make_card("legal", other, ra=ctx["ra"]).card
    )
    Card.objects.filter(pk=other_legal.pk).update(must_change_pin=False)
    draft = Application.objects.create(
        kind="operator_declaration",
        subject_key="x",
        enterprise=other,
        data={"operator_no": other_op.operator_no},
    )
    c = f.as_user(client, ctx["legal"].user)
    for url in (
        f"/operators/{other_op.operator_no}/",
        f"/operators/{other_op.operator_no}/change/",
        f"/operators/{other_op.operator_no}/cancel/",
        f"/operators/declarations/{draft.id}/",
        f"/cards/{other_card.card_no}/",
        f"/cards/{other_card.card_no}/renew/",
        f"/applications/{draft.id}/",
    ):
        assert c.get(url).status_code == 404, url
    for url in (
        f"/cards/{other_card.card_no}/freeze/",
        f"/operators/declarations/{draft.id}/delete/",
        f"/operators/{other_op.operator_no}/cancel/",
        f"/applications/{draft.id}/delete/",
    ):
        assert c.post(url).status_code == 404, url
    assert other_card.card_no not in c.get("/cards/").content.decode()
    assert other_op.operator_no not in c.get("/operators/").content.decode()
    assert Card.objects.get(pk=other_card.pk).state == CardState.NORMAL
    assert Application.objects.filter(pk=draft.pk).exists()


def test_reissue_screen(client, ctx):
    user = f.cardless(uscc=ctx["e"].uscc)
    c = f.as_user(client, user)
    page = c.get("/reissue/").content.decode()  # a card in use: 补办, the contact the account's
    assert "<h1>补办法人卡</h1>" in page and 'value="联系人"' in page
    r = c.post("/reissue/", {"reason": "other", "note": "", "action": "submit"})
    assert r.status_code == 400 and 'data-field="note"' in r.content.decode()
    assert not Application.objects.filter(kind="legal_card_reissue").exists()
    r = c.post("/reissue/", {"reason": "lost", "action": "submit"})  # no attachments yet
    assert r.status_code == 400 and "补办法人卡须上传随附单据" in r.content.decode()
    assert 'id="error_attachments"' in r.content.decode()  # said beside the checklist
    assert 'id="upload-form"' in r.content.decode()  # the upload is offered before any 暂存
    assert not Application.objects.filter(
        kind="legal_card_reissue"
    ).exists()  # saved and submitted, or neither
    assert c.post("/reissue/", {"reason": "lost", "action": "save"}).status_code == 302
    app = Application.objects.get(kind="legal_card_reissue")
    page = c.get("/reissue/").content.decode()
    assert 'id="upload-form"' in page and "法人身份证件" in page and "操作员身份证件" not in page
    f.attach(user, app, *f.REISSUE_DOCUMENTS)
    r = c.post(
        "/reissue/",
        {
            "reason": "lost",
            "contact_name": "王五",
            "contact_phone": "13912345678",
            "action": "submit",
            "version": app.version,
        },
    )
    assert r.status_code == 302
    page = c.get("/reissue/").content.decode()
    assert "只可以查看" in page and "ra:5300" in page
    status = c.get("/status/").content.decode()
    assert 'data-kind="legal_card_reissue"' in status
    step = Application.objects.get(kind="legal_card_reissue").steps.get()
    ra = f.as_user(type(client)(), ctx["ra"])
    r = ra.post(f"/reviews/{step.id}/", {"action": "approve", "opinion": "同意补办"})
    assert "/ra/cards/new/?kind=legal" in r["Location"]
    assert Card.objects.get(pk=ctx["legal"].pk).state == CardState.VOIDED


def test_reissue_refused_before_network_entry(client):
    page = f.as_user(client, f.cardless()).get("/reissue/").content.decode()
    assert "企业入网后才能申领法人卡" in page


def test_status_query_exports_the_filtered_list(client, ctx):
    user = f.cardless()
    f.draft_entry(user)
    r = f.as_user(client, user).get("/status/", {"status": "DRAFT", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert len(rows) == 2 and rows[1][3] == "暂存"
    r = client.get(
        "/status/", {"submitted_from": "2026-02-01", "submitted_to": "2026-01-01", "export": "xlsx"}
    )
    assert r.status_code == 200 and "起始日期" in r.content.decode()  # the refusal, not a file


def test_the_new_screens_speak_english_too(client, ctx):
    c = f.as_user(client, ctx["legal"].user)
    body = c.get("/operators/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Operator declaration" in body and "Export to Excel" in body and "企业操作员信息申报" not in body
    body = c.get("/cards/", {"action": "freeze"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "IC card self-service" in body
    r = c.post("/operators/new/", {**op_post(email="bad"), "action": "save"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Invalid e-mail address." in r.content.decode()
