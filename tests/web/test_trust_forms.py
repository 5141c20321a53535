"""Issue 13, screens a clerk can trust: a phone rule that does what its message says, a look-up hint in
words, confirmation fields and visible rules on the password and PIN pages, and a word on why a card
holder with an initial PIN is sent back to the PIN page."""

import re

import pytest

from eport.accounts.models import UserKind
from eport.cards.pins import MAX_LEN, MIN_LEN
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


# --- 2. confirmation fields and the rules beside them ----------------------------------------------------


def test_password_page_shows_the_rules_and_a_confirmation_field(client):
    client.force_login(f.cardless())
    page = client.get("/password/").content.decode()
    assert 'name="new_password2"' in page and "确认新密码" in page
    assert "密码必须包含至少 8 个字符" in page.replace("&nbsp;", " ") or "至少 8 个字符" in page
    assert "This password" not in page and "Your password" not in page  # translated


def test_password_confirmation_must_match_beside_the_field_and_in_the_summary(client):
    user = f.cardless()
    client.force_login(user)
    r = client.post(
        "/password/",
        {"old_password": f.PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"},
    )
    page = r.content.decode()
    assert r.status_code == 400
    assert field_error(page, "new_password2") == "两次输入的新密码不一致。"
    assert summary_links(page) == ["id_new_password2"]
    assert 'aria-describedby="' in page
    user.refresh_from_db()
    assert user.check_password(f.PASSWORD)  # nothing changed
    r = client.post(
        "/password/",
        {"old_password": f.PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_service_refusals_are_in_the_summary_too(client):
    client.force_login(f.cardless())
    r = client.post(
        "/password/",
        {"old_password": "Wrong#Pass2026", "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    page = r.content.decode()
    assert field_error(page, "old_password") == "原密码不正确。"
    assert summary_links(page) == ["id_old_password"]


def test_pin_page_shows_the_rules_and_a_confirmation_field(client):
    made = f.make_card()
    post_card_login(client, made)
    page = client.get("/card/pin/").content.decode()
    assert 'name="new_pin2"' in page and "确认新IC卡密码" in page
    assert f"{MIN_LEN}到{MAX_LEN}位数字" in page
    assert "不能全部相同或连续" in page


def test_pin_confirmation_must_match(client):
    made = f.make_card()
    post_card_login(client, made)
    r = client.post("/card/pin/", {"old_pin": made.initial_pin, "new_pin": NEW_PIN, "new_pin2": "20261125"})
    page = r.content.decode()
    assert r.status_code == 400
    assert field_error(page, "new_pin2") == "两次输入的新IC卡密码不一致。"
    assert summary_links(page) == ["id_new_pin2"]
    made.card.refresh_from_db()
    assert made.card.must_change_pin  # nothing changed
    r = client.post("/card/pin/", {"old_pin": made.initial_pin, "new_pin": NEW_PIN, "new_pin2": NEW_PIN})
    assert r.status_code == 302 and r["Location"] == "/card/"


def test_pin_rule_refusals_are_beside_the_field_and_in_the_summary(client):
    made = f.make_card()
    post_card_login(client, made)
    r = client.post("/card/pin/", {"old_pin": made.initial_pin, "new_pin": "123456", "new_pin2": "123456"})
    page = r.content.decode()
    assert r.status_code == 400 and "过于简单" in field_error(page, "new_pin")
    assert summary_links(page) == ["id_new_pin"]


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
