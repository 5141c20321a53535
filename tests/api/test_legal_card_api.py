"""The legal-person card's own business over the JSON API (API.md): 企业操作员信息申报 / 变更 / 注销申报,
三证合一信息变更, 补办法人卡 (by the card-less user), the Excel exports of the lists, and the scoping matrix:
another enterprise's legal card, an operator card and card-less users reach none of it and change nothing.

Everything here goes through HTTP as a client would (a bearer token per actor); the database is read only
to check that a refusal left no trace.
"""

import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from eport.applications.kinds import all_kinds
from eport.applications.models import Application, ReviewStep
from eport.cards.models import Card, CardState
from eport.enterprises.models import Enterprise
from eport.operators.models import Operator
from eport.pki.models import CertStatus
from tests import factories as f

from .helpers import Api, approve_all, assert_error, created, make_pdf, ready, submitted

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CARD_ACTIONS = ("report-lost", "cancel-lost", "freeze", "unfreeze", "unlock", "renew", "void")


# --- helpers ----------------------------------------------------------------------------------------------


def pending_step(ra, app_id) -> dict:
    """The one step of the application the reviewer sees in 待审核 (GET /reviews?status=pending)."""
    r = ra.get("/reviews", {"status": "pending", "page_size": 100})
    assert r.status_code == 200, r.content
    steps = [s for s in r.json()["items"] if s["application"]["id"] == app_id]
    assert len(steps) == 1, r.json()
    return steps[0]


def ra_approves(ra, app_id, opinion="同意") -> dict:
    step = pending_step(ra, app_id)
    r = ra.post(f"/reviews/{step['id']}/approve", {"opinion": opinion})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "APPROVED"
    return r.json()


def listed(api, path, **params) -> list[dict]:
    r = api.get(path, {"page_size": 100, **params})
    assert r.status_code == 200, (path, params, r.content[:300])
    body = r.json()
    assert body["total"] == len(body["items"]), body
    return body["items"]


def numbers(api, **params) -> list[str]:
    """operator_no of GET /operators with these filters, in list order."""
    return [o["operator_no"] for o in listed(api, "/operators", **params)]


def xlsx_rows(resp) -> list[tuple]:
    """The data rows of an Excel export (the header row checked and dropped)."""
    assert resp.status_code == 200, (resp.status_code, resp.content[:300])
    assert resp["Content-Type"] == XLSX
    assert resp["Content-Disposition"].startswith("attachment;") and ".xlsx" in resp["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.content), read_only=True)
    assert len(wb.worksheets) == 1
    rows = [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    assert rows and all(isinstance(h, str) and h for h in rows[0]), rows[:1]
    return rows[1:]


def first_column(resp) -> list[str]:
    return [r[0] for r in xlsx_rows(resp)]


def head(r) -> bytes:
    """The start of a response body for a message (a served file streams)."""
    return b"<streamed file>" if r.streaming else r.content[:160]


def app_state(app_id):
    a = Application.objects.get(pk=app_id)
    return a.status, a.version, a.data, a.round, ReviewStep.objects.filter(application=a).count()


def operator_state(no):
    o = Operator.objects.get(operator_no=no)
    return o.status, o.name, o.id_no, o.phone, o.job_title, o.email, o.registered_here


def card_state(no):
    c = Card.objects.select_related("certificate", "user").get(card_no=no)
    return (
        c.state,
        c.version,
        c.pin_locked,
        c.pin_failures,
        c.valid_to,
        c.lost_by_ra,
        c.frozen_by_ra,
        c.certificate_id,
        c.certificate.status,
        c.user.is_active,
    )


@pytest.fixture
def ent():
    """An enterprise in the network with its legal card (PIN changed) and its sub-centre's RA officer."""
    ra_user = f.ra_officer()
    e = f.enterprise_in_network(name="甲方贸易有限公司")
    legal = f.make_card("legal", e, ra=ra_user)
    return SimpleNamespace(e=e, ra_user=ra_user, ra=Api(ra_user), legal_made=legal, legal=ready(legal))


# --- 1. 企业操作员信息申报: the lifecycle ----------------------------------------------------------------


def test_legal_card_declares_an_operator_and_the_ra_approves_it(ent):
    """The legal card saves a declaration (the operator gets its 操作员统一编号 at once), finds it in the
    operator list with every filter, edits it, submits it; the sub-centre finds it in its queue, cannot
    approve without an opinion, approves with one, and the operator shows 审核通过 with its history."""
    api, ra = ent.legal, ent.ra
    wang = created(api, "operator_declaration", f.op_data())
    no = wang["data"]["operator_no"]
    assert no.startswith("CZ") and wang["version"] == 1 and wang["number"].startswith("CY")
    zhao = created(
        api,
        "operator_declaration",
        f.op_data(name="赵六", phone="13700001111", job_title="财务主管", email="zhao@example.com"),
    )
    zhao_no = zhao["data"]["operator_no"]

    # 企业操作员查询: the new operator is listed as 暂存, with its open declaration.
    item = next(o for o in listed(api, "/operators") if o["operator_no"] == no)
    assert item["status"] == "DRAFT" and item["name"] == "王五" and item["enterprise"]["uscc"] == ent.e.uscc
    assert item["open_applications"] == [
        {"id": wang["id"], "number": wang["number"], "kind": "operator_declaration", "status": "DRAFT"}
    ]
    # The filters: exact 操作员统一编号 / 证件号 / 联系电话, fuzzy 姓名 / 职务, 信息状态.
    assert numbers(api) == [zhao_no, no]
    assert numbers(api, operator_no=no) == [no]
    assert numbers(api, operator_no=no.lower()) == [no]
    assert numbers(api, operator_no=no[:-1]) == []
    assert numbers(api, name="五") == [no]
    assert numbers(api, name="赵") == [zhao_no]
    assert numbers(api, id_no=wang["data"]["id_no"]) == [no]
    assert numbers(api, id_no=wang["data"]["id_no"][:-2]) == []
    assert numbers(api, status="DRAFT") == [zhao_no, no]
    assert numbers(api, status="APPROVED") == []
    assert numbers(api, phone="13700001111") == [zhao_no]
    assert numbers(api, phone="1370000") == []
    assert numbers(api, job_title="财务") == [zhao_no]
    assert numbers(api, job_title="报关") == [no]
    assert numbers(api, name="五", job_title="财务") == []
    assert_error(api.get("/operators", {"status": "bogus"}), 400, "status_invalid", "status")

    # 修改: a stale version is refused and nothing moves; the current one is accepted.
    before = app_state(wang["id"]), operator_state(no)
    r = api.patch(f"/applications/{wang['id']}", {"data": {"phone": "13911112222"}, "version": 0})
    assert_error(r, 409, "stale_version", "version")
    assert (app_state(wang["id"]), operator_state(no)) == before
    r = api.patch(f"/applications/{wang['id']}", {"data": {"phone": "13911112222"}, "version": 1})
    assert r.status_code == 200, r.content
    assert r.json()["version"] == 2 and r.json()["data"]["phone"] == "13911112222"
    assert r.json()["data"]["operator_no"] == no
    assert api.get(f"/operators/{no}").json()["phone"] == "13911112222"  # the draft is mirrored in the list

    # 申报, then the sub-centre's queue.
    submitted(api, wang["id"], "SUBMITTED")
    assert api.get(f"/operators/{no}").json()["status"] == "SUBMITTED"
    step = pending_step(ra, wang["id"])
    assert step["unit"]["id"] == "ra:5300" and step["application"]["kind"] == "operator_declaration"
    assert step["application"]["enterprise_name"] == "甲方贸易有限公司"
    for blank in ("", "   "):
        assert_error(
            ra.post(f"/reviews/{step['id']}/approve", {"opinion": blank}), 400, "opinion_required", "opinion"
        )
    assert api.get(f"/applications/{wang['id']}").json()["status"] == "SUBMITTED"
    assert api.get(f"/operators/{no}").json()["status"] == "SUBMITTED"
    # Read-only while in review.
    assert_error(
        api.patch(f"/applications/{wang['id']}", {"data": {"phone": "13900000000"}, "version": 3}),
        409,
        "not_editable",
    )
    ra_approves(ra, wang["id"], opinion="材料齐全，同意")

    detail = api.get(f"/operators/{no}")
    assert detail.status_code == 200, detail.content
    d = detail.json()
    assert d["status"] == "APPROVED" and d["phone"] == "13911112222" and d["open_applications"] == []
    assert [(a["id"], a["kind"], a["status"]) for a in d["applications"]] == [
        (wang["id"], "operator_declaration", "APPROVED")
    ]
    app = api.get(f"/applications/{wang['id']}").json()
    assert app["status"] == "APPROVED" and app["decided_at"]
    assert [(s["unit"]["id"], s["status"], s["opinion"], s["reviewer"]) for s in app["steps"]] == [
        ("ra:5300", "APPROVED", "材料齐全，同意", ent.ra_user.username)
    ]
    assert numbers(api, status="APPROVED") == [no]
    assert numbers(api, status="DRAFT") == [zhao_no]


def test_a_bad_declaration_names_the_field_and_creates_no_operator(ent):
    """A wrong 证件号 (check digit), a bad e-mail or phone: 400 naming the field, and neither an
    application nor an operator appears."""
    apps, ops = Application.objects.count(), Operator.objects.count()
    good = f.resident_id()
    bad_check_digit = good[:-1] + ("0" if good[-1] != "0" else "1")
    for data, field in (
        (f.op_data(id_no=bad_check_digit), "id_no"),
        (f.op_data(id_no="123"), "id_no"),
        (f.op_data(id_no=""), "id_no"),
        (f.op_data(email="not-an-email"), "email"),
        (f.op_data(phone="12"), "phone"),
        (f.op_data(phone="8600123"), "phone"),  # a landline without its area code
        (f.op_data(id_type="martian"), "id_type"),
    ):
        r = ent.legal.post("/applications", {"kind": "operator_declaration", "data": data})
        assert_error(r, 400, field=field)
    assert (Application.objects.count(), Operator.objects.count()) == (apps, ops)
    assert listed(ent.legal, "/operators") == []


def test_a_second_declaration_of_the_same_person_is_refused(ent):
    """The same 证件号 twice in one enterprise: refused on id_no, one operator only."""
    data = f.op_data()
    created(ent.legal, "operator_declaration", data)
    r = ent.legal.post(
        "/applications", {"kind": "operator_declaration", "data": f.op_data(id_no=data["id_no"])}
    )
    assert_error(r, 400, "operator_exists", "id_no")
    assert Operator.objects.filter(enterprise=ent.e).count() == 1


# --- 2. 变更 and 注销申报 -------------------------------------------------------------------------------


def test_change_of_an_approved_operator_updates_it_and_its_card(ent):
    """A change (the data carry the approved operator's 操作员统一编号) leaves the operator 审核通过 while in
    flight; once approved, the operator and the holder on its card show the new data."""
    op = f.operator(ent.e, name="李四")
    made = f.make_card("operator", ent.e, ra=ent.ra_user, operator_no=op.operator_no)
    other = f.operator(ent.e, name="另一人")
    change = created(
        ent.legal,
        "operator_declaration",
        f.op_data(operator_no=op.operator_no, name="李四新", id_no=op.id_no),
    )
    assert change["data"]["operator_no"] == op.operator_no
    # It stays about this operator: an edit cannot move it to another one.
    r = ent.legal.patch(
        f"/applications/{change['id']}", {"data": {"operator_no": other.operator_no}, "version": 1}
    )
    assert r.status_code == 200 and r.json()["data"]["operator_no"] == op.operator_no
    assert Operator.objects.get(pk=other.pk).name == "另一人"
    # One open change at a time.
    r = ent.legal.post(
        "/applications",
        {"kind": "operator_declaration", "data": f.op_data(operator_no=op.operator_no, id_no=op.id_no)},
    )
    assert_error(r, 409, "open_application_exists")
    submitted(ent.legal, change["id"], "SUBMITTED")
    o = ent.legal.get(f"/operators/{op.operator_no}").json()
    assert o["status"] == "APPROVED" and o["name"] == "李四"  # not before approval
    assert [a["kind"] for a in o["open_applications"]] == ["operator_declaration"]
    ra_approves(ent.ra, change["id"])
    o = ent.legal.get(f"/operators/{op.operator_no}").json()
    assert o["status"] == "APPROVED" and o["name"] == "李四新" and o["open_applications"] == []
    assert ent.legal.get(f"/cards/{made.card.card_no}").json()["holder_name"] == "李四新"


def test_change_and_cancellation_refusals(ent):
    """Each refusal has its own code: no such operator (404), not approved (409), not registered here
    (409), its card not voided (409); nothing is created by a refusal."""
    api = ent.legal
    draft_op = f.operator(ent.e, name="草稿", approved=False)
    foreign = f.operator(ent.e, name="旧系统")
    Operator.objects.filter(pk=foreign.pk).update(registered_here=False)
    carded = f.operator(ent.e, name="有卡")
    f.make_card("operator", ent.e, ra=ent.ra_user, operator_no=carded.operator_no)
    other_e = f.enterprise_in_network()
    elsewhere = f.operator(other_e, name="别家")
    apps = Application.objects.count()
    ops = {o.operator_no: operator_state(o.operator_no) for o in Operator.objects.all()}

    def change(no):
        return api.post("/applications", {"kind": "operator_declaration", "data": f.op_data(operator_no=no)})

    def cancel(no):
        return api.post("/applications", {"kind": "operator_cancellation", "data": {"operator_no": no}})

    for no in ("CZ9999999999", elsewhere.operator_no):
        assert_error(change(no), 404, "operator_not_found", "operator_no")
        assert_error(cancel(no), 404, "operator_not_found", "operator_no")
    assert_error(change(draft_op.operator_no), 409, "operator_not_approved", "operator_no")
    assert_error(cancel(draft_op.operator_no), 409, "operator_not_approved", "operator_no")
    assert_error(cancel(foreign.operator_no), 409, "operator_not_registered_here", "operator_no")
    e = assert_error(cancel(carded.operator_no), 409, "operator_card_not_voided", "operator_no")
    assert Card.objects.get(operator=carded).card_no in e["message"]
    assert_error(cancel(""), 400, field="operator_no")
    assert Application.objects.count() == apps
    assert {o.operator_no: operator_state(o.operator_no) for o in Operator.objects.all()} == ops


def test_cancellation_while_a_change_is_in_flight(ent):
    """An operator with a change in flight may still be cancelled; while the cancellation is in review the
    change is read-only; once approved the operator is 已注销 and the change can no longer be submitted."""
    api = ent.legal
    op = f.operator(ent.e, name="孙七")
    change = created(
        api,
        "operator_declaration",
        f.op_data(operator_no=op.operator_no, id_no=op.id_no, phone="13566667777"),
    )
    cancellation = created(api, "operator_cancellation", {"operator_no": op.operator_no})
    assert cancellation["number"].startswith("CX")
    again = {"kind": "operator_cancellation", "data": {"operator_no": op.operator_no}}
    assert_error(api.post("/applications", again), 409, "open_application_exists")
    o = api.get(f"/operators/{op.operator_no}").json()
    assert sorted(a["kind"] for a in o["open_applications"]) == [
        "operator_cancellation",
        "operator_declaration",
    ]
    submitted(api, cancellation["id"], "SUBMITTED")
    before = app_state(change["id"])
    assert_error(
        api.patch(f"/applications/{change['id']}", {"data": {"phone": "13500000000"}, "version": 1}),
        409,
        "operator_cancellation_in_flight",
    )
    assert_error(api.post(f"/applications/{change['id']}/submit"), 409, "operator_cancellation_in_flight")
    assert app_state(change["id"]) == before
    ra_approves(ent.ra, cancellation["id"], opinion="同意注销")
    o = api.get(f"/operators/{op.operator_no}").json()
    assert o["status"] == "CANCELLED"
    assert {(a["id"], a["status"]) for a in o["applications"]} == {
        (cancellation["id"], "APPROVED"),
        (change["id"], "DRAFT"),
    }
    assert numbers(api, status="CANCELLED") == [op.operator_no]
    assert_error(api.post(f"/applications/{change['id']}/submit"), 409, "operator_cancelled")
    assert Operator.objects.get(pk=op.pk).phone == "13800138000"  # the change never applied
    # The cancelled operator can neither be changed nor cancelled again.
    r = api.post("/applications", {"kind": "operator_cancellation", "data": {"operator_no": op.operator_no}})
    assert_error(r, 409, "operator_not_approved")


def test_a_change_finds_its_operator_however_the_number_is_typed(ent):
    """操作员统一编号 is matched case-insensitively everywhere (GET /operators/{no}, a cancellation): a change
    typed as " cz…" keeping the same 证件号 is the operator's own change, not a duplicate person."""
    op = f.operator(ent.e, name="李四")
    typed = " " + op.operator_no.lower()
    assert ent.legal.get(f"/operators/{op.operator_no.lower()}").status_code == 200
    r = ent.legal.post(
        "/applications",
        {
            "kind": "operator_declaration",
            "data": f.op_data(operator_no=typed, id_no=op.id_no, phone="13566667777"),
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["data"]["operator_no"] == op.operator_no


def test_cardless_user_cannot_take_over_the_legal_cards_operator_declarations(ent):
    """Once the enterprise is in the network, operators are the legal card's business (the card-less user's
    新增 says so): the card-less user may not edit, submit or delete the legal card's declarations either."""
    op = f.operator(ent.e, name="李四")
    change = created(ent.legal, "operator_declaration", f.op_data(operator_no=op.operator_no, id_no=op.id_no))
    draft = created(ent.legal, "operator_declaration", f.op_data(name="王五"))
    cardless = Api(f.cardless(uscc=ent.e.uscc))
    assert_error(
        cardless.post("/applications", {"kind": "operator_declaration", "data": f.op_data()}),
        409,
        "pre_entry_closed",
    )
    before = app_state(change["id"]), app_state(draft["id"]), operator_state(op.operator_no)
    rename = {"data": {"name": "冒名"}, "version": 1}
    holes = []
    for what, r in (
        ("PATCH change", cardless.patch(f"/applications/{change['id']}", rename)),
        ("submit change", cardless.post(f"/applications/{change['id']}/submit")),
        ("PATCH declaration", cardless.patch(f"/applications/{draft['id']}", rename)),
        ("submit declaration", cardless.post(f"/applications/{draft['id']}/submit")),
        ("DELETE declaration", cardless.delete(f"/applications/{draft['id']}")),
    ):
        if r.status_code not in (403, 409):
            holes.append(f"{what} -> {r.status_code}")
    assert not holes, holes
    assert (app_state(change["id"]), app_state(draft["id"]), operator_state(op.operator_no)) == before


# --- 3. 三证合一信息变更 -----------------------------------------------------------------------------------


def test_legal_card_changes_the_enterprise_record(ent, mailoutbox, django_capture_on_commit_callbacks):
    """The legal card starts from its own record (GET /enterprise), changes the address, goes through the
    joint review and sees the new record; the card-less user of the same enterprise may not file it."""
    api = ent.legal
    r = api.get("/enterprise")
    assert r.status_code == 200, r.content
    current = r.json()["data"]
    assert current["uscc"] == ent.e.uscc and current["name"] == "甲方贸易有限公司"
    # The factory's enterprise has no 联审单位 yet: complete what is blank, as the user would on the form.
    data = {
        k: (v if v not in (None, "") else f.entry_data(ent.e.uscc).get(k, "")) for k, v in current.items()
    }
    data["address"] = "深圳市福田区新地址9号"
    change = created(api, "enterprise_change", data)
    assert change["number"].startswith("BG") and change["data"]["uscc"] == ent.e.uscc
    sub = submitted(api, change["id"], "SUBMITTED")
    assert {s["unit"]["id"] for s in sub["steps"]} == {
        "aic:440300",
        "tax:14403000000",
        "quality:440300",
        "ra:5300",
    }  # the joint review, then the sub-centre
    assert api.get("/enterprise").json()["data"]["address"] != "深圳市福田区新地址9号"  # not before approval
    type(ent.e).objects.filter(pk=ent.e.pk).update(contact_email="boss@jiafang.example")
    with django_capture_on_commit_callbacks(execute=True):
        approve_all(Application.objects.get(pk=change["id"]), f.reviewers())
    assert api.get(f"/applications/{change['id']}").json()["status"] == "APPROVED"
    told = [m for m in mailoutbox if "三证合一信息变更审核通过" in m.subject]
    assert told and "办理备案变更" in told[0].body  # the filings follow (filings/changes.py)
    now = api.get("/enterprise").json()["data"]
    assert now["address"] == "深圳市福田区新地址9号"
    money = Decimal(now.pop("registered_capital")), Decimal(data.pop("registered_capital"))
    assert money[0] == money[1] and now == data, {
        k: (data.get(k), now.get(k)) for k in {*now, *data} if now.get(k) != data.get(k)
    }

    cardless = Api(f.cardless(uscc=ent.e.uscc))
    count = Application.objects.count()
    r = cardless.post("/applications", {"kind": "enterprise_change", "data": data})
    assert_error(r, 403, "kind_not_allowed", "kind")
    assert Application.objects.count() == count
    # It sees its enterprise's change in the status query, but cannot touch a draft of the legal card.
    draft = created(api, "enterprise_change", {**data, "phone": "0755-86009999"})
    assert cardless.get(f"/applications/{draft['id']}").status_code == 200
    before = app_state(draft["id"])
    assert_error(
        cardless.patch(f"/applications/{draft['id']}", {"data": {"address": "x"}, "version": 1}),
        403,
        "kind_not_allowed",
    )
    assert_error(cardless.post(f"/applications/{draft['id']}/submit"), 403, "kind_not_allowed")
    assert_error(cardless.delete(f"/applications/{draft['id']}"), 403, "kind_not_allowed")
    assert app_state(draft["id"]) == before


# --- 4. 补办法人卡 -----------------------------------------------------------------------------------------


def test_cardless_user_applies_for_a_new_legal_card_and_approval_voids_the_old_one(ent):
    """The card-less user of the enterprise files 补办法人卡; the legal card itself may not. The sub-centre's
    approval voids the old legal card (certificate revoked, superseded) and its session ends."""
    legal_no = ent.legal_made.card.card_no
    cardless = Api(f.cardless(uscc=ent.e.uscc))
    count = Application.objects.count()
    assert_error(
        ent.legal.post("/applications", {"kind": "legal_card_reissue", "data": {"reason": "lost"}}),
        403,
        "kind_not_allowed",
    )
    assert_error(
        cardless.post("/applications", {"kind": "legal_card_reissue", "data": {"reason": "stolen"}}),
        400,
        field="reason",
    )
    assert Application.objects.count() == count

    app = created(cardless, "legal_card_reissue", {"reason": "other", "note": ""}, documents=False)
    assert app["number"].startswith("BK")
    assert_error(
        cardless.post(f"/applications/{app['id']}/submit"), 400, field="note"
    )  # "other" needs a note
    r = cardless.patch(
        f"/applications/{app['id']}", {"data": {"note": "卡片被折断"}, "version": app["version"]}
    )
    assert r.status_code == 200, r.content
    assert_error(cardless.post(f"/applications/{app['id']}/submit"), 400, "attachments_required", "doc_type")
    for doc_type in f.REISSUE_DOCUMENTS:
        assert cardless.upload(app["id"], make_pdf(), doc_type=doc_type).status_code == 201
    assert_error(
        ent.legal.patch(f"/applications/{app['id']}", {"data": {"reason": "lost"}, "version": 2}),
        403,
        "kind_not_allowed",
    )
    sub = submitted(cardless, app["id"], "SUBMITTED")
    assert [s["unit"]["id"] for s in sub["steps"]] == ["ra:5300"]
    assert ent.legal.get("/cards").status_code == 200  # still in use until approved
    assert [a["id"] for a in listed(cardless, "/applications", kind="legal_card_reissue")] == [app["id"]]

    ra_approves(ent.ra, app["id"], opinion="同意补办")
    card = ent.ra.get(f"/cards/{legal_no}").json()
    assert card["state"] == "voided" and card["usable"] is False
    assert card["certificate"]["status"] == "revoked" and card["certificate"]["reason"] == "superseded"
    assert ent.legal.get("/cards").status_code == 401  # the old card is signed out
    assert cardless.get(f"/applications/{app['id']}").json()["status"] == "APPROVED"
    # The sub-centre can now make the new legal card.
    r = ent.ra.post("/cards", {"kind": "legal", "enterprise_uscc": ent.e.uscc})
    assert r.status_code == 201, r.content


# --- 5. Excel exports -------------------------------------------------------------------------------------


def test_excel_exports_hold_exactly_the_filtered_rows_of_the_own_enterprise(ent):
    """导出 of the operator, card and application lists: a real .xlsx whose rows are the ones the same filters
    list, never another enterprise's."""
    api = ent.legal
    # Ours: an approved operator with a card, a declared one, a cancellation in review.
    zhang = f.operator(ent.e, name="张三丰")
    zhang_card = f.make_card("operator", ent.e, ra=ent.ra_user, operator_no=zhang.operator_no).card
    wang = created(api, "operator_declaration", f.op_data(name="王小二", job_title="报关员"))
    li = f.operator(ent.e, name="李小四")
    cancel = submitted(
        api, created(api, "operator_cancellation", {"operator_no": li.operator_no})["id"], "SUBMITTED"
    )
    # Theirs, with the same names: must never appear.
    other = f.enterprise_in_network(name="乙方有限公司")
    other_legal = ready(f.make_card("legal", other, ra=ent.ra_user))
    their_zhang = f.operator(other, name="张三丰")
    their_card = f.make_card("operator", other, ra=ent.ra_user, operator_no=their_zhang.operator_no).card
    their_wang = created(other_legal, "operator_declaration", f.op_data(name="王小二"))

    ours = {zhang.operator_no, wang["data"]["operator_no"], li.operator_no}
    for params, expected in (
        ({}, ours),
        ({"name": "张三"}, {zhang.operator_no}),
        ({"status": "DRAFT"}, {wang["data"]["operator_no"]}),
        ({"status": "APPROVED"}, {zhang.operator_no, li.operator_no}),
        ({"job_title": "报关"}, {wang["data"]["operator_no"]}),
        ({"operator_no": their_zhang.operator_no}, set()),
        ({"id_no": zhang.id_no}, {zhang.operator_no}),
    ):
        rows = xlsx_rows(api.get("/operators.xlsx", params))
        assert {r[0] for r in rows} == expected, params
        assert [r[0] for r in rows] == numbers(api, **params), params  # the same list, the same order
        assert all(r[8] == "甲方贸易有限公司" for r in rows)
    row = next(r for r in xlsx_rows(api.get("/operators.xlsx", {"name": "张三"})))
    assert row[1] == "张三丰" and row[3] == zhang.id_no
    assert_error(api.get("/operators.xlsx", {"status": "bogus"}), 400, "status_invalid", "status")

    our_cards = {ent.legal_made.card.card_no, zhang_card.card_no}
    for params, expected in (
        ({}, our_cards),
        ({"kind": "operator"}, {zhang_card.card_no}),
        ({"holder_name": "三丰"}, {zhang_card.card_no}),
        ({"holder_name": "张三"}, our_cards),  # the legal representative is 张三
        ({"card_no": their_card.card_no}, set()),
        ({"uscc": other.uscc}, set()),
        ({"state": "lost"}, set()),
    ):
        rows = xlsx_rows(api.get("/cards.xlsx", params))
        assert {r[0] for r in rows} == expected, params
        assert [r[0] for r in rows] == [c["card_no"] for c in listed(api, "/cards", **params)], params
        assert all(r[3] == ent.e.uscc for r in rows)

    our_apps = {wang["number"], cancel["number"]}
    for params, expected in (
        ({}, our_apps),
        ({"kind": "operator_declaration"}, {wang["number"]}),
        ({"status": "SUBMITTED"}, {cancel["number"]}),
        ({"kind": "operator_cancellation", "status": "DRAFT"}, set()),
    ):
        rows = xlsx_rows(api.get("/applications.xlsx", params))
        assert {r[0] for r in rows} == expected, params
        assert [r[0] for r in rows] == [a["number"] for a in listed(api, "/applications", **params)], params
        assert all(r[2] == "甲方贸易有限公司" for r in rows)
    assert their_wang["number"] not in first_column(api.get("/applications.xlsx"))
    assert_error(api.get("/applications.xlsx", {"status": "bogus"}), 400, "status_invalid", "status")
    # And the other enterprise sees only its own.
    assert set(first_column(other_legal.get("/operators.xlsx"))) == {
        their_zhang.operator_no,
        their_wang["data"]["operator_no"],
    }
    assert set(first_column(other_legal.get("/cards.xlsx", {"kind": "operator"}))) == {their_card.card_no}
    assert first_column(other_legal.get("/applications.xlsx")) == [their_wang["number"]]


# --- 6. The matrix ----------------------------------------------------------------------------------------


@pytest.fixture
def world(ent):
    """Enterprise A (that of `ent`) with a legal card, an approved operator with an operator card, a DRAFT
    operator declaration, a SUBMITTED cancellation (of another approved operator without a card), a DRAFT
    三证合一 change (with an attachment) and a DRAFT 补办法人卡 filed by A's card-less user."""
    a = ent.e
    carded = f.operator(a, name="周八")
    op_made = f.make_card("operator", a, ra=ent.ra_user, operator_no=carded.operator_no)
    # In its renewal window: a `renew` that got through would really renew it.
    f.renewal(op_made)
    plain = f.operator(a, name="吴九")
    declaration = created(ent.legal, "operator_declaration", f.op_data(name="郑十"))
    cancellation = submitted(
        ent.legal,
        created(ent.legal, "operator_cancellation", {"operator_no": plain.operator_no})["id"],
        "SUBMITTED",
    )
    change = created(ent.legal, "enterprise_change", {**f.entry_data(a.uscc), "name": "甲方贸易有限公司"})
    attachment = ent.legal.upload(change["id"], make_pdf())
    assert attachment.status_code == 201, attachment.content
    a_cardless = f.cardless(uscc=a.uscc)
    reissue = created(Api(a_cardless), "legal_card_reissue", {"reason": "damaged", "note": ""})
    return SimpleNamespace(
        a=a,
        ent=ent,
        op_made=op_made,
        operators=[carded.operator_no, plain.operator_no, declaration["data"]["operator_no"]],
        apps={
            "operator_declaration": declaration,
            "operator_cancellation": cancellation,
            "enterprise_change": change,
            "legal_card_reissue": reissue,
        },
        attachment=(change["id"], attachment.json()["id"]),
        cards=[ent.legal_made.card.card_no, op_made.card.card_no],
    )


def a_snapshot(w) -> dict:
    return {
        "apps": {k: app_state(v["id"]) for k, v in w.apps.items()},
        "operators": {no: operator_state(no) for no in w.operators},
        "cards": {no: card_state(no) for no in w.cards},
        "counts": (
            Application.objects.count(),
            Operator.objects.count(),
            Card.objects.count(),
            ReviewStep.objects.count(),
            Enterprise.objects.count(),
        ),
        "attachments": Application.objects.get(pk=w.attachment[0]).attachments.count(),
        "enterprise": (lambda e: (e.name, e.address, e.network_status))(Enterprise.objects.get(pk=w.a.pk)),
    }


def test_scoping_matrix(world):
    """For every endpoint of the legal card's business, another enterprise's legal card, A's own operator
    card and card-less users of other enterprises get exactly 404 for what they may not see, 403 where
    their kind may not do it at all (or lists without A's rows), and nothing of A changes. All holes are collected, so one run shows every one."""
    w = world
    ra_user = w.ent.ra_user
    b = f.enterprise_in_network(name="乙方有限公司")
    b_legal = f.make_card("legal", b, ra=ra_user)
    f.operator(b, name="周八")  # B has operators (and a namesake) of its own
    c_user = f.cardless()  # not in the network yet, with a saved 三证合一 entry: may pre-enter operators
    f.draft_entry(c_user)
    actors = {
        "B legal card": ready(b_legal),
        "A operator card": ready(w.op_made),
        "B card-less": Api(f.cardless(uscc=b.uscc)),
        "C card-less (pre-entry)": Api(c_user),
    }
    own_card = w.op_made.card.card_no
    a_uscc, a_numbers = w.a.uscc, {v["number"] for v in w.apps.values()}
    a_ids = [v["id"] for v in w.apps.values()]
    before = a_snapshot(w)
    holes: list[str] = []

    def refused(label, what, r, status, code=None):
        """Refused with exactly that status: 404 for what the actor may not see (missing and forbidden
        alike), 403 where its kind may not do this at all."""
        if r.status_code != status:
            holes.append(f"{label}: {what} -> {r.status_code} {head(r)!r}")
            return
        body = r.json() if r.content else {}
        if set(body) != {"error"}:
            holes.append(f"{label}: {what} -> {r.status_code} without an error body {head(r)!r}")
        elif code is not None and body["error"]["code"] != code:
            holes.append(f"{label}: {what} -> {r.status_code} {body['error']['code']}, expected {code}")

    def family_refusal(label, what):
        """A kind with no business in a family of records is refused on all of it, lists and single records
        alike (accounts/permissions.READERS): an operator card has no applications or operators, a card-less
        user no cards. None: the actor reads the family, scoped."""
        if label == "A operator card" and "/applications" in what:
            return 403, "enterprise_actor_required"
        if label == "A operator card" and what.startswith("GET /operators"):
            return 403, "operator_reader_required"
        if "card-less" in label and what.startswith(("GET /cards", "POST /cards/")):
            return 403, "card_reader_required"
        return None

    def no_a_rows(label, what, r, key, mine=()):
        """A list or export: answered without A's rows (an operator card may see itself), or 403 where the
        actor's kind has no such family at all."""
        if (family := family_refusal(label, what)) is not None:
            refused(label, what, r, *family)
            return
        if r.status_code != 200:
            holes.append(f"{label}: {what} -> {r.status_code} {head(r)!r}")
            return
        if ".xlsx" in what:
            assert r["Content-Type"] == XLSX, (label, what)
            keys = set(first_column(r))
        else:
            keys = {item[key] for item in r.json()["items"]}
        leaked = keys & (set(a_keys[key]) - set(mine))
        if leaked:
            holes.append(f"{label}: {what} shows A's {sorted(leaked)}")

    a_keys = {"operator_no": w.operators, "card_no": w.cards, "number": a_numbers}
    for label, api in actors.items():
        is_op = label == "A operator card"
        mine = (own_card,) if is_op else ()
        # 企业操作员: list, export (with and without A's filters), detail.
        for params in ({}, {"operator_no": w.operators[0]}, {"name": "周八"}, {"status": "SUBMITTED"}):
            no_a_rows(label, f"GET /operators {params}", api.get("/operators", params), "operator_no")
            no_a_rows(
                label, f"GET /operators.xlsx {params}", api.get("/operators.xlsx", params), "operator_no"
            )
        for no in w.operators:
            what = f"GET /operators/{no}"
            refused(
                label,
                what,
                api.get(f"/operators/{no}"),
                *(family_refusal(label, what) or (404, "operator_not_found")),
            )
        # Applications: read, edit, delete, submit each of A's.
        # Reading: not found alike; writing: an operator card's kind is refused before any lookup.
        write, write_code = (403, "enterprise_actor_required") if is_op else (404, "application_not_found")
        for kind, app in w.apps.items():
            i = app["id"]
            what = f"GET /applications/{i} ({kind})"
            want = family_refusal(label, what) or (404, "application_not_found")
            refused(label, what, api.get(f"/applications/{i}"), *want)
            body = {
                "data": {"name": "篡改", "phone": "13000000000", "reason": "lost", "note": "x"},
                "version": Application.objects.get(pk=i).version,
            }
            r = api.patch(f"/applications/{i}", body)
            refused(label, f"PATCH /applications/{i} ({kind})", r, write, write_code)
            r = api.post(f"/applications/{i}/submit")
            refused(label, f"POST /applications/{i}/submit ({kind})", r, write, write_code)
            r = api.delete(f"/applications/{i}")
            refused(label, f"DELETE /applications/{i} ({kind})", r, write, write_code)
        app_id, att_id = w.attachment
        r = api.get(f"/applications/{app_id}/attachments/{att_id}")
        refused(
            label,
            "GET attachment",
            r,
            *(write if is_op else 404, write_code if is_op else "application_not_found"),
        )
        r = api.delete(f"/applications/{app_id}/attachments/{att_id}")
        refused(label, "DELETE attachment", r, write, write_code)
        refused(label, "POST attachment", api.upload(app_id, make_pdf()), write, write_code)
        # Filing about A's operators: a change and a cancellation.
        for no in w.operators[:2]:
            r = api.post("/applications", {"kind": "operator_declaration", "data": f.op_data(operator_no=no)})
            if label == "B card-less":
                # B is in the network: its card-less user may not declare operators at all, whatever the data
                # (a refusal about its own enterprise, before A's operator is looked at).
                refused(label, f"change of {no}", r, 409, "pre_entry_closed")
            elif is_op:
                refused(label, f"change of {no}", r, 403, "enterprise_actor_required")
            else:
                refused(label, f"change of {no}", r, 404, "operator_not_found")
            r = api.post("/applications", {"kind": "operator_cancellation", "data": {"operator_no": no}})
            if label == "B legal card":
                refused(label, f"cancellation of {no}", r, 404, "operator_not_found")
            elif is_op:
                refused(label, f"cancellation of {no}", r, 403, "enterprise_actor_required")
            else:  # a card-less user does not cancel operators: the legal card's business
                refused(label, f"cancellation of {no}", r, 403, "kind_not_allowed")
        # Reviewing A's cancellation is the sub-centre's business.
        step = ReviewStep.objects.get(application_id=w.apps["operator_cancellation"]["id"])
        r = api.post(f"/reviews/{step.id}/approve", {"opinion": "同意"})
        refused(label, "approve A's step", r, 403, "reviewer_required")
        r = api.post(f"/reviews/{step.id}/return", {"opinion": "退回"})
        refused(label, "return A's step", r, 403, "reviewer_required")
        # Cards: list, export, detail, every action.
        for params in ({}, {"uscc": a_uscc}, {"card_no": w.cards[0]}, {"holder_name": "周八"}):
            no_a_rows(label, f"GET /cards {params}", api.get("/cards", params), "card_no", mine)
            no_a_rows(label, f"GET /cards.xlsx {params}", api.get("/cards.xlsx", params), "card_no", mine)
        for no in w.cards:
            r = api.get(f"/cards/{no}")
            if no in mine:
                if r.status_code != 200:
                    holes.append(f"{label}: GET its own card -> {r.status_code}")
            else:
                what = f"GET /cards/{no}"
                refused(label, what, r, *(family_refusal(label, what) or (404, "card_not_found")))
            made = w.op_made if no == own_card else w.ent.legal_made
            # Its own card an operator card sees, but may not act on; any other card it does not see.
            status, code = (403, "card_action_forbidden") if no in mine else (404, "card_not_found")
            for action in CARD_ACTIONS:
                body = f.card_proof(made, purpose="renew") if action == "renew" else {}
                r = api.post(f"/cards/{no}/{action}", body)
                what = f"POST /cards/{no}/{action}"
                refused(label, what, r, *(family_refusal(label, what) or (status, code)))
        refused(
            label,
            "POST /cards (make)",
            api.post(
                "/cards", {"kind": "operator", "enterprise_uscc": a_uscc, "operator_no": w.operators[1]}
            ),
            403,
            "ra_only",
        )
        # Status query and its export.
        for params in ({}, {"kind": "operator_declaration"}, {"status": "SUBMITTED"}):
            no_a_rows(label, f"GET /applications {params}", api.get("/applications", params), "number")
            no_a_rows(
                label, f"GET /applications.xlsx {params}", api.get("/applications.xlsx", params), "number"
            )

    after = a_snapshot(w)
    for part in before:
        if before[part] != after[part]:
            holes.append(f"A's {part} changed: {before[part]} -> {after[part]}")
    assert not holes, "\n".join(holes)
    # A itself still sees everything, untouched (the matrix proves a refusal, not an empty database).
    legal = w.ent.legal
    assert set(numbers(legal)) == set(w.operators)
    assert {a["id"] for a in listed(legal, "/applications")} == set(a_ids)
    assert {c["card_no"] for c in listed(legal, "/cards")} == set(w.cards)
    assert Card.objects.get(card_no=own_card).state == CardState.NORMAL
    assert Card.objects.get(card_no=own_card).certificate.status == CertStatus.GOOD


# --- 7. The operator card neither files nor lists ---------------------------------------------------------


def test_operator_card_can_neither_file_nor_list_applications(ent):
    """An operator card only uses subsystems: the status query, its export and every kind of application
    are refused (403), and nothing is created."""
    op = f.operator(ent.e, name="钱十一")
    api = ready(f.make_card("operator", ent.e, ra=ent.ra_user, operator_no=op.operator_no))
    created(ent.legal, "operator_declaration", f.op_data())  # there is something to list
    count = Application.objects.count(), Operator.objects.count()
    assert_error(api.get("/applications"), 403, "enterprise_actor_required")
    assert_error(api.get("/applications.xlsx"), 403, "enterprise_actor_required")
    data = {
        "operator_declaration": f.op_data(),
        "operator_cancellation": {"operator_no": op.operator_no},
        "enterprise_change": f.entry_data(ent.e.uscc),
        "legal_card_reissue": {"reason": "lost"},
    }
    kinds = set(all_kinds())  # every kind the engine knows
    assert {
        "enterprise_entry",
        "enterprise_change",
        "operator_declaration",
        "operator_cancellation",
        "legal_card_reissue",
    } <= kinds
    for kind in sorted(kinds):
        r = api.post("/applications", {"kind": kind, "data": data.get(kind, {})})
        assert_error(r, 403, "enterprise_actor_required")
    assert (Application.objects.count(), Operator.objects.count()) == count
    assert_error(api.get("/operators"), 403, "operator_reader_required")
    assert api.get("/me").json()["kind"] == "operator_card"
