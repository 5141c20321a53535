"""The security matrix of 企业备案 (API.md): the six filing kinds through /applications, the reviews of the
customs and forex filings, and /filings, /filings/cards, /filings/cards.xlsx.

Two enterprises A and B, each in the network with a legal card, an operator card and a card-less user.
Every refusal is checked twice: the answer (status and error code), and A's state afterwards (its
applications, steps, attachments, enterprise filings, card filings and permissions: `snapshot`).
Everything goes through HTTP as a client would; the database is written only to set up A's world
(registry rows, filings that earlier applications would have left) and read only to check for traces.
"""

import hashlib
import io
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from openpyxl import load_workbook

from eport.accounts.models import UserKind
from eport.applications.models import Application, Attachment, ReviewStep
from eport.audit.models import AuditEvent
from eport.audit.services import READ_ACTIONS
from eport.cards.models import Card, CardPermission
from eport.filings.models import CardFiling, EnterpriseFiling
from eport.refdata.models import Unit
from eport.registry.models import CustomsRecord, ForexDirectoryEntry
from tests import factories as f

from .helpers import Api, assert_error, create, created, make_pdf, ready, stored_files, submitted, too_large

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILING_KINDS = (
    "commerce_filing",
    "customs_filing",
    "forex_filing",
    "card_customs_filing",
    "card_forex_filing",
    "card_permission",
)
CARD_KINDS = ("card_customs_filing", "card_forex_filing", "card_permission")
# Where A's customs / forex filings are reviewed (filing_customs 5301 皇岗, forex bureau 440300 深圳),
# and the units whose switches the tests touch.
REVIEW_UNIT = {"customs_filing": "customs:5301", "forex_filing": "forex:440300"}
WATCHED_UNITS = (
    "customs:5300",
    "customs:5301",
    "customs:0100",
    "forex:440000",
    "forex:440300",
    "forex:110000",
    "commerce:440300",
    "ra:5300",
)


# --- the two enterprises --------------------------------------------------------------------------------


def side(name: str) -> SimpleNamespace:
    """An enterprise in the network (customs 5300) with a legal card, an operator card (holder 周八 in both
    enterprises: a name filter must not cross them) and a card-less user."""
    e = f.enterprise_in_network(name=name)
    ra = f.ra_officer()
    legal_made = f.make_card("legal", e, ra=ra)
    op_made = f.make_card("operator", e, ra=ra, operator_no=f.operator(e, name="周八").operator_no)
    cardless = f.cardless(uscc=e.uscc)
    return SimpleNamespace(
        e=e,
        legal_made=legal_made,
        op_made=op_made,
        legal=ready(legal_made),
        op=ready(op_made),
        cardless_user=cardless,
        cardless=Api(cardless),
        legal_no=legal_made.card.card_no,
        op_no=op_made.card.card_no,
    )


@pytest.fixture
def a():
    return side("甲方贸易有限公司")


@pytest.fixture
def b():
    """B, filed with customs and forex: its own card filings pass every check but the one about whose
    cards they name."""
    s = side("乙方实业有限公司")
    f.enterprise_filed(s.e, "customs", "customs:5300")
    f.enterprise_filed(s.e, "forex", "forex:440300")
    return s


def snapshot(*enterprises) -> dict:
    """Everything of these enterprises a filing request could change, plus global counts (nothing new
    anywhere) and the audit trail (a refusal leaves no event; a read that succeeds leaves its read event)."""
    out = {
        "counts": (
            Application.objects.count(),
            ReviewStep.objects.count(),
            Attachment.objects.count(),
            EnterpriseFiling.objects.count(),
            CardFiling.objects.count(),
            CardPermission.objects.count(),
            Card.objects.count(),
        ),
        "audit": AuditEvent.objects.exclude(action__in=READ_ACTIONS).count(),
        "units": sorted(Unit.objects.filter(pk__in=WATCHED_UNITS).values_list("id", "auto_review")),
        "files": sorted(str(p) for p in stored_files()),
    }
    for e in enterprises:
        out[e.name] = {
            "apps": sorted(
                Application.objects.filter(enterprise=e).values_list(
                    "id",
                    "kind",
                    "status",
                    "version",
                    "data",
                    "round",
                    "subject_key",
                    "submitted_at",
                    "decided_at",
                )
            ),
            "steps": sorted(
                ReviewStep.objects.filter(application__enterprise=e).values_list(
                    "id", "round", "unit_id", "status", "opinion", "reviewer_id", "decided_at"
                )
            ),
            "attachments": sorted(
                Attachment.objects.filter(application__enterprise=e).values_list(
                    "id", "application_id", "sha256", "file"
                )
            ),
            "filings": sorted(
                EnterpriseFiling.objects.filter(enterprise=e).values_list(
                    "filing", "unit_id", "data", "application_id"
                )
            ),
            "card_filings": sorted(
                CardFiling.objects.filter(card__enterprise=e).values_list(
                    "card__card_no", "filing", "application_id"
                )
            ),
            "permissions": sorted(
                CardPermission.objects.filter(card__enterprise=e).values_list(
                    "card__card_no", "subsystem_id", "valid_from", "valid_to"
                )
            ),
            "cards": sorted(Card.objects.filter(enterprise=e).values_list("card_no", "state", "version")),
        }
    return out


# --- applications through the API -----------------------------------------------------------------------


def reviewer(unit_id: str) -> Api:
    kind = UserKind.RA if unit_id.startswith("ra:") else UserKind.REVIEWER
    return Api(f.staff(kind, unit_id))


def decide(unit_id: str, app: dict, action: str) -> None:
    step = next(s for s in app["steps"] if s["status"] == "PENDING")
    r = reviewer(unit_id).post(
        f"/reviews/{step['id']}/{action}", {"opinion": "同意" if action == "approve" else "退回"}
    )
    assert r.status_code == 200, r.content


def a_filing(a, kind: str) -> dict:
    """What A needs before filing this kind (registry rows, earlier filings) and the data it files with."""
    e = a.e
    if kind == "customs_filing":
        CustomsRecord.objects.create(uscc=e.uscc, name=e.name, reg_no="4403960001", customs_code="5300")
        return {"customs_code": "5300", "filing_customs": "5301"}
    if kind == "forex_filing":
        # On the forex directory under another name: not approved by itself, the bureau reviews it.
        ForexDirectoryEntry.objects.create(uscc=e.uscc, name="别的名字有限公司", forex_bureau="440300")
        return {"forex_bureau": "440300"}
    if kind == "card_customs_filing":
        f.enterprise_filed(e, "customs", "customs:5300")
        return {"card_nos": [a.legal_no, a.op_no]}
    if kind == "card_forex_filing":
        f.enterprise_filed(e, "forex", "forex:440300")
        return {"card_nos": [a.legal_no, a.op_no]}
    if kind == "card_permission":
        CardFiling.objects.create(card=a.op_made.card, filing="customs")
        return {"card_no": a.op_no, "subsystems": ["express", "paperless_delegation"]}
    return {"authority": "440300"}


def a_application(a, kind: str, state: str) -> dict:
    """One of A's applications of this kind, filed by A's legal card and brought to this state, with a
    stored attachment (the filing kinds take none through the API: it is put there directly, so the
    attachment endpoints have a real id to aim at)."""
    app = created(a.legal, kind, a_filing(a, kind))
    if state != "DRAFT":
        app = submitted(a.legal, app["id"])
        if app["status"] == "SUBMITTED" and state != "SUBMITTED":
            decide(REVIEW_UNIT[kind], app, "approve" if state == "APPROVED" else "return")
    app = a.legal.get(f"/applications/{app['id']}").json()
    assert app["status"] == state, app
    pdf = make_pdf()
    att = Attachment(
        application_id=app["id"],
        doc_type="business_license",
        original_name="a.pdf",
        content_type="application/pdf",
        size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        uploaded_by=a.cardless_user,
    )
    att.file.save("upload", ContentFile(pdf), save=False)
    att.save()
    app["attachment_id"] = att.id
    return app


def foreign_patch(a, kind: str) -> dict:
    """What another actor tries to write into A's application: each would change it, were it let through."""
    return {
        "commerce_filing": {"authority": "440000"},
        "customs_filing": {"filing_customs": "5300"},
        "forex_filing": {"forex_bureau": "440000"},
        "card_customs_filing": {"card_nos": [a.legal_no]},
        "card_forex_filing": {"card_nos": [a.legal_no]},
        "card_permission": {"subsystems": ["paperless_signing"]},
    }[kind]


def endpoints(a, app: dict):
    """Every endpoint of one application as (label, call(api) -> response)."""
    i, att, version = app["id"], app["attachment_id"], app["version"]
    data = foreign_patch(a, app["kind"])
    return [
        ("GET", lambda api: api.get(f"/applications/{i}")),
        ("PATCH", lambda api: api.patch(f"/applications/{i}", {"data": data, "version": version})),
        ("PATCH (stale version)", lambda api: api.patch(f"/applications/{i}", {"data": data, "version": 0})),
        ("DELETE", lambda api: api.delete(f"/applications/{i}")),
        ("submit", lambda api: api.post(f"/applications/{i}/submit")),
        ("submit (versioned)", lambda api: api.post(f"/applications/{i}/submit", {"version": version})),
        ("attachment POST", lambda api: api.upload(i, make_pdf())),
        ("attachment POST (not a PDF)", lambda api: api.upload(i, b"not a pdf", doc_type="nonsense")),
        ("attachment POST (too large)", lambda api: api.upload(i, too_large())),
        ("attachment GET", lambda api: api.get(f"/applications/{i}/attachments/{att}")),
        ("attachment DELETE", lambda api: api.delete(f"/applications/{i}/attachments/{att}")),
    ]


# (kind, state): every kind as a draft; submitted and returned where a person reviews it (customs, forex:
# the others approve themselves at submission); approved where that leaves filings or permissions behind.
CASES = [(k, "DRAFT") for k in FILING_KINDS] + [
    ("customs_filing", "SUBMITTED"),
    ("customs_filing", "RETURNED"),
    ("customs_filing", "APPROVED"),
    ("forex_filing", "SUBMITTED"),
    ("forex_filing", "RETURNED"),
    ("commerce_filing", "APPROVED"),
    ("card_customs_filing", "APPROVED"),
    ("card_forex_filing", "APPROVED"),
    ("card_permission", "APPROVED"),
]


def expected(actor: str, label: str) -> tuple[int, str]:
    """Another enterprise's actors find nothing (404, whatever the endpoint). A's own operator card has no
    application business: refused on every endpoint (403), reading included."""
    if actor == "A operator card":
        return 403, "enterprise_actor_required"
    return 404, "application_not_found"


# --- 1. other actors on each of A's filing applications -----------------------------------------------------


@pytest.mark.parametrize("actor", ["B legal card", "B card-less", "A operator card"])
@pytest.mark.parametrize("kind, state", CASES)
def test_other_actors_reach_none_of_as_filing_applications(a, b, actor, kind, state):
    app = a_application(a, kind, state)
    api = {"B legal card": b.legal, "B card-less": b.cardless, "A operator card": a.op}[actor]
    before = snapshot(a.e, b.e)
    for label, call in endpoints(a, app):
        status, code = expected(actor, label)
        assert_error(call(api), status, code)
        assert snapshot(a.e, b.e) == before, label
    # A itself still reads it: the refusals were about the actor, not a missing row.
    mine = a.legal.get(f"/applications/{app['id']}").json()
    assert (mine["status"], mine["version"], mine["data"]) == (app["status"], app["version"], app["data"])
    r = a.legal.get(f"/applications/{app['id']}/attachments/{app['attachment_id']}")
    assert r.status_code == 200


@pytest.mark.parametrize("kind", CARD_KINDS)
def test_as_card_less_user_reads_but_cannot_change_the_legal_cards_card_filings(a, kind):
    """A card-less user is no filer of the card kinds: it sees its enterprise's application, and every
    change is refused (403 kind_not_allowed) whatever the state of the draft."""
    app = a_application(a, kind, "DRAFT")
    before = snapshot(a.e)
    for label, call in endpoints(a, app):
        r = call(a.cardless)
        if label in ("GET", "attachment GET"):
            assert r.status_code == 200, (label, r.status_code)
        else:
            assert_error(r, 403, "kind_not_allowed")
        assert snapshot(a.e) == before, label


def test_b_cannot_reach_as_attachment_through_its_own_application(a, b):
    app = a_application(a, "customs_filing", "DRAFT")
    mine = created(b.legal, "commerce_filing", {"authority": "440300"})
    before = snapshot(a.e, b.e)
    assert_error(
        b.legal.get(f"/applications/{mine['id']}/attachments/{app['attachment_id']}"),
        404,
        "attachment_not_found",
    )
    assert_error(
        b.legal.delete(f"/applications/{mine['id']}/attachments/{app['attachment_id']}"),
        404,
        "attachment_not_found",
    )
    assert snapshot(a.e, b.e) == before


# --- 2. B naming A's cards in its own card filings and permissions ---------------------------------------------


def a_cards_untouched(a) -> None:
    assert not CardFiling.objects.filter(card__enterprise=a.e).exists()
    assert not CardPermission.objects.filter(card__enterprise=a.e).exists()


# Which of A's cards B names, and how (the list field trims, upper-cases and also takes "a,b").
CARD_NOS = {
    "A operator": lambda a, b: [a.op_no],
    "A legal": lambda a, b: [a.legal_no],
    "A lower-case, padded": lambda a, b: [f"  {a.op_no.lower()} "],
    "B's then A's": lambda a, b: [b.legal_no, a.op_no],
    "A's then B's": lambda a, b: [a.legal_no, b.op_no],
    "comma-separated": lambda a, b: f"{b.op_no},{a.op_no}",
    "as a number": lambda a, b: [int(a.op_no)],
}


@pytest.mark.parametrize("kind", ["card_customs_filing", "card_forex_filing"])
@pytest.mark.parametrize("naming", list(CARD_NOS))
def test_b_cannot_file_as_cards_on_create(a, b, kind, naming):
    before = snapshot(a.e, b.e)
    assert_error(
        create(b.legal, kind, {"card_nos": CARD_NOS[naming](a, b)}), 404, "card_not_found", "card_nos"
    )
    assert snapshot(a.e, b.e) == before
    a_cards_untouched(a)


@pytest.mark.parametrize("kind", ["card_customs_filing", "card_forex_filing"])
@pytest.mark.parametrize("naming", list(CARD_NOS))
def test_b_cannot_file_as_cards_on_patch(a, b, kind, naming):
    draft = created(b.legal, kind, {"card_nos": [b.legal_no]})
    before = snapshot(a.e, b.e)
    r = b.legal.patch(
        f"/applications/{draft['id']}",
        {"data": {"card_nos": CARD_NOS[naming](a, b)}, "version": draft["version"]},
    )
    assert_error(r, 404, "card_not_found", "card_nos")
    assert snapshot(a.e, b.e) == before
    # The draft, still B's own, submits and files B's card only.
    done = submitted(b.legal, draft["id"])
    assert done["status"] == "APPROVED" and done["data"]["card_nos"] == [b.legal_no]
    a_cards_untouched(a)


@pytest.mark.parametrize("card", ["A operator", "A legal", "A lower-case", "A as a number"])
def test_b_cannot_ask_permissions_for_as_card_on_create(a, b, card):
    no = {
        "A operator": a.op_no,
        "A legal": a.legal_no,
        "A lower-case": f" {a.op_no.lower()} ",
        "A as a number": int(a.op_no),
    }[card]
    # A's cards are filed (a permission would otherwise be refused for that, not for whose card it is).
    CardFiling.objects.create(card=a.op_made.card, filing="customs")
    CardFiling.objects.create(card=a.legal_made.card, filing="customs")
    before = snapshot(a.e, b.e)
    assert_error(
        create(b.legal, "card_permission", {"card_no": no, "subsystems": ["enterprise_mgmt"]}),
        404,
        "card_not_found",
        "card_no",
    )
    assert snapshot(a.e, b.e) == before
    assert not CardPermission.objects.filter(card__enterprise=a.e).exists()


@pytest.mark.parametrize("kind", ["card_customs_filing", "card_forex_filing", "card_permission"])
def test_as_card_and_no_card_are_refused_alike(a, b, kind):
    """The refusal tells nothing about A: A's card and a card number nobody has answer the same."""

    def refusal(no):
        data = {"card_no": no, "subsystems": ["express"]} if kind == "card_permission" else {"card_nos": [no]}
        e = assert_error(create(b.legal, kind, data), 404, "card_not_found")
        return e["code"], e["field"], e["message"].replace(no, "#")

    assert refusal(a.op_no) == refusal("253999999999999")


def test_b_cannot_move_its_permission_draft_to_as_card(a, b):
    """The card of a permission application is fixed at creation (test_filings_api: a PATCH naming another
    card is accepted and the card kept). Naming A's card therefore takes nothing of A, answers exactly as a
    card number nobody has, and B's draft stays about B's card up to its approval."""
    CardFiling.objects.create(card=a.op_made.card, filing="customs")
    CardFiling.objects.create(card=b.op_made.card, filing="customs")
    draft = created(b.legal, "card_permission", {"card_no": b.op_no, "subsystems": ["express"]})
    for no in (a.op_no, a.op_no.lower(), "253999999999999"):
        version = b.legal.get(f"/applications/{draft['id']}").json()["version"]
        before = snapshot(a.e)[a.e.name]
        r = b.legal.patch(f"/applications/{draft['id']}", {"data": {"card_no": no}, "version": version})
        assert r.status_code == 200, (no, r.content)
        assert r.json()["data"]["card_no"] == b.op_no
        assert snapshot(a.e)[a.e.name] == before, no
    stored = Application.objects.get(pk=draft["id"])
    assert stored.data["card_no"] == b.op_no and stored.subject_key == f"card:{b.op_no}"
    done = submitted(b.legal, draft["id"])
    assert done["status"] == "APPROVED"
    assert list(
        CardPermission.objects.filter(card__enterprise=b.e).values_list("card__card_no", "subsystem_id")
    ) == [(b.op_no, "express")]
    assert not CardPermission.objects.filter(card__enterprise=a.e).exists()


# --- 3. reviewers -------------------------------------------------------------------------------------------

# Who must not see A's step: another district's customs, another province's forex bureau, a sibling office,
# the same place in another department, an unrelated department, A's own sub-centre.
OUTSIDERS = {
    "customs_filing": [
        "customs:0100",
        "customs:5302",
        "forex:110000",
        "forex:440000",
        "tax:14403000000",
        "aic:440300",
        "commerce:440300",
        "ra:5300",
    ],
    "forex_filing": [
        "forex:110000",
        "forex:440100",
        "customs:0100",
        "customs:5300",
        "tax:14403000000",
        "aic:440300",
        "commerce:440300",
        "ra:5300",
    ],
}
INSIDERS = {
    "customs_filing": ["customs:5301", "customs:5300"],
    "forex_filing": ["forex:440300", "forex:440000"],
}


def pending_ids(api) -> set[int]:
    r = api.get("/reviews", {"status": "pending", "page_size": 100})
    assert r.status_code == 200, r.content
    return {s["id"] for s in r.json()["items"]}


@pytest.mark.parametrize("kind, unit", [(k, u) for k, units in OUTSIDERS.items() for u in units])
def test_outside_reviewers_neither_see_nor_decide_as_filing(a, kind, unit):
    app = a_application(a, kind, "SUBMITTED")
    [step] = app["steps"]
    assert step["unit"]["id"] == REVIEW_UNIT[kind]
    api = reviewer(unit)
    before = snapshot(a.e)
    assert_error(api.get(f"/applications/{app['id']}"), 404, "application_not_found")
    assert_error(
        api.get(f"/applications/{app['id']}/attachments/{app['attachment_id']}"), 404, "application_not_found"
    )
    assert step["id"] not in pending_ids(api)
    for action in ("approve", "return"):
        assert_error(api.post(f"/reviews/{step['id']}/{action}", {"opinion": "越权"}), 404, "step_not_found")
    assert snapshot(a.e) == before
    assert not EnterpriseFiling.objects.filter(enterprise=a.e).exists()


@pytest.mark.parametrize("action", ["approve", "return"])
@pytest.mark.parametrize("kind, unit", [(k, u) for k, units in INSIDERS.items() for u in units])
def test_the_right_reviewer_sees_and_decides_as_filing(a, kind, unit, action):
    app = a_application(a, kind, "SUBMITTED")
    [step] = app["steps"]
    api = reviewer(unit)
    assert api.get(f"/applications/{app['id']}").status_code == 200
    assert step["id"] in pending_ids(api)
    r = api.post(f"/reviews/{step['id']}/{action}", {"opinion": "同意" if action == "approve" else "请更正"})
    assert r.status_code == 200, r.content
    after = a.legal.get(f"/applications/{app['id']}").json()
    filing = kind.removesuffix("_filing")
    if action == "approve":
        assert after["status"] == "APPROVED"
        assert EnterpriseFiling.objects.get(enterprise=a.e, filing=filing).unit_id == REVIEW_UNIT[kind]
        assert a.legal.get("/filings").json()[filing]["status"] == "FILED"
    else:
        assert after["status"] == "RETURNED"
        assert not EnterpriseFiling.objects.filter(enterprise=a.e).exists()


@pytest.mark.parametrize(
    "kind", ["commerce_filing", "card_customs_filing", "card_forex_filing", "card_permission"]
)
@pytest.mark.parametrize("unit", ["customs:0100", "forex:110000", "tax:14403000000", "ra:0100"])
def test_outside_reviewers_do_not_see_as_self_approved_filings(a, kind, unit):
    app = a_application(a, kind, "APPROVED")
    assert app["steps"][0]["status"] == "AUTO_APPROVED"
    assert_error(reviewer(unit).get(f"/applications/{app['id']}"), 404, "application_not_found")


def test_auto_review_switch_only_by_the_units_own_reviewer(a, b):
    """Mirrors test_reviews.test_auto_review_only_own_unit: the customs above (5300), another district,
    the forex bureau above and the enterprises' actors may not switch customs:5301 / forex:440300; the
    switch being refused, A's pending steps stay pending. The unit's own reviewer may, and A's waiting
    customs filing then approves itself."""
    customs = a_application(a, "customs_filing", "SUBMITTED")
    forex = a_application(a, "forex_filing", "SUBMITTED")
    before = snapshot(a.e)
    refused = {
        "customs:5301": ["customs:5300", "customs:0100", "customs:5302", "forex:440300", "ra:5300"],
        "forex:440300": ["forex:440000", "forex:110000", "customs:5300", "customs:5301"],
    }
    for unit_id, units in refused.items():
        for other in [reviewer(u) for u in units] + [a.legal, a.cardless, a.op, b.legal]:
            for enabled in (True, False):
                assert_error(
                    other.put(f"/units/{unit_id}/auto-review", {"enabled": enabled}),
                    403,
                    "auto_review_own_unit_only",
                )
        assert_error(Api().put(f"/units/{unit_id}/auto-review", {"enabled": True}), 401, "not_authenticated")
    assert snapshot(a.e) == before
    assert not Unit.objects.filter(pk__in=WATCHED_UNITS, auto_review=True).exists()

    r = reviewer("customs:5301").put("/units/customs:5301/auto-review", {"enabled": True})
    assert r.status_code == 200 and r.json()["enabled"] is True
    assert a.legal.get(f"/applications/{customs['id']}").json()["status"] == "APPROVED"
    assert a.legal.get(f"/applications/{forex['id']}").json()["status"] == "SUBMITTED"


# --- 4. the filings lists ------------------------------------------------------------------------------------


def xlsx_cells(resp) -> set[str]:
    assert resp.status_code == 200, (resp.status_code, resp.content[:300])
    assert resp["Content-Type"] == XLSX
    wb = load_workbook(io.BytesIO(resp.content), read_only=True)
    return {
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
    }


@pytest.fixture
def both_filed(a, b):
    """A and B each with card filings and permissions on both cards (A's are what must not show)."""
    f.enterprise_filed(a.e, "customs", "customs:5301")
    f.enterprise_filed(a.e, "forex", "forex:440300")
    for s in (a, b):
        for made in (s.legal_made, s.op_made):
            CardFiling.objects.get_or_create(card=made.card, filing="customs")
            CardFiling.objects.create(card=made.card, filing="forex")
        CardPermission.objects.create(card=s.op_made.card, subsystem_id="express")
    return a, b


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"card_no": "A op"},
        {"card_no": "A legal"},
        {"card_no": "A op lower"},
        {"card_no": "A op prefix"},
        {"holder_name": "周八"},
        {"holder_name": "甲方"},
    ],
)
def test_filings_cards_of_b_never_list_as_cards(both_filed, params):
    a, b = both_filed
    values = {
        "A op": a.op_no,
        "A legal": a.legal_no,
        "A op lower": a.op_no.lower(),
        "A op prefix": a.op_no[:6],
    }
    params = {k: values.get(v, v) for k, v in params.items()}
    a_nos = {a.op_no, a.legal_no}
    r = b.legal.get("/filings/cards", {**params, "page_size": 100})
    assert r.status_code == 200, r.content
    body = r.json()
    listed = {c["card_no"] for c in body["items"]}
    assert not listed & a_nos and body["total"] == len(body["items"])
    assert listed <= {b.op_no, b.legal_no}
    assert all(c["enterprise"]["uscc"] == b.e.uscc for c in body["items"])
    cells = xlsx_cells(b.legal.get("/filings/cards.xlsx", params))
    assert not {c for c in cells if any(no in c.upper() for no in a_nos)}, cells
    if not params or params.get("holder_name") == "周八":
        assert b.op_no in listed and b.op_no in cells  # the filter ran on B's cards: B's own still show


def test_filings_cards_lists_own_cards_with_their_filings(both_filed):
    """The positive side of the matrix: A's legal card sees exactly A's cards, with filings and permissions."""
    a, b = both_filed
    items = {c["card_no"]: c for c in a.legal.get("/filings/cards").json()["items"]}
    assert set(items) == {a.op_no, a.legal_no}
    assert items[a.op_no]["filings"] == ["customs", "forex"]
    assert [p["code"] for p in items[a.op_no]["permissions"]] == ["express"]
    assert {a.op_no, a.legal_no} <= xlsx_cells(a.legal.get("/filings/cards.xlsx"))
    assert_error(b.legal.get(f"/cards/{a.op_no}"), 404, "card_not_found")


def test_filings_and_enterprise_show_only_the_own_filing_states(both_filed):
    a, b = both_filed
    f.enterprise_filed(b.e, "commerce", "commerce:440300")
    a_states = {k: v["status"] for k, v in a.legal.get("/filings").json().items()}
    assert a_states == {"commerce": "NONE", "customs": "FILED", "forex": "FILED"}
    for api in (b.legal, b.cardless):
        filings = api.get("/filings").json()
        assert {k: v["status"] for k, v in filings.items()} == {
            "commerce": "FILED",
            "customs": "FILED",
            "forex": "FILED",
        }
        assert filings["customs"]["unit"]["id"] == "customs:5300"  # B's, not A's customs:5301
        assert api.get("/enterprise").json()["filings"] == filings


@pytest.mark.parametrize("path", ["/filings/cards", "/filings/cards.xlsx"])
@pytest.mark.parametrize(
    "actor", ["B card-less", "A card-less", "A operator card", "reviewer", "ra", "admin"]
)
def test_filings_cards_are_for_the_legal_card_only(both_filed, path, actor):
    a, b = both_filed
    api = {
        "B card-less": b.cardless,
        "A card-less": a.cardless,
        "A operator card": a.op,
        "reviewer": reviewer("customs:5300"),
        "ra": reviewer("ra:5300"),
        "admin": Api(f.staff(UserKind.ADMIN, None)),
    }[actor]
    for params in ({}, {"card_no": a.op_no}):
        assert_error(api.get(path, params), 403)


@pytest.mark.parametrize("actor", ["reviewer", "ra", "admin", "A operator card"])
def test_filings_states_are_for_the_enterprise_actors_only(both_filed, actor):
    """Its card-less user and its legal card read them; an operator card (an employee's card: the
    master record holds the legal representative's ID number) is refused, as staff are: 403, as on the screens."""
    a, _b = both_filed
    api = {
        "reviewer": reviewer("customs:5301"),
        "ra": reviewer("ra:5300"),
        "admin": Api(f.staff(UserKind.ADMIN, None)),
        "A operator card": a.op,
    }[actor]
    for path in ("/filings", "/enterprise"):
        assert_error(api.get(path), 403, "enterprise_actor_required")
    for own in (a.legal, a.cardless):
        assert own.get("/filings").json() == own.get("/enterprise").json()["filings"]


@pytest.mark.parametrize("path", ["/filings", "/filings/cards", "/filings/cards.xlsx", "/enterprise"])
def test_filings_anonymous_is_401(both_filed, path):
    assert_error(Api().get(path), 401, "not_authenticated")
    assert_error(Api(token="not-a-token").get(path), 401)


# --- 5. who may file which kind ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", CARD_KINDS)
@pytest.mark.parametrize("whose", ["own cards", "B's cards", "no data"])
def test_card_less_user_may_not_file_card_kinds(a, b, kind, whose):
    """A card-less user is no filer of the card kinds: refused as such (403), before its data is looked
    at (so a card of another enterprise is no oracle either)."""
    f.enterprise_filed(a.e, "customs", "customs:5300")
    f.enterprise_filed(a.e, "forex", "forex:440300")
    CardFiling.objects.create(card=a.op_made.card, filing="customs")
    cards = {"own cards": [a.op_no], "B's cards": [b.op_no], "no data": None}[whose]
    if cards is None:
        data = {}
    elif kind == "card_permission":
        data = {"card_no": cards[0], "subsystems": ["express"]}
    else:
        data = {"card_nos": cards}
    before = snapshot(a.e, b.e)
    assert_error(create(a.cardless, kind, data), 403, "kind_not_allowed", "kind")
    assert snapshot(a.e, b.e) == before


def test_legal_card_may_not_file_the_card_less_users_kinds(a):
    before = snapshot(a.e)
    assert_error(create(a.legal, "legal_card_reissue", {"reason": "lost"}), 403, "kind_not_allowed")
    assert_error(create(a.legal, "enterprise_entry", f.entry_data(a.e.uscc)), 403, "kind_not_allowed")
    assert snapshot(a.e) == before


@pytest.mark.parametrize("kind", FILING_KINDS)
def test_operator_card_may_not_file(a, kind):
    data = a_filing(a, kind)  # everything in place: the legal card could file exactly this
    before = snapshot(a.e)
    assert_error(create(a.op, kind, data), 403, "enterprise_actor_required")
    assert snapshot(a.e) == before
    assert created(a.legal, kind, data)["status"] == "DRAFT"
