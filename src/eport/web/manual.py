"""在线帮助: the online manual of this portal, one chapter (topic) per part of it, written for it in each
language as a template of sections (web/templates/web/help/<language>/<topic>.html). A section names the
screens it explains (`data-screens`: their URL names), so every screen's header links to its own section
(`link_for`, through the portal context) and a test checks that every screen has one, in both languages.
The manual is public: it is read before signing in too."""

import re
from functools import cache
from pathlib import Path

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

HELP_DIR = Path(__file__).parent / "templates" / "web" / "help"
SOURCE_LANGUAGE = "zh-hans"

# The chapters in the order of the work: an account, the network entry, the filings, the cards and their
# operators, then the systems a card opens, then the staff's side.
TOPICS = {
    "account": _("账号与登录"),
    "entries": _("三证合一与业务办理"),
    "filings": _("企业备案"),
    "operators": _("操作员与IC卡"),
    "paperless": _("通关无纸化"),
    "processing": _("加贸权限管理"),
    "export_receipts": _("出口收汇"),
    "express": _("快件通关"),
    "customs_registration": _("海关企业管理"),
    "reviews": _("审核"),
    "ra": _("数据分中心制卡"),
}

SECTION = re.compile(
    r'<section id="(?P<id>[\w-]+)"(?: data-screens="(?P<screens>[\w ]*)")?\s*>\s*<h2>(?P<title>.*?)</h2>',
    re.S,
)


def language() -> str:
    lang = (get_language() or SOURCE_LANGUAGE).lower()
    return lang if (HELP_DIR / lang).is_dir() else SOURCE_LANGUAGE


@cache
def sections(lang: str, topic: str) -> list[dict]:
    """The sections of one chapter in one language: id, title, the screens it explains ([] if no file)."""
    path = HELP_DIR / lang / f"{topic}.html"
    if not path.is_file():
        return []
    return [
        {
            "id": m["id"],
            "title": re.sub(r"<[^>]+>", "", m["title"]).strip(),
            "screens": (m["screens"] or "").split(),
        }
        for m in SECTION.finditer(path.read_text(encoding="utf-8"))
    ]


def topics() -> list[str]:
    """The chapters that are written (in the source language)."""
    return [t for t in TOPICS if sections(SOURCE_LANGUAGE, t)]


@cache
def screen_index() -> dict[str, tuple[str, str]]:
    """URL name -> (topic, section id) of the section that explains it."""
    return {
        screen: (topic, s["id"])
        for topic in topics()
        for s in sections(SOURCE_LANGUAGE, topic)
        for screen in [s["id"], *s["screens"]]
    }


def link_for(request) -> str:
    """The 在线帮助 link of the page being rendered: its section, else the manual's contents."""
    match = getattr(request, "resolver_match", None)
    where = screen_index().get(match.url_name) if match and match.namespace == "web" else None
    if where is None:
        return reverse("web:help")
    return reverse("web:help_topic", args=[where[0]]) + f"#{where[1]}"


def index(request):
    """目录: every chapter with its sections."""
    lang = language()
    chapters = [
        {"topic": t, "title": TOPICS[t], "sections": sections(lang, t) or sections(SOURCE_LANGUAGE, t)}
        for t in topics()
    ]
    return render(request, "web/help.html", {"chapters": chapters})


def topic(request, topic: str):
    """One chapter, in the page's language (the source language where it is not translated)."""
    if topic not in topics():
        raise Http404
    lang = language() if sections(language(), topic) else SOURCE_LANGUAGE
    return render(
        request,
        "web/help_topic.html",
        {
            "topic": topic,
            "title": TOPICS[topic],
            "sections": sections(lang, topic),
            "chapter": f"web/help/{lang}/{topic}.html",
            "chapters": [(t, TOPICS[t]) for t in topics()],
        },
    )
