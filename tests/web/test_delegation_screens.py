"""代理报关委托 screens: 通用条款 (不同意 stops), 选择报关企业, the form, the page on which the card signs the
委托书, 委托接收 (接受, 拒绝 with a reason), 撤销, the signed PDF, the list's export; scoped like the API."""

import re

import pytest
from django.urls import reverse

from eport.cards.models import CardPermission
from eport.delegations.models import Delegation
from tests import factories as f
from tests.delegations.helpers import body, broker, card_sign, consignor
from tests.pdf_checks import pyhanko_status

pytestmark = pytest.mark.django_db


def html(r) -> str:
    return r.content.decode()


@pytest.fixture
def c_client(client):
    made, _api = consignor()
    client.force_login(made.card.user)
    client.made = made
    return client


def test_terms_then_broker_then_form_then_the_card_signs(c_client):
    b, b_made, _ = broker()
    new = reverse("web:delegation_new")
    r = c_client.get(new)
    assert "委托报关协议通用条款" in html(r) and 'id="btn-disagree"' in html(r)
    r = c_client.post(new, {"terms": "disagree"}, follow=True)
    assert "未同意委托报关协议通用条款" in html(r) and not Delegation.objects.exists()
    r = c_client.post(new, {"terms": "agree"})
    assert 'id="broker-query"' in html(r) and 'id="delegation-form"' not in html(r)
    r = c_client.post(new, {"accept_terms": "on", "q": "报关行", "action": "find"})
    assert f'id="pick-{b.customs_code}"' in html(r)
    r = c_client.post(new, {"accept_terms": "on", "broker": b.customs_code, "action": "pick"})
    assert 'id="broker-record"' in html(r) and 'id="delegation-form"' in html(r)
    assert 'type="date"' in html(r)
    # a refused form: the field is named beside it and in the summary
    r = c_client.post(new, {**body(b.customs_code, goods=""), "accept_terms": "on", "action": "sign"})
    assert r.status_code == 400 and 'id="error_goods"' in html(r) and "error-summary" in html(r)
    r = c_client.post(new, {**body(b.customs_code), "accept_terms": "on", "action": "sign"})
    page = html(r)
    assert r.status_code == 200 and 'id="document-sign-form"' in page and "代理报关委托书" in page
    assert c_client.made.card.card_no in page  # the card expected in the agent
    sign_id = re.search(r'name="sign_id" value="([^"]+)"', page).group(1)
    to_sign = re.search(r'data-signed-attrs="([^"]+)"', page).group(1)
    r = c_client.post(
        reverse("web:delegation_sign"),
        {"sign_id": sign_id, "signature": card_sign(c_client.made, to_sign)},
        follow=True,
    )
    d = Delegation.objects.get()
    assert "已签名并发送" in html(r) and f"{d.pk}" in html(r) and 'id="delegation-state"' in html(r)
    pdf = c_client.get(reverse("web:delegation_pdf", args=[d.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pyhanko_status(pdf.content).intact


def test_the_broker_accepts_or_rejects_and_either_side_revokes(client):
    b, b_made, _ = broker()
    made, api = consignor()
    r = api.post("/paperless/delegations", body())
    prep = r.json()
    d = api.post(
        "/paperless/delegations/sign",
        {"sign_id": prep["sign_id"], "signature": card_sign(made, prep["to_sign"])},
    ).json()
    client.force_login(b_made.card.user)
    r = client.get(reverse("web:delegations") + "?role=received")
    assert f'data-delegation="{d["id"]}"' in html(r) and "接受/拒绝" in html(r)
    r = client.post(reverse("web:delegation_act", args=[d["id"], "reject"]), {"reason": ""}, follow=True)
    assert "请填写拒绝原因" in html(r)
    r = client.post(reverse("web:delegation_act", args=[d["id"], "accept"]), follow=True)
    assert "已接受委托" in html(r) and "已接受" in html(r)
    r = client.post(
        reverse("web:delegation_act", args=[d["id"], "revoke"]), {"reason": "业务结束"}, follow=True
    )
    assert "已撤销委托" in html(r) and "报关企业撤销" in html(r)
    x = client.get(reverse("web:delegations") + "?role=received&export=xlsx")
    assert x["Content-Type"].startswith("application/vnd.openxml")


def test_without_an_agreement_the_screen_sends_to_signing(client):
    legal = f.legal_card()
    op = f.operator_card(legal.card.enterprise)
    CardPermission.objects.create(card=op.card, subsystem_id="paperless_delegation")
    client.force_login(op.card.user)
    r = client.get(reverse("web:delegation_new"))
    assert r.status_code == 409 and 'id="to-signing"' in html(r)


def test_strangers_and_cards_without_the_subsystem(client):
    b, b_made, _ = broker()
    made, api = consignor()
    prep = api.post("/paperless/delegations", body()).json()
    d = api.post(
        "/paperless/delegations/sign",
        {"sign_id": prep["sign_id"], "signature": card_sign(made, prep["to_sign"])},
    ).json()
    stranger, _ = consignor()
    client.force_login(stranger.card.user)
    for name in ("web:delegation", "web:delegation_pdf"):
        assert client.get(reverse(name, args=[d["id"]])).status_code == 404
    assert client.post(reverse("web:delegation_act", args=[d["id"], "revoke"])).status_code == 404
    plain = f.operator_card(b.enterprise, name="报关员丙")
    client.force_login(plain.card.user)
    assert client.get(reverse("web:delegations")).status_code == 403
    assert client.get(reverse("web:subsystem", args=["paperless_delegation"])).status_code == 403
    client.force_login(b_made.card.user)
    r = client.get(reverse("web:subsystem", args=["paperless_delegation"]))
    assert r.status_code == 302 and r["Location"] == reverse("web:delegations")
