"""Card screens: 卡介质登录, the forced PIN change, the subsystem menu, and the RA's 制卡 / IC卡管理."""

import re

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from django.test import Client
from django.urls import reverse

from eport.cards.models import Card, CardPermission, CardState, Subsystem
from eport.pki.models import CertStatus
from tests import factories as f

pytestmark = pytest.mark.django_db

NEW_PIN = "20261124"


def post_card_login(client, made, pin=None, key=None):
    return client.post(
        "/card/login/",
        {
            "card_no": made.card.card_no,
            "pin": made.initial_pin if pin is None else pin,
            **f.card_proof(made, key),
        },
    )


def test_card_login_page_may_reach_the_agent_only(client, settings):
    settings.CARD_AGENT_URL = "http://127.0.0.1:18765"
    r = client.get("/card/login/")
    assert r.status_code == 200 and "卡介质登录" in r.content.decode()
    assert "connect-src 'self' http://127.0.0.1:18765" in r["Content-Security-Policy"]
    assert 'data-agent="http://127.0.0.1:18765"' in r.content.decode()
    assert "connect-src" not in client.get("/login/")["Content-Security-Policy"]  # other pages: 'self' only


def test_first_sign_in_sets_a_new_pin_then_shows_the_subsystems(client):
    made = f.make_card("operator")
    CardPermission.objects.create(card=made.card, subsystem=Subsystem.objects.get(code="export_receipt"))
    r = post_card_login(client, made)
    assert r.status_code == 302 and r["Location"] == "/card/pin/"
    assert client.get("/card/")["Location"] == "/card/pin/"  # nothing else before the PIN is changed
    page = client.get("/card/pin/").content.decode()
    assert "需要首先修改IC卡密码" in page
    r = client.post("/card/pin/", {"old_pin": made.initial_pin, "new_pin": "123", "new_pin2": "123"})
    assert r.status_code == 400 and "6到12位数字" in r.content.decode()
    r = client.post("/card/pin/", {"old_pin": made.initial_pin, "new_pin": NEW_PIN, "new_pin2": NEW_PIN})
    assert r.status_code == 302 and r["Location"] == "/card/"
    page = client.get("/card/").content.decode()
    enabled = re.findall(r'data-code="(\w+)" class="enabled"', page)
    disabled = re.findall(r'data-code="(\w+)" class="disabled"', page)
    assert enabled == ["export_receipt"] and len(disabled) == 6
    assert client.get("/subsystems/export_receipt/")["Location"] == "/export-receipts/"  # 出口收汇 itself
    assert client.get("/subsystems/express/").status_code == 403
    assert client.get("/").status_code == 302 and client.get("/")["Location"] == "/card/"


def test_every_subsystem_of_the_menu_opens_its_own_system(client):
    """No entry of the card's menu opens a page that only says the card may use it (issue 15): each
    subsystem redirects to its screens; one an administrator adds without a system here is a 404."""
    from eport.cards.subsystems import SUBSYSTEMS
    from eport.web.cards import SUBSYSTEM_SCREENS

    legal = f.pin_changed(f.legal_card())
    operator = f.pin_changed(f.operator_card(legal.card.enterprise))
    cards = {"legal": legal.card, "operator": operator.card}
    for code, _name, kinds, _filing in SUBSYSTEMS:
        card = cards[kinds[0]]
        CardPermission.objects.get_or_create(card=card, subsystem_id=code)
        client.force_login(card.user)
        r = client.get(f"/subsystems/{code}/")
        assert r.status_code == 302 and r["Location"] == reverse(SUBSYSTEM_SCREENS[code]), code
    Subsystem.objects.create(code="elsewhere", name="别处的子系统", card_kinds=["legal"])
    CardPermission.objects.create(card=legal.card, subsystem_id="elsewhere")
    client.force_login(legal.card.user)
    r = client.get("/subsystems/elsewhere/")
    assert r.status_code == 404 and "不在本系统中提供" in r.content.decode()


def test_wrong_pin_and_lock_on_the_screen(client, settings):
    settings.CARD_PIN_LIMIT = 2
    made = f.make_card()
    r = post_card_login(client, made, pin="00000000")
    assert r.status_code == 401 and "还可以尝试1次" in r.content.decode()
    r = post_card_login(client, made, pin="00000000")
    assert r.status_code == 403 and "卡已锁定" in r.content.decode()
    r = post_card_login(client, made, key=f.card_key(f.make_card()))
    assert r.status_code == 401 and "签名验证失败" in r.content.decode()


def test_a_frozen_card_is_signed_out_on_its_next_page(client):
    ra = f.ra_officer()
    made = f.make_card(ra=ra)
    post_card_login(client, made)
    client.post("/card/pin/", {"old_pin": made.initial_pin, "new_pin": NEW_PIN, "new_pin2": NEW_PIN})
    assert client.get("/card/").status_code == 200
    from eport.cards.actions import card_act

    card_act(actor=ra, card_no=made.card.card_no, action="freeze")
    card_act(actor=ra, card_no=made.card.card_no, action="unfreeze")  # usable again, but the session is over
    r = client.get("/card/")
    assert r.status_code == 302 and r["Location"].startswith("/card/login/")


def test_a_pin_change_ends_the_cards_other_sessions(client):
    made = f.make_card()
    other = Client()
    post_card_login(client, made)
    post_card_login(other, made)
    client.post("/card/pin/", {"old_pin": made.initial_pin, "new_pin": NEW_PIN, "new_pin2": NEW_PIN})
    assert client.get("/card/").status_code == 200  # the session that changed it stays
    assert other.get("/card/").status_code == 302


SHOWN = "已显示过，出于安全不再显示"


def test_ra_makes_a_card_and_sees_the_file_once(client):
    ra = f.ra_officer()
    client.force_login(ra)
    e = f.enterprise_in_network()
    assert client.get("/ra/cards/new/").status_code == 200
    r = client.post("/ra/cards/new/", {"kind": "legal", "enterprise_uscc": "91440300MA5DDEM99X"})
    assert r.status_code == 400 and "辖区内没有这家企业" in r.content.decode()
    # Post/redirect/get: the POST makes the card and answers 303 to a page that shows the secrets once.
    r = client.post("/ra/cards/new/", {"kind": "legal", "enterprise_uscc": e.uscc})
    assert r.status_code == 303
    shown_url = r["Location"]
    card = Card.objects.get(enterprise=e)
    r = client.get(shown_url)
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    page = r.content.decode()
    pin = re.search(r'id="initial-pin">(\d{12})<', page).group(1)
    password = re.search(r'id="card-file-password">([2-9A-Z-]{29})<', page).group(1)
    assert pin not in shown_url and password not in shown_url  # the secrets never go in an address
    assert "卡文件密码" in page and card.card_no in page and SHOWN not in page
    download = re.search(r'id="download-card"[^>]* href="([^"]+)"', page).group(1)
    r = client.get(download)
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    assert f'filename="eport-card-{card.card_no}.p12"' in r["Content-Disposition"]
    key, cert, chain = pkcs12.load_key_and_certificates(r.content, password.encode())
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(r.content, pin.encode())
    assert key is not None and len(chain) == 2
    assert client.get(download).status_code == 410  # the file goes once
    # A reload says it was shown, shows no secret and makes nothing.
    r = client.get(shown_url)
    page = r.content.decode()
    assert r.status_code == 200 and SHOWN in page and card.card_no in page
    assert pin not in page and password not in page and 'id="download-card"' not in page
    assert Card.objects.filter(enterprise=e).count() == 1
    r = client.post("/ra/cards/new/", {"kind": "legal", "enterprise_uscc": e.uscc})
    assert r.status_code == 400 and "已有未作废的法人卡" in r.content.decode()
    r = client.post("/ra/cards/new/", {"kind": "operator", "enterprise_uscc": e.uscc})
    assert r.status_code == 400 and 'data-field="operator_no"' in r.content.decode()


def test_the_made_cards_secrets_stay_in_the_session_that_made_it(client):
    ra = f.ra_officer()
    client.force_login(ra)
    e = f.enterprise_in_network()
    shown_url = client.post("/ra/cards/new/", {"kind": "legal", "enterprise_uscc": e.uscc})["Location"]
    # Another session, even the same officer's: nothing to see, nothing to download, and the page stays
    # unseen for the session that made it.
    other = Client()
    other.force_login(ra)
    r = other.get(shown_url)
    assert r.status_code == 410 and 'id="initial-pin"' not in r.content.decode()
    assert other.get(shown_url + "card-file/").status_code == 410
    page = client.get(shown_url).content.decode()
    assert 'id="initial-pin"' in page and 'id="download-card"' in page
    # Reloading before downloading drops the file too: it was offered on the page that was shown.
    assert SHOWN in client.get(shown_url).content.decode()
    assert client.get(shown_url + "card-file/").status_code == 410


def test_ra_card_list_detail_and_actions(client):
    ra = f.ra_officer()
    client.force_login(ra)
    e = f.enterprise_in_network(name="卡片管理测试有限公司")
    made = f.make_card("legal", e, ra=ra)
    no = made.card.card_no
    page = client.get("/cards/", {"uscc": e.uscc}).content.decode()
    assert f'data-card="{no}"' in page
    assert (
        f'data-card="{no}"' not in client.get("/cards/", {"state": "lost", "uscc": e.uscc}).content.decode()
    )
    page = client.get(f"/cards/{no}/").content.decode()
    assert 'id="act-report-lost"' in page and 'id="act-cancel-lost"' not in page and 'id="act-void"' in page
    r = client.post(f"/cards/{no}/report-lost/")
    assert r.status_code == 302
    page = client.get(f"/cards/{no}/").content.decode()
    assert "挂失成功" in page and 'id="card-state">挂失<' in page and 'id="act-cancel-lost"' in page
    assert Card.objects.get(card_no=no).certificate.status == CertStatus.HOLD
    client.post(f"/cards/{no}/report-lost/")  # twice: refused with a message, nothing changes
    assert "卡已挂失" in client.get(f"/cards/{no}/").content.decode()
    client.post(f"/cards/{no}/void/", {"reason": "key_compromise"})
    card = Card.objects.get(card_no=no)
    assert card.state == CardState.VOIDED and card.certificate.reason == "key_compromise"
    assert 'id="act-' not in client.get(f"/cards/{no}/").content.decode()
    assert client.get(f"/cards/{no}/renew/").status_code == 200


def test_ra_screens_are_scoped(client):
    made = f.make_card()
    client.force_login(f.ra_officer("ra:0100"))
    no = made.card.card_no
    assert client.get(f"/cards/{no}/").status_code == 404
    assert client.post(f"/cards/{no}/freeze/").status_code == 404
    assert client.get(f"/cards/{no}/renew/").status_code == 404
    assert no not in client.get("/cards/").content.decode()
    assert Card.objects.get(card_no=no).state == CardState.NORMAL
    client.force_login(f.cardless())
    assert client.get("/cards/").status_code == 403
    assert (
        client.post(
            "/ra/cards/new/", {"kind": "legal", "enterprise_uscc": made.card.enterprise.uscc}
        ).status_code
        == 403
    )
    assert client.get("/card/").status_code == 403


def test_ra_renews_with_the_card_present(client):
    ra = f.ra_officer()
    client.force_login(ra)
    made = f.make_card(ra=ra)
    no = made.card.card_no
    assert 'id="act-renew"' not in client.get(f"/cards/{no}/").content.decode()  # two years left
    proof = f.renewal(made)
    old_to = made.card.valid_to
    assert 'id="act-renew"' in client.get(f"/cards/{no}/").content.decode()
    r = client.get(f"/cards/{no}/renew/")
    page = r.content.decode()
    assert f'data-expect-card="{no}"' in page and 'data-purpose="renew"' in page
    assert "connect-src" in r["Content-Security-Policy"]
    client.post(f"/cards/{no}/renew/", {"challenge_id": "x", "signature": "y"})
    assert Card.objects.get(card_no=no).valid_to == old_to
    r = client.post(f"/cards/{no}/renew/", proof)
    assert r.status_code == 302 and Card.objects.get(card_no=no).valid_to > old_to


def test_ra_unlock_shows_the_new_pin_once(client, settings):
    settings.CARD_PIN_LIMIT = 1
    ra = f.ra_officer()
    client.force_login(ra)
    made = f.make_card(ra=ra)
    no = made.card.card_no
    post_card_login(Client(), made, pin="00000000")  # locks (limit 1)
    assert 'id="act-unlock"' in client.get(f"/cards/{no}/").content.decode()
    r = client.post(f"/cards/{no}/unlock/")
    assert r.status_code == 303
    shown_url = r["Location"]
    other = Client()
    other.force_login(ra)
    assert 'id="issued-pin"' not in other.get(shown_url).content.decode()  # another session: nothing
    r = client.get(shown_url)
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    pin = re.search(r'id="issued-pin">(\d+)<', r.content.decode()).group(1)
    assert pin not in shown_url
    page = client.get(shown_url).content.decode()  # a reload: said, not shown, nothing unlocked again
    assert 'id="issued-pin"' not in page and pin not in page and SHOWN in page
    assert 'id="issued-pin"' not in client.get(f"/cards/{no}/").content.decode()
    assert post_card_login(Client(), made, pin=pin)["Location"] == "/card/pin/"


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        ({}, "http://127.0.0.1:8765"),
        ({"EPORT_AGENT_PORT": "18766"}, "http://127.0.0.1:18766"),  # the port scripts/run starts it on
        ({"EPORT_CARD_AGENT_URL": "http://localhost:18767/"}, "http://localhost:18767"),  # the old setting
        (
            {"EPORT_AGENT_PORT": "18766", "EPORT_CARD_AGENT_URL": "http://127.0.0.1:18766"},
            "http://127.0.0.1:18766",
        ),
    ],
)
def test_one_setting_says_where_the_card_agent_listens(environ, url):
    from eport.settings import card_agent_url

    assert card_agent_url(environ) == url


@pytest.mark.parametrize(
    "environ",
    [
        {"EPORT_AGENT_PORT": "18766", "EPORT_CARD_AGENT_URL": "http://127.0.0.1:8765"},  # they disagree
        {"EPORT_AGENT_PORT": "eighty"},
        {"EPORT_AGENT_PORT": "70000"},
        {"EPORT_CARD_AGENT_URL": "127.0.0.1:8765"},
        {"EPORT_CARD_AGENT_URL": "http://localhost"},
    ],
)
def test_a_card_agent_setting_that_cannot_work_stops_the_start(environ):
    from django.core.exceptions import ImproperlyConfigured

    from eport.settings import card_agent_url

    with pytest.raises(ImproperlyConfigured, match="EPORT_"):
        card_agent_url(environ)


@pytest.mark.parametrize(
    ("lang", "text"), [("zh-hans", "已尝试 http://127.0.0.1:18765"), ("en", "tried http://127.0.0.1:18765")]
)
def test_the_no_agent_message_names_the_address_and_port_tried(client, settings, lang, text):
    settings.CARD_AGENT_URL = "http://127.0.0.1:18765"
    body = client.get("/card/login/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert text in body and "--port 18765" in body
    assert 'id="btn-card-login" disabled aria-disabled="true"' in body
