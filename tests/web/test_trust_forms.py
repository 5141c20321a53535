"""Issue 13, screens a clerk can trust: a phone rule that does what its message says, a look-up hint in
words, confirmation fields and visible rules on the password and PIN pages, and a word on why a card
holder with an initial PIN is sent back to the PIN page."""

import re

import pytest

from eport.accounts.models import UserKind
from eport.ops import demo
from eport.validators import validate_phone
from tests import factories as f

pytestmark = pytest.mark.django_db

PHONE_MESSAGE = "联系电话格式不正确（手机号11位，或固定电话如 010-12345678）。"
NEW_PIN = "20261124"
NEW_PASSWORD = "Changed#Pass2026"


def post_card_login(client, made):
    return client.post(
        "/card/login/", {"card_no": made.card.card_no, "pin": made.initial_pin, **f.card_proof(made)}
    )


def field_error(page: str, field: str) -> str:
    m = re.search(rf'<span class="field-error" data-field="{field}"[^>]*>([^<]*)</span>', page)
    return m.group(1) if m else ""


def summary_links(page: str) -> list[str]:
    box = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', page, re.S)
    return re.findall(r'<a href="#(id_\w+)">', box.group(1)) if box else []


# --- 1. the phone rule and the look-up hint --------------------------------------------------------------


def test_registration_refuses_a_landline_without_area_code_with_the_message(client):
    r = client.post(
        "/register/",
        {
            "uscc": f.USCC_SZ,
            "enterprise_name": "深圳市前海示范贸易有限公司",
            "contact_name": "张三",
            "phone": "8600123",
            "email": "a@b.cn",
            "username": "newco",
            "password": "Str0ng#Pass2026",
        },
    )
    assert r.status_code == 200
    assert field_error(r.content.decode(), "phone") == PHONE_MESSAGE


def test_entry_form_refuses_a_landline_without_area_code_beside_the_field(client):
    user = f.cardless()
    client.force_login(user)
    r = client.post(
        "/entries/new/", {**f.entry_data(user.enterprise.uscc, phone="86001234"), "action": "save"}
    )
    assert r.status_code == 400
    assert PHONE_MESSAGE in r.content.decode()


def test_factories_and_demo_phones_pass_the_rule():
    phones = [f.entry_data(f.USCC_SZ)["phone"], f.op_data()["phone"]]
    source = open(demo.__file__, encoding="utf-8").read()
    phones += re.findall(r'"phone": "([^"]+)"', source)
    assert len(phones) >= 4
    for phone in phones:
        assert validate_phone(phone) == phone


def test_lookup_fields_say_the_minimum_in_words(client):
    client.force_login(f.cardless())
    page = client.get("/entries/new/").content.decode()
    assert re.search(r'id="id_aic_unit"[^>]*data-min="2"', page) or re.search(
        r'data-min="2"[^>]*id="id_aic_unit"', page
    )
    assert 'data-min-hint="至少输入2位代码"' in page
    assert 'data-min-hint="至少输入4位代码"' in page  # 税务 keeps its own minimum
    assert "≥" not in page


# --- 3. the forced PIN change says why it sends the holder back ------------------------------------------


def test_a_menu_click_before_the_forced_pin_change_says_why(client):
    made = f.make_card("operator")
    assert post_card_login(client, made)["Location"] == "/card/pin/"
    assert (
        "请先修改初始IC卡密码" not in client.get("/card/pin/").content.decode()
    )  # landing there is no bounce
    r = client.get("/card/", follow=True)
    assert r.redirect_chain == [("/card/pin/", 302)]
    assert "请先修改初始IC卡密码，才能使用其他功能。" in r.content.decode()


def test_a_staff_forced_password_change_is_unaffected(client):
    f.staff(UserKind.REVIEWER, "aic:440300", username="rev1", must_change_password=True)
    client.post("/login/", {"username": "rev1", "password": f.PASSWORD})
    assert client.get("/reviews/")["Location"] == "/password/"
