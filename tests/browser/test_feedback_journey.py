"""Feedback in a real browser: 退回 with a blank opinion is refused beside the field without a confirm
question first; once the opinion is written the question is asked, and the applicant sees the reason at
the top of the returned application."""

import pytest

from eport.accounts.models import UserKind
from tests import factories as f

from .test_entry_journey import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_return_asks_only_with_an_opinion_and_the_reason_shows_at_the_top(live_server, browser):
    base = live_server.url
    user = f.cardless()
    app = f.submitted_entry(user)
    step = app.steps.get(unit_id="aic:440300")
    reviewer = f.staff(UserKind.REVIEWER, "aic:440000")
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    asked = []
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    try:
        login(page, base, reviewer.username)
        page.goto(f"{base}/reviews/{step.id}/")
        page.click("#btn-return")
        assert asked == []
        assert "请填写审核意见" in page.inner_text("[data-field=opinion]")
        page.fill("#id_opinion", "执照模糊，请重新上传")
        page.click("#btn-return")
        page.wait_for_load_state()
        assert asked == ["确定退回吗？"]
        page.click("text=退出登录")
        login(page, base, user.username)
        page.goto(f"{base}/entries/{app.id}/edit/")
        reason = page.inner_text("#return-reason")
        assert "深圳市市场监督管理局退回" in reason and "执照模糊，请重新上传" in reason
    finally:
        ctx.close()
