"""The language menu and Django's own messages follow the chosen language (issue 13, Language)."""

import re

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import translation

pytestmark = pytest.mark.django_db

SHORT = {
    "uscc": "91440300MA5DDEM15A",
    "enterprise_name": "X",
    "contact_name": "Y",
    "phone": "13800138000",
    "email": "a@b.cn",
    "username": "newco",
    "password": "Ab1#x",
}


def _options(body: str) -> list[str]:
    menu = re.search(r'<select name="language".*?</select>', body, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", menu)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_language_menu_names_each_language_in_its_own_name(client, lang):
    body = client.get("/login/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert _options(body) == ["简体中文", "English"]


def test_a_short_password_is_refused_in_chinese_in_the_chinese_ui(client):
    body = client.post("/register/", SHORT, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "密码长度太短" in body and "too short" not in body


def test_a_short_password_is_refused_in_english_in_the_english_ui(client):
    body = client.post("/register/", SHORT, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This password is too short. It must contain at least 8 characters." in body


@pytest.mark.parametrize("password", ["Ab1#x", "12345678", "password", "newco2026"])
def test_every_password_rule_speaks_chinese(password):
    from eport.accounts.models import User

    with translation.override("zh-hans"), pytest.raises(ValidationError) as e:
        password_validation.validate_password(password, User(username="newco2026"))
    for message in e.value.messages:
        assert not message.isascii(), message
