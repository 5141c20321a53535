"""在线帮助: the manual is public, every page's header links to the section that explains it, and the
chapters say the same in both languages (the same sections, naming the same screens)."""

import re

import pytest
from django.urls import get_resolver

from eport.web import manual
from tests import factories as f

pytestmark = pytest.mark.django_db

# What a person never reads as a page of its own: actions answered by a redirect, files, print views.
NOT_SCREENS = {
    "logout",
    "email_resend",
    "licence_start",
    "licence_callback",
    "confirm_email",
    "enterprise_account_act",
    "demo_licence",
    "application_print",
    "application_delete",
    "attachment_upload",
    "attachment_download",
    "export_file",
    "attachment_delete",
    "operator_delete",
    "subsystem",
    "card_print",
    "card_act",
    "card_unlocked",
    "ra_card_file",
    "agreement_sign",
    "agreement_terminate",
    "delegation_sign",
    "agreement_application_pdf",
    "agreement_pdf",
    "delegation_pdf",
    "delegation_act",
    "declaration_upload",
    "declaration_declare",
    "declaration_reupload_request",
    "declaration_document",
    "customs_registration_annual_report",
    "express_category",
    "express_pdf",
    "express_release",
    "express_return",
    "express_template",
    "help",
    "help_topic",
}


def web_url_names() -> set[str]:
    _ns, resolver = get_resolver().namespace_dict["web"]
    return {p.name for p in resolver.url_patterns if getattr(p, "name", None)}


def test_every_screen_has_its_section_in_both_languages():
    names = web_url_names()
    index = manual.screen_index()
    missing = sorted(names - NOT_SCREENS - set(index))
    assert not missing, f"screens without a section of the manual: {missing}"
    # a section's own id may be a plain anchor; what it names in data-screens must be a screen
    named = {s for t in manual.topics() for sec in manual.sections("zh-hans", t) for s in sec["screens"]}
    assert not (named - names), f"data-screens naming no screen: {sorted(named - names)}"
    for topic in manual.topics():
        zh, en = manual.sections("zh-hans", topic), manual.sections("en", topic)
        assert [(s["id"], s["screens"]) for s in zh] == [(s["id"], s["screens"]) for s in en], topic
        assert all(s["title"] for s in zh + en), topic


def test_the_manual_is_public_and_each_page_links_to_its_section(client):
    r = client.get("/help/")
    assert r.status_code == 200
    html = r.content.decode()
    for topic in manual.topics():
        assert f'href="/help/{topic}/"' in html
    assert client.get("/help/no-such-chapter/").status_code == 404

    user = f.cardless()
    f.draft_entry(user)
    c = f.as_user(client, user)
    page = c.get("/filings/commerce/").content.decode()
    href = re.search(r'<a href="([^"]+)" id="help-link"', page)[1]
    topic, section = re.fullmatch(r"/help/([\w-]+)/#([\w-]+)", href).groups()
    chapter = c.get(f"/help/{topic}/").content.decode()
    assert f'<section id="{section}"' in chapter and "commerce_filing" in chapter


def test_the_chapter_is_read_in_the_pages_language(client):
    topic = manual.topics()[0]
    zh = client.get(f"/help/{topic}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = client.get(f"/help/{topic}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    title_zh, title_en = (
        manual.sections("zh-hans", topic)[0]["title"],
        manual.sections("en", topic)[0]["title"],
    )
    assert title_zh in zh and title_en in en and title_zh != title_en
