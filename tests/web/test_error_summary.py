"""One form pattern on every screen (issue 13): a refused form shows an error summary at the top of the page
(focused, each item a link to its field) and the message beside the field, which says it is invalid
(aria-invalid) and points at its message (aria-describedby). One checker over every refused form."""

import re

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def check_pattern(page: str, fields: list[str]) -> None:
    """The summary comes first in <main>, links to each field, each field is tied to its message."""
    main = page[page.index("<main") :]
    boxes = re.findall(r'<div class="error-summary"[^>]*>(.*?)</div>', main, re.S)
    assert len(boxes) == 1, f"{len(boxes)} error summaries"
    head = re.search(r'<div class="error-summary"([^>]*)>', main).group(1)
    assert 'role="alert"' in head and 'tabindex="-1"' in head and "autofocus" in head
    # first thing in the content after the notices: no form, no field before it
    before = main[: main.index('<div class="error-summary"')]
    assert "<form" not in before and "<input" not in before, "the summary is not at the top"
    links = re.findall(r'<a href="#(id_\w+)">', boxes[0])
    assert links == [f"id_{name}" for name in fields], links
    for name in fields:
        tag = re.search(rf'<(?:input|textarea|select)[^>]*\bid="id_{name}"[^>]*>', page)
        assert tag, f"no field id_{name}"
        assert 'aria-invalid="true"' in tag.group(0), tag.group(0)
        described = re.search(r'aria-describedby="([^"]+)"', tag.group(0))
        assert described, tag.group(0)
        texts = []
        for ref in described.group(1).split():
            m = re.search(rf'<[^>]+\bid="{ref}"[^>]*>(.*?)</', page, re.S)
            assert m, f"aria-describedby points at no element {ref}"
            texts.append(m.group(1).strip())
        assert any(texts), f"id_{name} is described by nothing"


def test_registration(client):
    page = client.post(
        "/register/",
        {"uscc": "123", "enterprise_name": "", "contact_name": "王", "phone": "1", "email": "x@y.cn"},
    ).content.decode()
    check_pattern(page, ["uscc", "enterprise_name", "phone", "username", "password"])


def test_password_sign_in(client):
    page = client.post("/login/", {"username": "nobody", "password": "wrong"}).content.decode()
    check_pattern(page, ["username"])


def test_review_without_an_opinion(client):
    reviewers = f.reviewers()
    user = f.cardless()
    f.submitted_entry(user)
    step = reviewers["aic"].unit.steps.get()
    client.force_login(reviewers["aic"])
    page = client.post(f"/reviews/{step.id}/", {"action": "return", "opinion": ""}).content.decode()
    check_pattern(page, ["opinion"])


def test_a_filing_form(client):
    user = f.cardless()
    f.draft_entry(user)
    client.force_login(user)
    page = client.post("/filings/commerce/", {"action": "submit", "authority": "999999"}).content.decode()
    check_pattern(page, ["authority"])


def test_the_password_page_has_one_summary(client):
    user = f.cardless()
    client.force_login(user)
    page = client.post(
        "/password/", {"old_password": "x", "new_password": "a", "new_password_confirm": "b"}
    ).content.decode()
    assert page.count('class="error-summary"') == 1


def test_a_page_without_errors_has_no_summary(client):
    assert "error-summary" not in client.get("/register/").content.decode()


def test_the_permission_page_warns_in_bold_what_unticking_revokes(client):
    from eport.cards.models import CardPermission
    from eport.filings.models import CardFiling

    e = f.enterprise_in_network()
    legal = f.legal_card(e)
    op = f.operator_card(e)
    CardFiling.objects.create(card=op.card, filing="customs")
    CardPermission.objects.create(card=op.card, subsystem_id="express")
    f.as_user(client, legal.card.user)
    url = f"/filings/permissions/{op.card.card_no}/"
    page = client.get(url).content.decode()
    warning = re.search(r'<div class="warning-text" id="revoke-warning">(.*?)</div>', page, re.S).group(1)
    assert "<strong>" in warning and "未勾选的原有权限将在审核通过后收回" in warning
    row = re.search(r'<tr data-subsystem="express">.*?</tr>', page, re.S).group(0)
    assert "现有" in row and "将收回" not in row
    # refused with express unticked: the row says it would be revoked
    page = client.post(url, {"subsystems": ["nope"], "action": "save"}).content.decode()
    row = re.search(r'<tr data-subsystem="express">.*?</tr>', page, re.S).group(0)
    assert "将收回" in row
