"""Every screen, as every kind of actor, checked by axe-core (the npm package, injected by Playwright) at a
desktop width (1366 px) and a phone's (390 px): no `serious` or `critical` finding; and no horizontal page
scroll at 390 and 360 px. The demo data (`eport demo`) gives each actor something on each screen.

Card holders are signed in by their session (as the card agent would after 卡介质登录): the agent itself is
exercised by test_card_journey.py; here only the screens matter.

EPORT_A11Y_REPORT=path.json writes the counts per screen and width (docs/accessibility.md) and fails on
nothing: `EPORT_A11Y_REPORT=/tmp/a11y.json pytest tests/browser/test_screens_a11y.py`.
"""

import json
import os
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from eport.accounts.models import User
from eport.applications.models import Application, ReviewStep, StepStatus
from eport.cards.models import Card
from eport.declarations import services as declarations
from eport.enterprises.models import Enterprise
from eport.export_receipts.models import FormRequest, ReceiptForm
from eport.exports.models import ExportJob
from eport.express.models import Declaration
from eport.operators.models import Operator, OperatorStatus
from eport.ops.demo import create_demo
from eport.processing.services import grant_add
from tests import factories as f
from tests.processing.helpers import body as grant_body
from tests.processing.helpers import customs_filed
from tests.sample_pdf import sample_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1366, 390, 360)
AXE_WIDTHS = (1366, 390)  # axe at each; the page must not scroll sideways at the phone widths
PHONE_WIDTHS = (390, 360)
BLOCKING = ("serious", "critical")
REDIRECTED = {"cardless/home", "untrusted/home"}  # the start page of a signed-in enterprise user is its list
REPORT = os.environ.get("EPORT_A11Y_REPORT")


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        # Loud: the sweep is part of scripts/test; scripts/install puts axe-core in node_modules (npm ci).
        message = f"axe-core is not installed ({AXE}): run scripts/install (needs npm)"
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    return AXE.read_text()


@pytest.fixture
def demo(settings, tmp_path):
    """The demo data, and a little more: a submitted 三证合一 entry of the demo user (the reviewers' queue,
    an application page with steps) and an enterprise waiting for its first card (制卡)."""
    settings.DATA_DIR = tmp_path
    create_demo()
    user = User.objects.get(username="demo")
    entry = f.submitted_entry(user, name="深圳市前海示范贸易有限公司")
    legal = Card.objects.get(kind="legal", state="normal")
    operator_card = Card.objects.get(kind="operator", state="normal")
    Card.objects.filter(pk__in=[legal.pk, operator_card.pk]).update(must_change_pin=False)
    # 报关单电子随附单据: the operator card declares for its enterprise (agreement approved, both rights), one
    # dossier with an invoice, not yet declared (the upload controls show).
    f.agreement_approved(legal.enterprise, legal.enterprise.customs_code or "5300", card=legal)
    f.documents_permission(operator_card)
    dossier_no = f"{legal.enterprise.customs_code or '5300'}20261000000001"
    declarations.dossier_open(
        actor=operator_card.user,
        decl_no=dossier_no,
        consignor=legal.enterprise.code,
        customs=legal.enterprise.customs_code or "5300",
        direction="I",
    )
    declarations.document_upload(
        actor=operator_card.user,
        decl_no=dossier_no,
        doc_type="invoice",
        upload=SimpleUploadedFile("invoice.pdf", sample_pdf("invoice")),
    )
    # 代理报关委托: the operator card's enterprise has delegated to the demo broker (not yet answered).
    broker = Enterprise.objects.get(broker__customs_code="5300980001")
    delegation = f.delegation(legal.enterprise, broker, state="SENT", card=operator_card)
    # 加贸权限管理: the legal card (it holds processing_trade) has granted a filed enterprise a manual.
    customs_filed(f.enterprise_in_network(name="深圳市加工示范有限公司"), "5300960001")
    processing_grant = grant_add(legal.user, grant_body(grantee_customs_code="5300960001"))
    # 我的导出: one export written, one still queued.
    ExportJob.objects.create(
        owner=user, list_name="operators", rows=6000, state="done", file_name="operators.xlsx"
    )
    ExportJob.objects.create(owner=user, list_name="operators", rows=6000)
    waiting = f.enterprise_in_network(name="深圳市待制卡示范有限公司")
    drafter = f.cardless(name="深圳市草稿示范有限公司")
    return {
        "draft": f.draft_entry(drafter, name="深圳市草稿示范有限公司"),
        "untrusted": f.cardless(uscc=legal.enterprise.uscc, verified=False),
        "fresh": f.cardless(name="深圳市新注册示范有限公司"),
        "entry": entry,
        "legal": legal,
        "operator_card": operator_card,
        "waiting": waiting,
        "aic_step": ReviewStep.objects.get(
            application=entry, unit_id="aic:440300", status=StepStatus.PENDING
        ),
        "ra_step": ReviewStep.objects.filter(
            application__kind="operator_declaration", status=StepStatus.PENDING
        ).first(),
        "operator": Operator.objects.filter(
            enterprise=legal.enterprise, status=OperatorStatus.APPROVED
        ).first(),
        "filing": Application.objects.filter(kind="customs_filing").first(),
        "dossier": dossier_no,
        "delegation": delegation.pk,
        "grant": processing_grant.pk,
        # 快件通关 (the demo's uploads): a released import declaration and one waiting for customs
        "express_released": Declaration.objects.get(state="released").pk,
        "express_waiting": Declaration.objects.filter(state="received", direction="I").get().pk,
        # 出口收汇 (the demo's forms in every state): one not filed yet, one filed at 5301, a request to issue
        "receipt": ReceiptForm.objects.get(enterprise=operator_card.enterprise, state="issued").form_no,
        "receipt_filed": ReceiptForm.objects.get(enterprise=operator_card.enterprise, state="filed").form_no,
        "receipt_request": FormRequest.objects.get(
            enterprise=operator_card.enterprise, state="requested"
        ).request_no,
    }


def screens(actor: str, d: dict) -> list:
    """(screen, path) for each GET screen the actor may open (and the refusal page it gets elsewhere)."""
    legal, op_card = d["legal"].card_no, d["operator_card"].card_no
    if actor == "anonymous":
        return [
            ("home", "/"),
            ("login", "/login/"),
            ("register", "/register/"),
            ("card-login", "/card/login/"),
            ("confirm-email", "/accounts/confirm-email/not-a-token/"),
            ("not-found", "/no-such-page/"),
        ]
    if actor == "cardless":
        entry = d["entry"].id
        return [
            ("home", "/"),
            ("start", "/start/"),
            ("account", "/account/"),
            ("entries", "/entries/"),
            ("application", f"/applications/{entry}/"),
            ("application-print", f"/applications/{entry}/print/"),
            ("status", "/status/"),
            ("exports", "/exports/"),
            ("operators", "/operators/"),
            ("operator-new", "/operators/new/"),
            ("reissue", "/reissue/"),
            ("commerce-filing", "/filings/commerce/"),
            ("password", "/password/"),
            ("error-403", "/reviews/"),
            ("error-404", "/applications/999999/"),
        ]
    if actor == "fresh":  # a card-less user before its first 三证合一 entry
        return [("start", "/start/"), ("entries", "/entries/"), ("entry-new", "/entries/new/")]
    if actor == "drafter":  # a card-less user with a draft 三证合一 entry
        return [
            ("entry-edit", f"/entries/{d['draft'].id}/edit/"),
            ("application", f"/applications/{d['draft'].id}/"),
        ]
    if actor == "untrusted":  # registered with an established enterprise's USCC, not yet confirmed
        return [("account", "/account/"), ("home", "/")]
    if actor == "reviewer":
        return [
            ("reviews", "/reviews/"),
            ("review", f"/reviews/{d['aic_step'].id}/"),
            ("auto-review", "/reviews/auto-review/"),
            ("application", f"/applications/{d['entry'].id}/"),
        ]
    if actor == "ra":
        return [
            ("reviews", "/reviews/"),
            ("review", f"/reviews/{d['ra_step'].id}/"),
            ("ra-card-new", "/ra/cards/new/"),
            ("ra-legal-card-queue", "/ra/legal-cards/"),
            ("cards", "/cards/"),
            ("card", f"/cards/{legal}/"),
            ("ra-card-made", make_card),
        ]
    if actor == "legal":
        return [
            ("card-home", "/card/"),
            ("card-pin", "/card/pin/"),
            ("agreements", "/paperless/agreements/"),  # 三方协议签约, opened by its menu entry
            ("agreements-query", "/paperless/agreements/query/"),
            ("operators", "/operators/"),
            ("operator", f"/operators/{d['operator'].operator_no}/"),
            ("operator-new", "/operators/new/"),
            ("operator-change", f"/operators/{d['operator'].operator_no}/change/"),
            ("operator-cancel", f"/operators/{d['operator'].operator_no}/cancel/"),
            ("enterprise-change", "/change/"),
            ("enterprise-accounts", "/enterprise/accounts/"),
            ("cards", "/cards/"),
            ("cards-renew", "/cards/?action=renew"),
            ("card", f"/cards/{op_card}/"),
            ("card-print", f"/cards/{op_card}/print/"),
            ("card-renew", f"/cards/{op_card}/renew/"),
            ("commerce-filing", "/filings/commerce/"),
            ("customs-filing", "/filings/customs/"),
            ("forex-filing", "/filings/forex/"),
            ("commerce-filing-change", "/filings/commerce/change/"),  # 备案变更
            ("card-customs-filing", "/filings/cards/customs/"),
            ("card-forex-filing", "/filings/cards/forex/"),
            ("card-permissions", "/filings/permissions/"),
            ("card-permission", f"/filings/permissions/{legal}/"),
            ("broker-registration", "/paperless/broker-registration/"),
            ("brokers", "/paperless/brokers/?q=报关"),
            ("status", "/status/"),
            ("application", f"/applications/{d['filing'].id}/"),
            ("processing-grants", "/processing-trade/grants/"),  # 加贸权限管理, opened by its menu entry
            ("processing-grants-book", "/processing-trade/grants/?tab=account_book"),
            ("processing-grants-received", "/processing-trade/grants/?tab=received"),
            ("processing-grant-new", "/processing-trade/grants/new/"),
            ("processing-grant-edit", f"/processing-trade/grants/{d['grant']}/"),
            ("processing-grant-delete", f"/processing-trade/grants/{d['grant']}/delete/"),
            # 海关企业管理 (it holds enterprise_mgmt; the registration ends within 90 days: the reminders show)
            ("customs-registration", "/customs-registration/"),
            ("customs-registration-change", "/customs-registration/change/"),
            ("customs-registration-renewal", "/customs-registration/renewal/"),
        ]
    if actor == "operator":
        return [
            ("card-home", "/card/"),
            ("delegations", "/paperless/delegations/"),  # 代理报关委托, opened by its menu entry
            ("delegation-terms", "/paperless/delegations/new/"),  # 通用条款 first
            ("delegation", f"/paperless/delegations/{d['delegation']}/"),
            ("export-receipts", "/export-receipts/"),  # 出口收汇, opened by its menu entry
            ("export-receipt-request-new", "/export-receipts/requests/new/"),
            ("export-receipt-requests", "/export-receipts/requests/"),
            ("export-receipt-port-filing", "/export-receipts/port-filing/"),
            ("export-receipt", f"/export-receipts/{d['receipt']}/"),
            ("export-receipt-filed", f"/export-receipts/{d['receipt_filed']}/"),
            ("export-receipt-batch", f"/export-receipts/batch-filing/?start_no={d['receipt']}&count=5"),
            ("brokers", "/paperless/brokers/"),
            ("declarations", "/declarations/"),
            ("declaration", f"/declarations/{d['dossier']}/"),
            ("declaration-reuploads", "/declarations/reupload-requests/"),
            (
                "customs-registration",
                "/customs-registration/",
            ),  # 海关企业管理, read-only for an operator card
            ("express-upload", "/express/upload/"),  # 快件通关, opened by its menu entry
            ("express-receipts", "/express/receipts/?waybill=999-70010000"),
            ("express-released", "/express/released/"),
            ("express-released-other", "/express/released/?released=other"),
            ("express-declarations", "/express/"),
            ("express-declaration", f"/express/{d['express_waiting']}/"),
            ("express-print", f"/express/{d['express_released']}/print/"),
        ]
    if actor == "customs":  # 深圳海关 (customs:5300): its 关区's express declarations
        return [
            ("express-review", "/express/review/"),
            ("express-declarations", "/express/"),
            ("express-declaration", f"/express/{d['express_waiting']}/"),
        ]
    if actor == "forex":  # the 外汇局 of the demo enterprise: 发单, the forms, 挂失 / 核销
        return [
            ("export-receipt-requests", "/export-receipts/requests/"),
            ("export-receipt-issue", f"/export-receipts/requests/{d['receipt_request']}/issue/"),
            ("export-receipts", "/export-receipts/"),
            ("export-receipt", f"/export-receipts/{d['receipt']}/"),
        ]
    if actor == "customs":  # the customs of the filed port: 登记出口报关单
        return [
            ("export-receipts", "/export-receipts/"),
            ("export-receipt-filed", f"/export-receipts/{d['receipt_filed']}/"),
        ]
    raise AssertionError(actor)


ACTORS = (
    "anonymous",
    "cardless",
    "fresh",
    "drafter",
    "untrusted",
    "reviewer",
    "ra",
    "legal",
    "operator",
    "forex",
    "customs",
)


def actor_user(actor: str, d: dict):
    return {
        "anonymous": lambda: None,
        "cardless": lambda: User.objects.get(username="demo"),
        "fresh": lambda: d["fresh"],
        "drafter": lambda: d["draft"].applicant,
        "untrusted": lambda: d["untrusted"],
        "reviewer": lambda: User.objects.get(username="aic_sz"),
        "ra": lambda: User.objects.get(username="ra_sz"),
        "legal": lambda: d["legal"].user,
        "operator": lambda: d["operator_card"].user,
        "forex": lambda: User.objects.get(username="forex_sz"),
        "customs": lambda: User.objects.get(username="customs_sz"),
    }[actor]()


def sign_in(ctx, base, user):
    """The browser context signed in as the user, by a session made on the server (any actor kind)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    ctx.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])


def make_card(page, base, d):
    """制卡 for the enterprise waiting for its first card: the one-time page with the card's secrets."""
    page.goto(f"{base}/ra/cards/new/?uscc={d['waiting'].uscc}")
    page.click("#btn-make")
    page.wait_for_selector("#made-card")


def run_axe(page, source) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    return page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.length, target: v.nodes[0] ? v.nodes[0].target.join(' ') : ''}));
        }"""
    )


# Table headers, dates and codes of the lists that break over lines (e.g. "持卡/人", "2028-12-/03"): a cell's
# content taller than 1.6 lines. The content's own box, not the cell's: a cell is as tall as its row.
WRAPPED_CELLS = """() => Array.from(document.querySelectorAll('.grid:not(.kv) th, .grid:not(.kv) td.code'))
    .filter(el => {
        if (!el.textContent.trim()) return false;
        const r = document.createRange(); r.selectNodeContents(el);
        const lines = Array.from(r.getClientRects()).map(x => x.height).filter(h => h > 0);
        return r.getBoundingClientRect().height > 1.5 * Math.min(...lines);
    }).map(el => el.textContent.trim().slice(0, 30))"""

# Text that axe leaves out (aria-disabled, e.g. the subsystems this card may not use) must still be readable:
# its contrast against the first opaque background behind it, at least 4.5:1.
FAINT_TEXT = """() => {
    const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => { const f = v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
    const bg = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
        if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
    return Array.from(document.querySelectorAll('[aria-disabled=true]')).filter(el => el.textContent.trim())
        .map(el => { const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
            return [el.textContent.trim(), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]; })
        .filter(([, ratio]) => ratio < 4.5).map(([t, ratio]) => t + ' ' + ratio.toFixed(2) + ':1');
}"""


def h_scroll(page) -> int:
    """How far the page scrolls sideways (0: it fits)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def sweep(browser, base, actor, d, source):
    """Open each of the actor's screens once, then look at it at each width: (problems, counts)."""
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}, bypass_csp=True)
    ctx.set_default_timeout(10000)
    user = actor_user(actor, d)
    if user is not None:
        sign_in(ctx, base, user)
    # axe in every page the sweep opens: sent to the browser once, not injected per page (a third of the time).
    ctx.add_init_script(script=source)
    page = ctx.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    problems, counts = [], {}
    try:
        for name, path in screens(actor, d):
            screen = f"{actor}/{name}"
            page.set_viewport_size({"width": 1366, "height": 900})
            if callable(path):
                path(page, base, d)
                status, path = 200, urlsplit(page.url).path
            else:
                response = page.goto(base + path)
                status = response.status if response else 0
            if status >= 500:
                problems.append(f"{screen}: HTTP {status} at {path}")
                continue
            landed = urlsplit(page.url).path
            if landed != urlsplit(path).path and screen not in REDIRECTED:
                problems.append(f"{screen}: {path} landed at {landed}")
            for width in WIDTHS:
                if width != 1366:
                    page.set_viewport_size({"width": width, "height": 844})
                if width in PHONE_WIDTHS and (over := h_scroll(page)) > 0:
                    problems.append(f"{screen} @{width}px: the page scrolls sideways by {over}px ({path})")
                if width == 1366 and (wrapped := page.evaluate(WRAPPED_CELLS)):
                    problems.append(f"{screen} @1366px: table cells wrap over lines: {wrapped[:5]}")
                if width in AXE_WIDTHS and (faint := page.evaluate(FAINT_TEXT)):
                    problems.append(f"{screen} @{width}px: text below 4.5:1 contrast: {faint[:5]}")
                if width in AXE_WIDTHS:
                    found = run_axe(page, source)
                    bad = [v for v in found if v["impact"] in BLOCKING or REPORT]
                    counts[f"{screen}@{width}"] = {
                        "blocking": sum(v["impact"] in BLOCKING for v in found),
                        "all": len(found),
                    }
                    problems += [
                        f"{screen} @{width}px: axe {v['impact']} {v['id']} ({v['nodes']}×, e.g. {v['target']})"
                        for v in bad
                    ]
    finally:
        ctx.close()
    return problems, counts


def test_every_screen_passes_axe_and_fits_a_phone(live_server, browser, axe_source, demo):
    problems, counts = [], {}
    for actor in ACTORS:
        found, seen = sweep(browser, live_server.url, actor, demo, axe_source)
        problems += found
        counts.update(seen)
    if REPORT:
        path = Path(REPORT)
        path.write_text(json.dumps(counts, ensure_ascii=False, indent=1, sort_keys=True))
        path.with_suffix(".problems.txt").write_text("".join(p + "\n" for p in problems))
        return
    assert not problems, "\n".join(problems)
