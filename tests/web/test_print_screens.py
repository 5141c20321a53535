"""打印: the print views of an application (with its review steps and opinions) and of a card, reached
from the page they print and scoped exactly like it: whoever may not open the page gets the same refusal."""

import re

import pytest
from django.test import Client

from eport.applications import services
from eport.applications.models import StepStatus
from tests import factories as f

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


def reviewed_entry():
    """A 三证合一 entry two units have decided on: 工商 approved with an opinion, 税务 returned it."""
    user = f.cardless(name="深圳打印测试有限公司")
    app = f.submitted_entry(user, name="深圳打印测试有限公司")
    r = f.reviewers()
    aic = app.steps.get(unit_id="aic:440300", status=StepStatus.PENDING)
    services.step_approve(actor=r["aic"], step_id=aic.id, opinion="工商信息核对无误。")
    tax = app.steps.get(unit_id="tax:14403000000", status=StepStatus.PENDING)
    services.step_return(actor=r["tax"], step_id=tax.id, opinion="税务登记号与登记信息不符。")
    app.refresh_from_db()
    return user, app, r


def test_the_application_page_offers_print_and_the_print_view_has_number_state_and_every_step(client):
    user, app, _ = reviewed_entry()
    client.force_login(user)
    page = body(client.get(f"/applications/{app.id}/"))
    assert f'href="/applications/{app.id}/print/"' in page and "打印" in page
    r = client.get(f"/applications/{app.id}/print/")
    assert r.status_code == 200
    printed = body(r)
    assert app.number in printed
    assert re.search(r'id="app-status">\s*' + re.escape(str(app.get_status_display())), printed)
    for step in app.steps.select_related("unit"):
        assert step.unit.name in printed, step.unit_id
        if step.opinion:
            assert step.opinion in printed
    assert "工商信息核对无误。" in printed and "税务登记号与登记信息不符。" in printed
    assert "深圳打印测试有限公司" in printed and "打印时间" in printed
    assert 'id="printed-at"' in printed and "data-print" in printed  # 打印 on the page, no inline script
    assert "<script>" not in printed


def test_the_print_view_names_the_units_behind_the_codes():
    user, app, _ = reviewed_entry()
    c = Client()
    c.force_login(user)
    printed = body(c.get(f"/applications/{app.id}/print/"))
    assert "440300 深圳市" in printed  # 工商: its code and the unit's name, as the read-only page shows them


def test_print_of_an_application_is_scoped_like_its_page(client):
    _, app, r = reviewed_entry()
    # another enterprise's user: the same 404 as the page itself
    client.force_login(f.cardless())
    for url in (f"/applications/{app.id}/", f"/applications/{app.id}/print/"):
        assert client.get(url).status_code == 404, url
    # a reviewer of a unit the application never visited: as the page says
    outsider = f.staff("reviewer", "aic:110000")
    client.force_login(outsider)
    assert (
        client.get(f"/applications/{app.id}/print/").status_code
        == client.get(f"/applications/{app.id}/").status_code
    )
    # its reviewers may print what they may read
    client.force_login(r["aic"])
    assert client.get(f"/applications/{app.id}/print/").status_code == 200
    # nobody signed in: to the sign-in page, as for the page
    anonymous = Client().get(f"/applications/{app.id}/print/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_print_of_an_operator_declaration_lists_its_rows():
    legal = f.legal_card().card
    app = services.application_create(
        actor=legal.user, kind="operator_declaration", data=f.op_data(name="打印测试员")
    )
    c = Client()
    c.force_login(legal.user)
    printed = body(c.get(f"/applications/{app.id}/print/"))
    assert "打印测试员" in printed and legal.enterprise.name in printed


def test_the_card_page_offers_print_and_the_print_view_shows_the_card(client):
    legal = f.legal_card().card
    op = f.operator_card(legal.enterprise).card
    client.force_login(legal.user)
    assert f'href="/cards/{op.card_no}/print/"' in body(client.get(f"/cards/{op.card_no}/"))
    printed = body(client.get(f"/cards/{op.card_no}/print/"))
    assert op.card_no in printed and op.holder_name in printed and str(op.display_state) in printed
    assert op.valid_to.strftime("%Y-%m-%d") in printed and "打印时间" in printed


def test_print_of_a_card_is_scoped_like_its_page(client):
    legal = f.legal_card().card
    other = f.legal_card().card  # another enterprise's card
    client.force_login(legal.user)
    for url in (f"/cards/{other.card_no}/", f"/cards/{other.card_no}/print/"):
        assert client.get(url).status_code == 404, url
    client.force_login(f.ra_officer("ra:0100"))  # another sub-centre
    for url in (f"/cards/{legal.card_no}/", f"/cards/{legal.card_no}/print/"):
        assert client.get(url).status_code == 404, url
    client.force_login(f.cardless())  # not a card manager at all: the same 403 as the page
    page, printed = client.get(f"/cards/{legal.card_no}/"), client.get(f"/cards/{legal.card_no}/print/")
    assert page.status_code == printed.status_code == 403
    client.force_login(f.ra_officer())  # the sub-centre that made it
    assert client.get(f"/cards/{legal.card_no}/print/").status_code == 200
