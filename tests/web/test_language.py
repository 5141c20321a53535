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


# --- Everything the system writes follows the reader's language (issue 13, Language) -------------------


def test_a_system_opinion_is_stored_once_and_read_in_each_readers_language(client):
    """An opinion the system wrote (an auto-approval) is kept in the source language whatever the language of
    whoever triggered it, and each reader sees it in their own."""
    from eport.applications.models import Application
    from tests import factories as f
    from tests.api.helpers import Api, created

    user = f.cardless()
    f.draft_entry(user)
    api = Api(user)
    draft = created(api, "commerce_filing", authority="440300")
    app = api.post(f"/applications/{draft['id']}/submit", headers={"Accept-Language": "en"}).json()
    assert app["status"] == "APPROVED"
    step = Application.objects.get(pk=app["id"]).steps.get()
    assert step.opinion == "商务部备案自动审核通过"  # stored in the source language, not the submitter's
    f.as_user(client, user)
    zh = client.get(f"/applications/{app['id']}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = client.get(f"/applications/{app['id']}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "商务部备案自动审核通过" in zh
    assert "商务部备案自动审核通过" not in en and "Commerce filing approved automatically" in en
    api_en = Api(user).get(f"/applications/{app['id']}", headers={"Accept-Language": "en"}).json()
    assert api_en["steps"][0]["opinion"] == "Commerce filing approved automatically"


def test_the_card_filing_opinion_names_its_filing_in_each_language():
    from django.utils import translation

    from eport.filings.kinds import card_filing_opinion

    with translation.override("en"):
        assert "customs" in str(card_filing_opinion("customs")).lower()
    with translation.override("zh-hans"):
        assert str(card_filing_opinion("forex")) == "企业已外汇备案，IC卡备案自动审核通过"


def test_subsystem_names_are_translated_where_they_are_shown():
    from django.utils import translation

    from eport.cards.models import Subsystem

    s = Subsystem.objects.get(code="paperless_signing")
    with translation.override("en"):
        assert s.label == "Paperless clearance: online agreement signing" and str(s) == s.label
    with translation.override("zh-hans"):
        assert s.label == s.name == "通关无纸化网上签约"
    # a subsystem an administrator adds keeps the name it was given
    assert Subsystem(code="x", name="新子系统").label == "新子系统"


def test_the_admin_names_its_sections_in_english(admin_client):
    body = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    han = set(re.findall(r">([^<>]*[\u4e00-\u9fff][^<>]*)<", body))
    assert not han, han


def test_the_demo_accounts_roles_follow_the_language(client, settings, tmp_path):
    import json

    (settings.DATA_DIR / "demo_accounts.json").write_text(
        json.dumps([{"username": "demo", "password": "x", "role": "cardless", "note": "n"}])
    )
    settings.DEMO_MODE = True
    try:
        en = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        zh = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    finally:
        (settings.DATA_DIR / "demo_accounts.json").unlink()

    def roles(body):
        table = re.search(r'<table class="grid" id="demo-accounts">.*?</table>', body, re.S).group(0)
        return re.findall(r"<td>([^<]*)</td><td>n</td>", table)

    assert roles(en) == ["Card-less user"]
    assert roles(zh) == ["无卡用户"]
