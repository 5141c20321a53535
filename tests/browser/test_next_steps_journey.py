"""Next steps in a real browser: an enterprise just in the network sees 申领法人卡 as its next step, requests the
card with a contact and a date, the sub-centre approves it, finds it in 待制法人卡 and makes the card from the
row with the enterprise filled in; the enterprise's task list then says the card is made."""

import pytest

from eport.cards.models import Card
from tests import factories as f

from .test_entry_journey import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_legal_card_from_request_to_queue_to_card(live_server, page, settings, shot):
    base = live_server.url
    settings.PUBLIC_URL = base
    f.staff("ra", "ra:5300", username="ra_queue")
    e = f.enterprise_in_network(name="深圳首卡旅程有限公司")
    f.cardless(uscc=e.uscc, username="first_card")

    login(page, base, "first_card")
    assert page.url.endswith("/start/")
    assert page.get_attribute("[data-task=legal_card]", "data-state") == "action"
    assert page.inner_text("#task-legal_card-status") == "待办理"
    shot(page, "25-start-task-list")
    page.click("#next-step a")
    assert page.inner_text("h1") == "申领法人卡"
    assert page.input_value("#id_contact_name") == "联系人"  # the account's own, changeable
    page.fill("#id_contact_name", "王五")
    page.fill("#id_contact_phone", "13912345678")
    page.fill("#id_preferred_date", "2099-03-01")
    page.click("#btn-submit")
    assert "申领法人卡" in page.inner_text(".messages") and "申报成功" in page.inner_text(".messages")
    page.goto(base + "/start/")
    assert page.get_attribute("[data-task=legal_card]", "data-state") == "in_progress"
    logout(page)

    login(page, base, "ra_queue")
    page.click("#review-list a.act-review >> nth=0")
    page.fill("#id_opinion", "同意。")
    page.click("#btn-approve")
    # The approval's answer first: a click in the nav before it lands races the POST (seen once on PostgreSQL).
    assert "审核通过" in page.inner_text(".messages")
    page.click("nav >> text=待制法人卡")
    row = page.locator("#legal-card-queue tr[data-request]")
    assert (
        row.count() == 1 and "深圳首卡旅程有限公司" in row.inner_text() and "2099-03-01" in row.inner_text()
    )
    shot(page, "26-ra-legal-card-queue")
    row.locator("a.btn").click()
    assert page.input_value("#id_enterprise_uscc") == e.uscc
    assert page.get_attribute("#id_enterprise_uscc", "readonly") is not None
    page.click("#btn-make")
    card_no = page.inner_text("#made-card-no")
    assert Card.objects.get(card_no=card_no).request is not None
    page.click("nav >> text=待制法人卡")
    assert "没有等待制作法人卡的企业" in page.inner_text("#legal-card-queue")
    logout(page)

    login(page, base, "first_card")
    assert page.get_attribute("[data-task=legal_card]", "data-state") == "done"
    assert card_no in page.inner_text("[data-task=legal_card]")
