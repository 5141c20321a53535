"""加贸权限管理 screens: the tabs, 新增 with the grantee's name shown after its code, a refusal beside its
field and in the summary, 修改, 删除 after a confirmation, 已获授权, 导出Excel; scoped like the API."""

import pytest
from django.urls import reverse

from eport.processing.models import Grant
from tests import factories as f
from tests.processing.helpers import body, grant_subsystem, grantee, grantor

pytestmark = pytest.mark.django_db

LIST = "web:processing_grants"


def html(r) -> str:
    return r.content.decode()


@pytest.fixture
def legal_client(client):
    legal, _api = grantor()
    client.force_login(legal.card.user)
    client.made = legal
    return client


def test_the_card_menu_entry_opens_the_list(legal_client):
    r = legal_client.get(reverse("web:subsystem", args=["processing_trade"]))
    assert r.status_code == 302 and r["Location"] == reverse(LIST)
    r = legal_client.get(reverse(LIST))
    page = html(r)
    for tab in ("tab-manual", "tab-account_book", "tab-paperless_manual", "tab-received"):
        assert f'id="{tab}"' in page
    assert "企业内手册授权" in page and 'id="btn-new-grant"' in page and "111" in page


def test_add_refused_then_added_changed_and_deleted(legal_client):
    grantee()
    new = reverse("web:processing_grant_new") + "?tab=account_book"
    r = legal_client.get(new)
    assert (
        r.status_code == 200 and 'id="grant-form"' in html(r) and 'value="account_book" selected' in html(r)
    )
    r = legal_client.post(new, body(book_type="account_book", grantee_customs_code="9999999999"))
    page = html(r)
    assert r.status_code == 404 and 'id="error_grantee_customs_code"' in page and "error-summary" in page
    assert "9999999999" in page  # what was typed is kept
    r = legal_client.post(new, body(book_type="account_book", rights="000"))
    assert r.status_code == 400 and 'id="error_rights"' in html(r)
    r = legal_client.post(new, body(book_type="account_book"), follow=True)
    g = Grant.objects.get()
    assert "已授权 东莞代理报关有限公司" in html(r) and f'data-grant="{g.pk}"' in html(r)
    edit = reverse("web:processing_grant_edit", args=[g.pk])
    r = legal_client.get(edit)
    assert "东莞代理报关有限公司" in html(r)  # the name after the code
    r = legal_client.post(edit, {**body(book_type="account_book"), "rights": "111"}, follow=True)
    assert "授权已修改" in html(r)
    g.refresh_from_db()
    assert g.rights == "111"
    delete = reverse("web:processing_grant_delete", args=[g.pk])
    r = legal_client.get(delete)
    assert 'id="btn-confirm-delete"' in html(r) and Grant.objects.exists()
    r = legal_client.post(delete, follow=True)
    assert "授权已删除" in html(r) and not Grant.objects.exists()


def test_export_and_the_query(legal_client):
    grantee()
    legal_client.post(reverse("web:processing_grant_new"), body(internal_no="A-1"))
    legal_client.post(reverse("web:processing_grant_new"), body(internal_no="B-2"))
    r = legal_client.get(reverse(LIST), {"tab": "manual", "internal_no": "B-"})
    assert html(r).count("data-grant=") == 1
    r = legal_client.get(reverse(LIST), {"tab": "manual", "export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")


def test_the_grantee_reads_received_and_others_get_404(client):
    legal, api = grantor()
    e, g_legal, _ = grantee()
    api.post("/processing-trade/grants", body())
    g = Grant.objects.get()
    client.force_login(g_legal.card.user)
    r = client.get(reverse(LIST), {"tab": "received"})
    assert f'data-grant="{g.pk}"' in html(r) and "深圳加工贸易有限公司" in html(r)
    assert 'id="edit-' not in html(r)
    assert client.get(reverse("web:processing_grant_edit", args=[g.pk])).status_code == 404
    assert client.post(reverse("web:processing_grant_delete", args=[g.pk])).status_code == 404
    assert Grant.objects.exists()


def test_an_operator_card_reads_but_cannot_add_and_a_card_without_the_subsystem_is_refused(client):
    legal, _ = grantor()
    op = grant_subsystem(f.operator_card(legal.card.enterprise))
    client.force_login(op.card.user)
    r = client.get(reverse(LIST))
    assert r.status_code == 200 and 'id="btn-new-grant"' not in html(r)
    assert client.get(reverse("web:processing_grant_new")).status_code == 403
    bare = f.operator_card(legal.card.enterprise, name="王五")
    client.force_login(bare.card.user)
    assert client.get(reverse(LIST)).status_code == 403
