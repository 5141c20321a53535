"""The screens: the same rules as the API, seen as a user of the browser sees them."""

import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from eport.accounts.models import UserKind
from eport.applications import services
from eport.applications.models import Application, Status
from eport.refdata.models import Unit
from tests import factories as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def ent(client):
    user = f.cardless()
    client.force_login(user)
    return user


@pytest.fixture
def demo_files():
    """The lists `eport demo` writes into the data dir (an admin password and a card's initial PIN)."""
    files = {
        "demo_accounts.json": [
            {"username": "admin", "password": "Adm1n#Secret", "role": "系统管理员", "note": ""}
        ],
        "demo_cards.json": [
            {
                "card_no": "5300C000000000001",
                "kind": "法人卡",
                "holder": "张三",
                "enterprise": "示范",
                "initial_pin": "918273645546",
                "file": "legal.p12",
            }
        ],
    }
    for name, rows in files.items():
        (settings.DATA_DIR / name).write_text(json.dumps(rows))
    yield
    for name in files:
        (settings.DATA_DIR / name).unlink()


def test_landing_lists_demo_accounts_and_cards_in_demo_mode(client, demo_files, settings):
    settings.DEMO_MODE = True
    body = client.get("/").content.decode()
    assert "演示账号" in body and "<code>admin</code>" in body and "Adm1n#Secret" in body
    assert "演示IC卡" in body and "918273645546" in body
    assert "无卡用户登录" in body


def test_landing_shows_no_demo_password_outside_demo_mode(client, demo_files, settings):
    """A server where `eport demo` once ran, started without EPORT_DEMO: the files exist, nothing shows."""
    assert settings.DEMO_MODE is False  # the default
    body = client.get("/").content.decode()
    assert "Adm1n#Secret" not in body and "918273645546" not in body
    assert "演示账号" not in body and "演示IC卡" not in body and "<code>admin</code>" not in body
    assert "无卡用户登录" in body


def test_security_headers(client):
    r = client.get("/login/")
    assert "script-src 'self'" in r["Content-Security-Policy"]
    assert r["X-Frame-Options"] == "DENY"


def test_wrong_password_is_refused_with_a_message(client):
    f.cardless(username="alice")
    r = client.post("/login/", {"username": "alice", "password": "nope"})
    assert r.status_code == 401
    assert "用户名或密码不正确" in r.content.decode()


def test_initial_password_must_be_changed_first(client):
    f.staff(UserKind.REVIEWER, "aic:440300", username="rev1", must_change_password=True)
    r = client.post("/login/", {"username": "rev1", "password": f.PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/password/"
    assert client.get("/reviews/")["Location"] == "/password/"
    r = client.post(
        "/password/",
        {"old_password": f.PASSWORD, "new_password": "Changed#Pass2026", "new_password2": "Changed#Pass2026"},
    )
    assert r.status_code == 302
    assert client.get("/reviews/").status_code == 200


def test_registration_names_the_bad_field_and_saves_nothing(client):
    r = client.post(
        "/register/",
        {
            "uscc": "91440300MA5DDEM15A",
            "enterprise_name": "X",
            "contact_name": "Y",
            "phone": "13800138000",
            "email": "a@b.cn",
            "username": "newco",
            "password": "Str0ng#Pass2026",
        },
    )
    assert r.status_code == 200
    assert 'data-field="uscc"' in r.content.decode()
    from eport.accounts.models import User

    assert not User.objects.filter(username="newco").exists()


def test_new_entry_is_prefilled_from_the_registry(client):
    user = f.cardless(uscc=f.USCC_SZ)
    client.force_login(user)
    body = client.get("/entries/new/").content.decode()
    assert 'value="张伟"' in body and f'value="{f.USCC_SZ}"' in body and "readonly" in body


def test_declaring_a_new_incomplete_entry_saves_nothing(client, ent):
    data = f.entry_data(ent.enterprise.uscc, address="")
    r = client.post("/entries/new/", {**data, "action": "submit"})
    assert r.status_code == 400
    assert 'data-field="address"' in r.content.decode()
    assert not Application.objects.filter(enterprise=ent.enterprise).exists()


def test_save_draft_then_submit_and_read_only_after(client, ent):
    r = client.post("/entries/new/", {**f.entry_data(ent.enterprise.uscc), "action": "save"})
    app = Application.objects.get(enterprise=ent.enterprise)
    assert r["Location"] == f"/entries/{app.id}/edit/" and app.status == Status.DRAFT
    r = client.post(
        f"/entries/{app.id}/edit/",
        {
            **app.data,
            "version": app.version,
            "action": "upload",
            "doc_type": "business_license",
            "file": SimpleUploadedFile("a.pdf", PDF),
        },
    )
    assert r["Location"] == f"/entries/{app.id}/edit/#attachments" and app.attachments.count() == 1
    app.refresh_from_db()
    r = client.post(f"/entries/{app.id}/edit/", {**app.data, "version": app.version, "action": "submit"})
    assert r.status_code == 400 and "法人身份证件" in r.content.decode()  # still missing: refused
    # the file chosen with 申报 goes with it
    r = client.post(
        f"/entries/{app.id}/edit/",
        {
            **app.data,
            "version": app.version,
            "action": "submit",
            "doc_type": "legal_rep_id",
            "file": SimpleUploadedFile("id.pdf", PDF),
        },
    )
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and app.attachments.count() == 2
    # Read-only while in review: the edit screen sends the user to the view, which lists the steps.
    assert client.get(f"/entries/{app.id}/edit/")["Location"] == f"/applications/{app.id}/"
    body = client.get(f"/applications/{app.id}/").content.decode()
    assert "审核过程中只可以查看" in body and "深圳市市场监督管理局" in body
    assert "440300 深圳市市场监督管理局" in body  # codes shown with the names they stand for
    r = client.post(f"/applications/{app.id}/delete/", follow=True)
    assert "只可以删除状态为暂存的申请" in r.content.decode()
    assert Application.objects.filter(pk=app.id).exists()


def test_stale_form_is_refused(client, ent):
    app = f.draft_entry(ent)
    services.application_update(
        actor=ent, application_id=app.id, data={"address": "新地址"}, version=app.version
    )
    r = client.post(f"/entries/{app.id}/edit/", {**app.data, "version": app.version, "action": "save"})
    assert r.status_code == 409 and "已被修改过" in r.content.decode()


def test_other_enterprises_ids_are_not_found(client, ent):
    other = f.cardless()
    app = f.draft_entry(other, documents=False)
    att = services.attachment_add(
        actor=other,
        application_id=app.id,
        doc_type="business_license",
        upload=SimpleUploadedFile("a.pdf", PDF),
    )
    for url in (
        f"/applications/{app.id}/",
        f"/entries/{app.id}/edit/",
        f"/applications/{app.id}/attachments/{att.id}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/applications/{app.id}/delete/").status_code == 404
    assert client.post(f"/applications/{app.id}/attachments/{att.id}/delete/").status_code == 404
    assert (
        client.post(
            f"/applications/{app.id}/attachments/",
            {"doc_type": "business_license", "file": SimpleUploadedFile("b.pdf", PDF)},
        ).status_code
        == 404
    )
    assert (
        Application.objects.filter(pk=app.id, status=Status.DRAFT).exists() and app.attachments.count() == 1
    )


def test_status_query_refuses_a_reversed_date_range(client, ent):
    f.draft_entry(ent)
    r = client.get("/status/", {"submitted_from": "2030-01-02", "submitted_to": "2030-01-01"})
    assert "起始日期应早于截止日期" in r.content.decode()


def test_reviewer_screens(client):
    user = f.cardless()
    app = f.submitted_entry(user)
    step = app.steps.get(unit_id="aic:440300")
    beijing = f.staff(UserKind.REVIEWER, "aic:110000")
    client.force_login(beijing)
    assert client.get(f"/reviews/{step.id}/").status_code == 404
    province = f.staff(UserKind.REVIEWER, "aic:440000")
    client.force_login(province)
    assert "深圳市市场监督管理局" in client.get("/reviews/").content.decode()
    r = client.post(f"/reviews/{step.id}/", {"action": "approve", "opinion": "  "})
    assert r.status_code == 400 and "请填写审核意见" in r.content.decode()
    client.post(f"/reviews/{step.id}/", {"action": "return", "opinion": "执照模糊，请重新上传"})
    app.refresh_from_db()
    assert app.status == Status.RETURNED
    # The province may review the city's items but not switch the city's auto-review.
    r = client.post("/reviews/auto-review/", {"unit": "aic:440300", "enabled": "1"}, follow=True)
    assert "只能设置本单位的自动审核" in r.content.decode()
    assert not Unit.objects.get(pk="aic:440300").auto_review
    client.post("/reviews/auto-review/", {"unit": "aic:440000", "enabled": "1"})
    assert Unit.objects.get(pk="aic:440000").auto_review


def test_enterprise_user_cannot_open_review_screens(client, ent):
    assert client.get("/reviews/").status_code == 403


def test_entry_form_warns_about_a_cancelled_registry_status(client):
    user = f.cardless(uscc=f.USCC_CANCELLED)
    client.force_login(user)
    body = client.get("/entries/new/").content.decode()
    assert "注销" in body and "不能入网" in body
    r = client.post("/entries/new/", {**f.entry_data(f.USCC_CANCELLED), "action": "submit"})
    assert r.status_code == 409 and "出具正常企业证明" in r.content.decode()
    assert not Application.objects.filter(enterprise=user.enterprise).exists()


def test_admin_sees_records_but_cannot_change_applications(client):
    admin = f.staff(UserKind.ADMIN, None, is_staff=True, is_superuser=True)
    app = f.submitted_entry(f.cardless())
    client.force_login(admin)
    for url in (
        "/admin/applications/application/",
        f"/admin/applications/application/{app.id}/change/",
        "/admin/refdata/unit/?dept=tax",
        "/admin/audit/auditevent/",
        "/admin/enterprises/enterprise/",
    ):
        assert client.get(url).status_code == 200, url
    r = client.post(f"/admin/applications/application/{app.id}/delete/", {"post": "yes"})
    assert r.status_code == 403 and Application.objects.filter(pk=app.id).exists()


def test_english_is_one_switch_away(client, ent):
    f.draft_entry(ent)
    body = client.get("/entries/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Draft" in body and "暂存" not in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/status/"})
    body = client.get("/status/").content.decode()
    assert "Business status inquiry" in body and ">Search<" in body


def test_api_errors_follow_accept_language(client):
    from eport.accounts.services import token_issue

    user = f.cardless()
    headers = {"Authorization": f"Bearer {token_issue(user=user)}"}
    zh = client.get("/api/v1/applications/999999", headers=headers).json()["error"]
    en = client.get("/api/v1/applications/999999", headers={**headers, "Accept-Language": "en"}).json()[
        "error"
    ]
    assert zh["code"] == en["code"] == "application_not_found"
    assert "没有找到" in zh["message"] and en["message"].isascii()
