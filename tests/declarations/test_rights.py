"""Rights within a subsystem (报关单录入, 报关申报 in 报关单电子随附单据), granted in IC卡权限申请: the
kind's data, its screen (a checkbox per right), the card's permission, /me and the permissions list."""

import pytest
from django.test import Client

from eport.applications.models import Application
from eport.cards.models import CardPermission
from eport.filings.models import CardFiling
from tests import factories as f
from tests.api.helpers import Api, assert_error, create, file, legal
from tests.web.test_filing_screens import page

pytestmark = pytest.mark.django_db


def test_rights_are_granted_with_the_subsystem_through_the_api():
    e, made, api = legal()
    op = f.operator_card(e)
    CardFiling.objects.create(card=op.card, filing="customs")
    no = op.card.card_no
    app = file(
        api,
        "card_permission",
        card_no=no,
        subsystems=["paperless_documents", "express"],
        rights={"paperless_documents": ["declare", "entry"], "express": []},
    )
    assert app["status"] == "APPROVED", app
    assert app["data"]["rights"] == {"paperless_documents": ["entry", "declare"]}
    p = CardPermission.objects.get(card=op.card, subsystem_id="paperless_documents")
    assert p.rights == ["entry", "declare"]
    assert CardPermission.objects.get(card=op.card, subsystem_id="express").rights == []
    me = Api(op.card.user).get("/me").json()
    row = next(s for s in me["subsystems"] if s["code"] == "paperless_documents")
    assert row["enabled"] and row["rights"] == ["entry", "declare"]
    assert next(s for s in me["subsystems"] if s["code"] == "express")["rights"] is None
    perms = {p["code"]: p for p in api.get(f"/cards/{no}").json()["permissions"]}
    assert perms["paperless_documents"]["rights"] == ["entry", "declare"]
    # A later application with 录入 only takes 申报 away; a right without its subsystem is dropped.
    file(
        api, "card_permission", card_no=no, subsystems=["express"], rights={"paperless_documents": ["entry"]}
    )
    assert not CardPermission.objects.filter(card=op.card, subsystem_id="paperless_documents").exists()
    file(
        api,
        "card_permission",
        card_no=no,
        subsystems=["paperless_documents"],
        rights={"paperless_documents": ["entry"]},
    )
    assert CardPermission.objects.get(card=op.card, subsystem_id="paperless_documents").rights == ["entry"]


def test_unknown_rights_are_refused():
    e, made, api = legal()
    op = f.operator_card(e)
    CardFiling.objects.create(card=op.card, filing="customs")
    for rights in (
        {"paperless_documents": ["approve"]},
        {"express": ["entry"]},
        {"paperless_documents": "entry"},
        5,
    ):
        assert_error(
            create(
                api,
                "card_permission",
                card_no=op.card.card_no,
                subsystems=["paperless_documents"],
                rights=rights,
            ),
            400,
            field="rights",
        )
    assert not Application.objects.exists()


def test_the_screen_offers_a_checkbox_per_right():
    e, made, _api = legal()
    op = f.operator_card(e)
    CardFiling.objects.create(card=op.card, filing="customs")
    c = Client()
    c.force_login(made.card.user)
    url = f"/filings/permissions/{op.card.card_no}/"
    doc = page(c.get(url))
    box = doc.find("input", name="rights", value="paperless_documents:entry")
    assert box is not None and not box.has("checked")
    assert doc.find("input", name="rights", value="paperless_documents:declare") is not None
    r = c.post(
        url,
        {"subsystems": ["paperless_documents"], "rights": ["paperless_documents:entry"], "action": "submit"},
    )
    assert r.status_code == 302, r.content[:2000]
    assert CardPermission.objects.get(card=op.card, subsystem_id="paperless_documents").rights == ["entry"]
    doc = page(c.get(url))
    assert doc.find("input", name="rights", value="paperless_documents:entry").has("checked")
    assert not doc.find("input", name="rights", value="paperless_documents:declare").has("checked")
    listed = page(c.get("/filings/permissions/")).find("tr", data_card=op.card.card_no).text
    assert "报关单电子随附单据 (报关单录入)" in listed


def test_the_card_page_shows_the_rights():
    e, made, _api = legal()
    op = f.documents_permission(f.operator_card(e), ("entry",))
    c = Client()
    c.force_login(made.card.user)
    body = c.get(f"/cards/{op.card.card_no}/").content.decode()
    assert "报关单电子随附单据 (报关单录入)" in body
