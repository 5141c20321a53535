"""出口收汇 through the API (SPEC §6.5, API.md "Other subsystems"): request → the bureau issues (maybe fewer)
→ 口岸备案 (one, batch) → the port's customs records the export declaration → 撤销备案 refused → 交单 → 核销;
挂失; scoping of the bureau and the customs; numbers without gaps or duplicates; races end in one state and
a 409."""

import io
import threading

import pytest
from django.core import mail
from django.db import connection
from openpyxl import load_workbook

from eport.audit.models import AuditEvent
from eport.errors import DomainError
from eport.export_receipts import services
from eport.export_receipts.models import FormRequest, ReceiptForm
from tests.concurrency import outcomes
from tests.export_receipts.helpers import (
    BASE,
    OTHER_BUREAU,
    PORT,
    bureau_reviewer,
    customs_reviewer,
    decl_no,
    holder,
    issued,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def p():
    made, api = holder()
    bureau, b_api = bureau_reviewer()
    customs, c_api = customs_reviewer()
    return {"made": made, "api": api, "bureau": bureau, "b_api": b_api, "customs": customs, "c_api": c_api}


def test_the_whole_life_of_a_form_with_mail_and_audit(p, django_capture_on_commit_callbacks):
    api, b_api, c_api = p["api"], p["b_api"], p["c_api"]
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"{BASE}/requests", {"count": 5})
    assert r.status_code == 201, r.content
    req = r.json()
    assert req["state"] == "requested" and req["count"] == 5 and req["bureau"] == "forex:440300"
    assert len(req["request_no"]) == 10 and req["request_no"].isdigit()
    assert [m.to for m in mail.outbox] == [["forex@example.com"]] and req["request_no"] in mail.outbox[
        0
    ].subject
    mail.outbox.clear()

    listed = b_api.get(f"{BASE}/requests").json()
    assert [x["request_no"] for x in listed["items"]] == [req["request_no"]]
    with django_capture_on_commit_callbacks(execute=True):
        r = b_api.post(f"{BASE}/requests/{req['request_no']}/issue", {"count": 3})
    assert r.status_code == 201, r.content
    nos = [x["form_no"] for x in r.json()["items"]]
    assert len(nos) == 3 and [int(n) for n in nos] == list(range(int(nos[0]), int(nos[0]) + 3))
    assert all(len(n) == 9 for n in nos)
    assert [m.to for m in mail.outbox] == [["exporter@example.com"]] and nos[0] in mail.outbox[0].body
    mail.outbox.clear()
    got = api.get(f"{BASE}/requests").json()["items"][0]
    assert got["state"] == "issued" and got["issued_count"] == 3

    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"{BASE}/{nos[0]}/port-filing", {"port": PORT})
    assert r.status_code == 200 and r.json()["state"] == "filed" and r.json()["port_name"] == "皇岗海关"
    # the port's customs (5301's direct customs 5300 reviews for it) is told a form was filed for it
    assert [m.to for m in mail.outbox] == [["customs@example.com"]] and nos[0] in mail.outbox[0].body
    assert "已备案" in mail.outbox[0].subject and PORT in mail.outbox[0].subject
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"{BASE}/{nos[1]}/port-filing", {"port": PORT}).status_code == 200
        assert api.post(f"{BASE}/{nos[1]}/revoke-filing").status_code == 200
    assert [m.to for m in mail.outbox] == [["customs@example.com"]] * 2 and "撤销备案" in mail.outbox[
        1
    ].subject
    r = api.post(f"{BASE}/{nos[0]}/port-filing", {"port": "5302"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_filed"

    # customs of 5300 covers 5301: it records the export declaration
    with django_capture_on_commit_callbacks(execute=True):
        r = c_api.post(f"{BASE}/{nos[0]}/declaration", {"decl_no": decl_no()})
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "declared" and r.json()["decl_no"] == decl_no()
    assert mail.outbox[-1].to == ["exporter@example.com"]
    r = api.post(f"{BASE}/{nos[0]}/revoke-filing")
    assert r.status_code == 409 and r.json()["error"]["code"] == "used_on_declaration"

    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"{BASE}/{nos[0]}/hand-in")
    assert r.status_code == 200 and r.json()["state"] == "handed_in"
    assert mail.outbox[-1].to == ["forex@example.com"]
    r = api.post(f"{BASE}/{nos[0]}/write-off")
    assert r.status_code == 403 and r.json()["error"]["code"] == "bureau_required"
    with django_capture_on_commit_callbacks(execute=True):
        r = b_api.post(f"{BASE}/{nos[0]}/write-off")
    assert r.status_code == 200 and r.json()["state"] == "written_off"
    assert "已核销" in mail.outbox[-1].subject
    r = api.post(f"{BASE}/{nos[0]}/report-lost")
    assert r.status_code == 409 and r.json()["error"]["code"] == "state_conflict"

    actions = set(
        AuditEvent.objects.filter(action__startswith="export_receipt.").values_list("action", flat=True)
    )
    assert actions == {
        "export_receipt.requested",
        "export_receipt.issued",
        "export_receipt.port_filed",
        "export_receipt.filing_revoked",
        "export_receipt.declared",
        "export_receipt.handed_in",
        "export_receipt.written_off",
    }


def test_request_and_issue_counts_are_checked(p):
    api, b_api = p["api"], p["b_api"]
    for bad in (0, -1, 10000):
        r = api.post(f"{BASE}/requests", {"count": bad})
        assert r.status_code == 400 and r.json()["error"]["field"] == "count", bad
        assert "申请份数" in r.json()["error"]["message"]
    r = api.post(f"{BASE}/requests", {"count": "3"})  # a string is not an integer
    assert r.status_code == 400 and r.json()["error"]["field"] == "count"
    no = api.post(f"{BASE}/requests", {"count": 2}).json()["request_no"]
    r = b_api.post(f"{BASE}/requests/{no}/issue", {"count": 3})
    assert r.status_code == 400 and r.json()["error"]["code"] == "count_too_many"
    r = b_api.post(f"{BASE}/requests/{no}/issue", {"count": 0})
    assert r.status_code == 400 and r.json()["error"]["code"] == "count_invalid"
    assert b_api.post(f"{BASE}/requests/{no}/issue", {"count": 2}).status_code == 201
    r = b_api.post(f"{BASE}/requests/{no}/issue", {"count": 1})
    assert r.status_code == 409 and r.json()["error"]["code"] == "request_done"
    r = api.post(f"{BASE}/requests/{no}/issue", {"count": 1})
    assert r.status_code == 403 and r.json()["error"]["code"] == "bureau_required"


def test_an_enterprise_without_forex_filing_cannot_request():
    from eport.filings.models import EnterpriseFiling

    made, api = holder()
    EnterpriseFiling.objects.filter(enterprise=made.card.enterprise).delete()
    r = api.post(f"{BASE}/requests", {"count": 1})
    assert r.status_code == 409 and r.json()["error"]["code"] == "forex_filing_required"


def test_port_filing_checks_the_port_and_revoke_lets_another_be_set(p):
    api, b_api = p["api"], p["b_api"]
    no = issued(api, b_api, 1)[0]
    r = api.post(f"{BASE}/{no}/port-filing", {"port": "9999"})
    assert r.status_code == 400 and r.json()["error"] == {
        "code": "port_unknown",
        "message": "使用口岸：没有这个口岸代码，请从列表中选择。",
        "field": "port",
    }
    r = api.post(f"{BASE}/{no}/revoke-filing")
    assert r.status_code == 409 and r.json()["error"]["code"] == "state_conflict"
    assert api.post(f"{BASE}/{no}/port-filing", {"port": PORT}).status_code == 200
    r = api.post(f"{BASE}/{no}/revoke-filing")
    assert r.status_code == 200 and r.json()["state"] == "issued" and r.json()["port"] == ""
    assert api.post(f"{BASE}/{no}/port-filing", {"port": "2201"}).json()["port"] == "2201"
    assert [x["code"] for x in api.get(f"{BASE}/ports", {"q": "皇岗"}).json()] == ["5301"]
    assert "5301" in [x["code"] for x in api.get(f"{BASE}/ports", {"q": "530"}).json()]


def test_batch_filing_files_the_forms_from_the_start_number(p):
    api, b_api = p["api"], p["b_api"]
    nos = issued(api, b_api, 5)
    api.post(f"{BASE}/{nos[1]}/port-filing", {"port": "5302"})  # already filed: not listed
    r = api.post(f"{BASE}/batch-port-filing", {"start_no": nos[0], "count": 3, "port": PORT})
    assert r.status_code == 200, r.content
    assert [x["form_no"] for x in r.json()["items"]] == [nos[0], nos[2], nos[3]]
    states = dict(ReceiptForm.objects.values_list("form_no", "port"))
    assert states == {nos[0]: PORT, nos[1]: "5302", nos[2]: PORT, nos[3]: PORT, nos[4]: ""}
    r = api.post(f"{BASE}/batch-port-filing", {"start_no": nos[4], "count": 1, "port": "bad"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "port"
    r = api.post(f"{BASE}/batch-port-filing", {"start_no": "12", "count": 1, "port": PORT})
    assert r.status_code == 400 and r.json()["error"]["field"] == "start_no"
    r = api.post(f"{BASE}/batch-port-filing", {"start_no": "999999999", "count": 1, "port": PORT})
    assert r.status_code == 409 and r.json()["error"]["code"] == "nothing_to_file"


def test_the_declaration_number_must_match_the_port(p):
    api, b_api, c_api = p["api"], p["b_api"], p["c_api"]
    no = issued(api, b_api, 2)[0]
    r = c_api.post(f"{BASE}/{no}/declaration", {"decl_no": decl_no()})
    assert r.status_code == 404  # not filed: no port, the customs does not see it
    api.post(f"{BASE}/{no}/port-filing", {"port": PORT})
    for bad in ("123", decl_no(port="5302"), decl_no().replace("20260", "20261", 1)):
        r = c_api.post(f"{BASE}/{no}/declaration", {"decl_no": bad})
        assert r.status_code == 400 and r.json()["error"]["field"] == "decl_no", bad
    r = api.post(f"{BASE}/{no}/declaration", {"decl_no": decl_no()})
    assert r.status_code == 403 and r.json()["error"]["code"] == "customs_required"
    _u, other_customs = customs_reviewer("customs:2200", email="sh@example.com")
    assert other_customs.post(f"{BASE}/{no}/declaration", {"decl_no": decl_no()}).status_code == 404
    assert other_customs.get(BASE).json()["total"] == 0
    assert c_api.get(BASE).json()["total"] == 1


def test_lost_by_either_side(p, django_capture_on_commit_callbacks):
    api, b_api = p["api"], p["b_api"]
    a, b = issued(api, b_api, 2)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"{BASE}/{a}/report-lost")
    assert (
        r.status_code == 200 and r.json()["state"] == "lost" and mail.outbox[-1].to == ["forex@example.com"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        r = b_api.post(f"{BASE}/{b}/report-lost")
    assert r.status_code == 200 and mail.outbox[-1].to == ["exporter@example.com"]
    r = api.post(f"{BASE}/{a}/port-filing", {"port": PORT})
    assert r.status_code == 409 and "挂失" in r.json()["error"]["message"]


def test_a_bureau_sees_only_its_enterprises(p):
    api, b_api = p["api"], p["b_api"]
    mine = issued(api, b_api, 1)[0]
    _made, other_api = holder(name="广州出口公司", bureau=OTHER_BUREAU, email="gz@example.com")
    _u, gz_api = bureau_reviewer(OTHER_BUREAU, email="gz-forex@example.com")
    theirs = issued(other_api, gz_api, 1)[0]
    assert [x["form_no"] for x in b_api.get(BASE).json()["items"]] == [mine]
    assert [x["form_no"] for x in gz_api.get(BASE).json()["items"]] == [theirs]
    assert b_api.post(f"{BASE}/{theirs}/write-off").status_code == 404
    assert b_api.post(f"{BASE}/{theirs}/report-lost").status_code == 404
    other_no = FormRequest.objects.get(enterprise=_made.card.enterprise).request_no
    assert b_api.post(f"{BASE}/requests/{other_no}/issue", {"count": 1}).status_code == 404
    assert api.get(f"{BASE}/{theirs}").status_code == 404
    assert other_api.post(f"{BASE}/{mine}/port-filing", {"port": PORT}).status_code == 404
    # the numbers run on across bureaus: one national sequence per year
    assert int(theirs) == int(mine) + 1


def test_query_filters_and_export(p):
    api, b_api = p["api"], p["b_api"]
    nos = issued(api, b_api, 3)
    api.post(f"{BASE}/{nos[1]}/port-filing", {"port": PORT})
    assert [x["form_no"] for x in api.get(BASE, {"state": "filed"}).json()["items"]] == [nos[1]]
    assert api.get(BASE, {"port": PORT}).json()["total"] == 1
    assert api.get(BASE, {"form_no": nos[2]}).json()["total"] == 1
    r = api.get(BASE, {"state": "nope"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "state"
    x = api.get(f"{BASE}.xlsx", {"state": "issued"})
    assert x.status_code == 200
    rows = list(load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "核销单号" and [r[0] for r in rows[1:]] == [nos[0], nos[2]]
    assert rows[1][1] == "深圳出口贸易有限公司"
    x = b_api.get(f"{BASE}/requests.xlsx")
    assert x.status_code == 200 and len(list(load_workbook(io.BytesIO(x.content)).active.iter_rows())) == 2
    assert AuditEvent.objects.filter(action="export", object_id="export_receipts").exists()


def test_a_renamed_holder_shows_its_new_name_once_every_filing_follows(p):
    """SPEC §6.5 (the 出口收汇 FAQ on renamed enterprises): the forms keep the name the authorities hold
    until the commerce, customs and forex filings have all followed the 三证合一 change (备案变更)."""
    from eport.enterprises.services import enterprise_apply_data, master_data
    from eport.filings.models import EnterpriseFiling, filed_as
    from tests import factories

    api, b_api = p["api"], p["b_api"]
    e = p["made"].card.enterprise
    old = e.name
    factories.enterprise_filed(e, "commerce", "commerce:440300")
    factories.enterprise_filed(e, "customs", "customs:5300")
    EnterpriseFiling.objects.filter(enterprise=e).update(filed_as=filed_as(e))
    issued(api, b_api, 1)
    enterprise_apply_data(
        enterprise=e, data={**master_data(e), "name": "深圳出口新名称有限公司"}, application=None
    )
    e.refresh_from_db()

    def names() -> set[str]:
        return {
            api.get(BASE).json()["items"][0]["enterprise_name"],
            api.get(f"{BASE}/requests").json()["items"][0]["enterprise_name"],
            b_api.get(BASE).json()["items"][0]["enterprise_name"],
        }

    assert names() == {old}
    for filing in ("commerce", "forex"):  # as each approved 备案变更 leaves it (filings/changes.py)
        EnterpriseFiling.objects.filter(enterprise=e, filing=filing).update(filed_as=filed_as(e))
        assert names() == {old}
    EnterpriseFiling.objects.filter(enterprise=e, filing="customs").update(filed_as=filed_as(e))
    assert names() == {"深圳出口新名称有限公司"}


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency: PostgreSQL")


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_two_issues_at_once_get_distinct_gapless_numbers():
    made, _api = holder()
    bureau, _b = bureau_reviewer()
    reqs = [services.request_forms(made.card.user, 3) for _ in range(2)]
    assert outcomes(*[lambda r=r: services.issue(bureau, r.request_no, 3) for r in reqs]) == ["ok", "ok"]
    nos = sorted(int(n) for n in ReceiptForm.objects.values_list("form_no", flat=True))
    assert nos == list(range(nos[0], nos[0] + 6))
    r1, r2 = (FormRequest.objects.get(pk=r.pk) for r in reqs)
    assert r1.request_no != r2.request_no


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_two_issues_of_one_request_end_in_one():
    made, _api = holder()
    bureau, _b = bureau_reviewer()
    r = services.request_forms(made.card.user, 3)
    assert outcomes(*[lambda: services.issue(bureau, r.request_no, 2)] * 2) == ["ok", "request_done"]
    assert ReceiptForm.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_revoke_against_declare_and_two_filings_end_in_one_state():
    made, _api = holder()
    bureau, _b = bureau_reviewer()
    customs, _c = customs_reviewer()
    r = services.request_forms(made.card.user, 2)
    a, b = (f.form_no for f in services.issue(bureau, r.request_no, 2))
    services.port_filing(made.card.user, a, PORT)
    results = outcomes(
        lambda: services.revoke_filing(made.card.user, a),
        lambda: services.record_declaration(customs, a, decl_no()),
    )
    final = ReceiptForm.objects.get(form_no=a)
    assert results in (["ok", "state_conflict"], ["ok", "used_on_declaration"])
    assert final.state in ("issued", "declared")
    assert (final.state == "declared") == (final.decl_no == decl_no())
    results = outcomes(
        lambda: services.port_filing(made.card.user, b, PORT),
        lambda: services.port_filing(made.card.user, b, "5302"),
    )
    assert results == ["already_filed", "ok"]
    assert ReceiptForm.objects.get(form_no=b).state == "filed"


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_customs_waiting_on_a_revoke_gets_a_409_not_a_404():
    """The enterprise's 撤销备案 holds the row when the customs' 登记 arrives: once it commits, the form is
    no longer at the customs' port, yet the customs had found it — it gets the 409 of the new state."""
    import time

    from django.db import transaction

    made, _api = holder()
    bureau, _b = bureau_reviewer()
    customs, _c = customs_reviewer()
    r = services.request_forms(made.card.user, 1)
    [form] = services.issue(bureau, r.request_no, 1)
    services.port_filing(made.card.user, form.form_no, PORT)
    revoked, result = threading.Event(), []

    def enterprise():
        try:
            with transaction.atomic():
                services.revoke_filing(made.card.user, form.form_no)
                revoked.set()
                time.sleep(0.5)  # the customs is now waiting for the row
        finally:
            connection.close()

    def customs_declares():
        try:
            revoked.wait()
            services.record_declaration(customs, form.form_no, decl_no())
            result.append("ok")
        except DomainError as e:
            result.append(e.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=enterprise), threading.Thread(target=customs_declares)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert result == ["state_conflict"]
    assert ReceiptForm.objects.get(form_no=form.form_no).state == "issued"


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_one_declaration_recorded_on_two_forms_at_once_lands_on_one():
    """Two officers of the port's customs record the same export declaration on two filed forms at once: one
    form carries it, the other is refused (a unique index, not only the check before it)."""
    made, _api = holder()
    bureau, _b = bureau_reviewer()
    officers = [customs_reviewer(email=f"c{i}@example.com")[0] for i in range(2)]
    r = services.request_forms(made.card.user, 2)
    nos = [x.form_no for x in services.issue(bureau, r.request_no, 2)]
    for no in nos:
        services.port_filing(made.card.user, no, PORT)
    results = outcomes(
        *[
            lambda o=o, no=no: services.record_declaration(o, no, decl_no())
            for o, no in zip(officers, nos, strict=True)
        ]
    )
    assert results == ["ok", "state_conflict"]
    assert ReceiptForm.objects.filter(decl_no=decl_no()).count() == 1
    assert ReceiptForm.objects.filter(state="filed").count() == 1
