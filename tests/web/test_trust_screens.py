"""Trust screens (SPEC §8) through Django's test client: the account page, the confirmation link's page,
the legal card's 无卡用户账号管理 and notices, and the demo licence app."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail

from eport.accounts.models import User
from eport.accounts.services import email_confirmation_token
from eport.applications.models import Application
from eport.registry.licence import demo_issuer_ensure
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(client):
    ra = f.ra_officer()
    legal = f.legal_card(f.enterprise_in_network(name="深圳信任测试有限公司"), ra=ra).card
    return {"e": legal.enterprise, "ra": ra, "legal": legal}


def test_an_unverified_account_is_sent_to_its_account_page(client, ctx):
    stranger = f.cardless(uscc=ctx["e"].uscc, verified=False)
    c = f.as_user(client, stranger)
    for path in (
        "/",
        "/entries/",
        "/operators/",
        "/reissue/",
        "/filings/commerce/",
        "/status/",
        "/operators/new/",
    ):
        r = c.get(path)
        assert r.status_code == 302 and r["Location"] == "/account/", path
    page = c.get("/account/").content.decode()
    assert 'id="account-unverified"' in page and "无卡用户账号管理" in page
    assert ctx["e"].legal_rep_id_no not in page
    r = c.post("/reissue/", {"reason": "lost", "action": "save"})
    assert r["Location"] == "/account/" and not Application.objects.filter(kind="legal_card_reissue").exists()


def test_the_confirmation_link_page_confirms_only_on_its_button(client):
    user = f.cardless()
    User.objects.filter(pk=user.pk).update(email_confirmed_at=None, email="me@example.com")
    user.refresh_from_db()
    token = email_confirmation_token(user)
    assert client.get(f"/accounts/confirm-email/{token}/").status_code == 200  # a mail scanner's GET
    user.refresh_from_db()
    assert not user.email_confirmed
    r = client.post(f"/accounts/confirm-email/{token}/")
    assert r.status_code == 302 and r["Location"] == "/login/"
    user.refresh_from_db()
    assert user.email_confirmed
    bad = client.post("/accounts/confirm-email/Zm9v.bad-token/")
    assert bad.status_code == 400 and "确认链接无效或已过期" in bad.content.decode()


def test_an_unconfirmed_account_sees_why_it_cannot_file(client):
    user = f.cardless()
    User.objects.filter(pk=user.pk).update(email_confirmed_at=None, email="me@example.com")
    c = f.as_user(client, User.objects.get(pk=user.pk))
    page = c.get("/entries/").content.decode()
    assert 'id="trust-notice"' in page and 'id="btn-new"' not in page and "确认电子邮箱" in page
    r = c.post("/entries/new/", {**f.entry_data(user.enterprise.uscc), "action": "save"})
    assert r.status_code == 403 and "确认电子邮箱" in r.content.decode()
    assert not Application.objects.exists()
    mail.outbox.clear()
    page = c.get("/account/").content.decode()
    assert 'id="btn-resend"' in page


def test_the_legal_card_sees_and_decides(client, ctx, django_capture_on_commit_callbacks):
    a = f.cardless(uscc=ctx["e"].uscc, verified=False, username="colleague")
    b = f.cardless(uscc=ctx["e"].uscc, verified=False, username="stranger")
    c = f.as_user(client, ctx["legal"].user)
    home = c.get("/card/").content.decode()
    assert 'id="notice-accounts"' in home and "有2个无卡用户账号" in home
    assert "无卡用户账号管理" in home  # in the menu
    page = c.get("/enterprise/accounts/?state=pending").content.decode()
    assert 'id="approve-colleague"' in page and 'id="refuse-stranger"' in page
    r = c.post(f"/enterprise/accounts/{a.id}/approve/", {"state": "pending"})
    assert r.status_code == 302 and r["Location"] == "/enterprise/accounts/?state=pending"
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.is_verified and b.closed_at is not None
    r = c.post(f"/enterprise/accounts/{b.id}/approve/", follow=True)  # closed already: refused with a message
    assert "只有待确认的账号可以确认" in r.content.decode()
    # Another enterprise's account id: not found.
    other = f.cardless(verified=False)
    assert c.post(f"/enterprise/accounts/{other.id}/approve/").status_code == 404
    assert c.post(f"/enterprise/accounts/{a.id}/nonsense/").status_code == 404
    # Not for anyone else.
    assert f.as_user(type(client)(), a).get("/enterprise/accounts/").status_code == 403
    assert (
        f.as_user(type(client)(), ctx["ra"]).post(f"/enterprise/accounts/{a.id}/refuse/").status_code == 403
    )


def test_a_reissue_filed_in_the_enterprise_s_name_shows_on_the_legal_card(client, ctx):
    owner = f.cardless(uscc=ctx["e"].uscc)
    from eport.applications import services

    app = services.application_create(actor=owner, kind="legal_card_reissue", data={"reason": "lost"})
    f.attach(owner, app, *f.REISSUE_DOCUMENTS)
    services.application_submit(actor=owner, application_id=app.id)
    home = f.as_user(client, ctx["legal"].user).get("/card/").content.decode()
    assert 'id="notice-reissue"' in home and app.number in home and owner.username in home


def test_the_demo_licence_app_exists_only_in_demo_mode(client, settings):
    settings.DEMO_MODE = False
    assert client.get("/demo/licence/").status_code == 404
    user = f.cardless(uscc=f.USCC_SZ, verified=False)
    c = f.as_user(client, user)
    assert 'id="btn-licence"' not in c.get("/account/").content.decode()  # no issuer configured


def test_the_demo_licence_app_verifies_an_account(client, settings):
    settings.DEMO_MODE = True
    settings.LICENCE_ISSUER_CERT = ""
    demo_issuer_ensure()
    e = f.enterprise_in_network(uscc=f.USCC_SZ, name="深圳市前海示范贸易有限公司")
    user = f.cardless(uscc=e.uscc, verified=False)
    c = f.as_user(client, user)
    assert 'id="btn-licence"' in c.get("/account/").content.decode()
    r = c.post("/account/licence/")
    assert r.status_code == 302 and r["Location"].startswith("/demo/licence/?")
    page = c.get(r["Location"]).content.decode()
    assert "深圳市前海示范贸易有限公司" in page and 'id="btn-authorise"' in page
    back = c.post(r["Location"])
    assert back.status_code == 302 and urlsplit(back["Location"]).path == "/account/licence/callback/"
    done = c.get(back["Location"], follow=True).content.decode()
    assert "电子营业执照认证通过" in done
    user.refresh_from_db()
    assert user.is_verified and user.verified_by == "licence"
    # The app never sends an assertion elsewhere, and a planted callback proves nothing.
    query = parse_qs(urlsplit(r["Location"]).query)
    evil = c.post(
        "/demo/licence/?"
        + "&".join(f"{k}={v[0]}" for k, v in query.items() if k != "return_to")
        + "&return_to=https://evil.example/steal"
    )
    assert evil["Location"].startswith("/account/licence/callback/")
    other = f.cardless(uscc=f.new_uscc(), verified=False)
    r = f.as_user(type(client)(), other).get(back["Location"], follow=True)
    assert "不是为本账号发起的" in r.content.decode() or "统一社会信用代码" in r.content.decode()
    other.refresh_from_db()
    assert not other.is_verified
