"""海关企业管理 in a real browser (SPEC §6.7): the legal card signs in with its card agent and sees both
reminders (报关有效期提醒, 报送材料提醒) on its landing page, opens the registration, applies for 延续 with the
报关单位登记证; the 企管 reviewer of 深圳海关 approves it; signed in again, the 报关有效期提醒 is gone and the
registration shows the new 有效期."""

import pytest
from django.utils import timezone

from eport.accounts.models import UserKind
from eport.customs_registration.models import Registration
from eport.customs_registration.selectors import renewed_until
from tests import factories as f
from tests.customs_registration.helpers import registered

from .test_entry_journey import login, logout
from .test_paperless_journey import agent_for, as_card

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reminders_renewal_and_approval(live_server, page, settings, tmp_path, shot):
    base = live_server.url
    settings.PUBLIC_URL = base
    f.staff(UserKind.REVIEWER, "customs:5300", username="qiguan_sz")
    e, legal, _api = registered(name="深圳企管旅程贸易有限公司", days=45)
    before = Registration.objects.get(enterprise=e).valid_until
    certificate = tmp_path / "报关单位登记证.pdf"
    certificate.write_bytes(f.PDF)
    agent = agent_for(legal, tmp_path, base, "legal")
    try:
        as_card(page, base, settings, agent, legal)
        assert "报关有效期提醒" in page.inner_text("#reminder-registration_expiring")
        assert "报送材料提醒" in page.inner_text("#reminder-annual_report_due")
        shot(page, "39-card-reminders")
        page.click("#reminders-open")
        page.wait_for_selector("#registration")
        assert page.inner_text("#reg-customs-code") == "4403960101"
        shot(page, "40-customs-registration")
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0

        page.click("#btn-renewal")
        page.fill("#id_reason", "报关有效期即将届满，申请延续。")
        page.select_option("#id_doc_type", "customs_registration")
        page.set_input_files("#id_file", str(certificate))
        page.click("#btn-submit")  # 确定申报 (the dialog is accepted)
        page.wait_for_selector(".messages")
        assert "申报成功" in page.inner_text(".messages")
        logout(page)

        login(page, base, "qiguan_sz")
        page.goto(base + "/reviews/")
        page.locator(".act-review").first.click()
        assert before.isoformat() in page.inner_text("#app-data")  # the current 有效期, checked
        page.fill("#id_opinion", "同意延续。")
        page.click("#btn-approve")
        page.wait_for_selector(".messages")
        logout(page)

        as_card(page, base, settings, agent, legal)
        assert page.locator("#reminder-registration_expiring").count() == 0
        assert page.locator("#reminder-annual_report_due").count() == 1
        page.click("#reminders-open")
        new = renewed_until(before, timezone.localdate())
        assert page.inner_text("#reg-valid-until") == new.isoformat()
        assert Registration.objects.get(enterprise=e).valid_until == new
        # 在线帮助: the page's header link opens its own section of the manual.
        href = page.get_attribute("#help-link", "href")
        assert href == "/help/customs_registration/#customs_registration", href
        page.goto(base + href)
        assert page.locator("section#customs_registration h2").is_visible()
        shot(page, "41-online-help", full_page=False)
    finally:
        assert agent.stop() == 0, agent.stderr()
