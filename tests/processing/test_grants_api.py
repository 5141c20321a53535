"""加贸权限管理 through the API (SPEC §6.4, API.md "Other subsystems"): the legal card grants a filed
enterprise, by its 10-digit 海关编码, rights on a manual or book; change, delete, query, export; the grantee's
contacts are mailed and its cards read what they received; every refusal names its field."""

import io
import threading

import pytest
from django.core import mail
from django.db import connection
from openpyxl import load_workbook

from eport.audit.models import AuditEvent
from eport.cards.models import CardPermission
from eport.errors import DomainError
from eport.processing import services
from eport.processing.models import Grant
from tests import factories as f
from tests.api.helpers import Api, assert_error
from tests.processing.helpers import body, grant_subsystem, grantee, grantor

pytestmark = pytest.mark.django_db

URL = "/processing-trade/grants"


@pytest.fixture
def p():
    legal, api = grantor()
    e, g_legal, g_api = grantee()
    return {"legal": legal, "api": api, "grantee": e, "g_legal": g_legal, "g_api": g_api}


def test_add_change_delete_with_mail_and_audit(p, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = p["api"].post(URL, body())
    assert r.status_code == 201, r.content
    g = r.json()
    assert g["grantee_name"] == "东莞代理报关有限公司" and g["grantee_customs_code"] == "4403960002"
    assert g["book_type"] == "manual" and g["book_type_name"] == "电子手册"
    assert g["rights"] == "101" and g["rights_names"] == ["代理报关权", "查询权"]
    assert [m.to for m in mail.outbox] == [["grantee4403960002@example.com"]]
    assert "新增" in mail.outbox[0].subject
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = p["api"].patch(f"{URL}/{g['id']}", {"rights": "111", "category": "合同手册B"})
    assert r.status_code == 200 and r.json()["rights"] == "111" and r.json()["category"] == "合同手册B"
    assert r.json()["internal_no"] == "C5300A000001"  # kept
    assert "修改" in mail.outbox[0].subject and "111" in mail.outbox[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = p["api"].delete(f"{URL}/{g['id']}")
    assert r.status_code == 204
    assert "删除" in mail.outbox[0].subject
    assert Grant.objects.count() == 0
    actions = list(AuditEvent.objects.filter(object_type="processing.grant").values_list("action", flat=True))
    assert {"processing_grant.added", "processing_grant.changed", "processing_grant.deleted"} <= set(actions)


def test_the_grantee_reads_what_it_received_and_cannot_change_it(p):
    gid = p["api"].post(URL, body()).json()["id"]
    got = p["g_api"].get(URL, {"received": 1}).json()
    assert [x["id"] for x in got["items"]] == [gid] and got["items"][0][
        "grantor_name"
    ] == "深圳加工贸易有限公司"
    assert p["g_api"].get(URL).json()["total"] == 0  # it gave none
    assert p["api"].get(URL, {"received": 1}).json()["total"] == 0
    assert_error(p["g_api"].patch(f"{URL}/{gid}", {"rights": "111"}), 404, "grant_not_found")
    assert_error(p["g_api"].delete(f"{URL}/{gid}"), 404, "grant_not_found")
    # an operator card of the grantee holding the subsystem reads it too
    op = grant_subsystem(f.operator_card(p["grantee"]))
    assert Api(op.card.user).get(URL, {"received": "1"}).json()["total"] == 1


def test_refusals_name_their_field(p):
    api = p["api"]
    assert_error(
        api.post(URL, body(grantee_customs_code="9999999999")), 404, "grantee_unknown", "grantee_customs_code"
    )
    assert_error(api.post(URL, body(grantee_customs_code="12345")), 400, None, "grantee_customs_code")
    assert_error(
        api.post(URL, body(grantee_customs_code="4403960001")), 409, "self_grant", "grantee_customs_code"
    )
    assert_error(api.post(URL, body(rights="000")), 400, "rights_invalid", "rights")
    assert_error(api.post(URL, body(rights="12")), 400, None, "rights")
    assert_error(api.post(URL, body(rights="201")), 400, "rights_invalid", "rights")
    assert_error(api.post(URL, body(book_type="other")), 400, None, "book_type")
    assert_error(api.post(URL, body(category="")), 400, None, "category")
    assert_error(api.post(URL, body(internal_no="x" * 51)), 400, None, "internal_no")
    assert api.post(URL, body()).status_code == 201
    assert_error(api.post(URL, body(rights="111")), 409, "grant_exists", "internal_no")
    # the same internal number on another book type, or another grantee, is another grant
    assert api.post(URL, body(book_type="account_book")).status_code == 201
    grantee(reg_no="4403960003", name="另一代理企业")
    assert api.post(URL, body(grantee_customs_code="4403960003")).status_code == 201
    # changing one onto another's key is refused too
    third = Grant.objects.get(grantee_customs_code="4403960003")
    assert_error(api.patch(f"{URL}/{third.pk}", {"grantee_customs_code": "4403960002"}), 409, "grant_exists")
    assert_error(api.get(URL, {"book_type": "x"}), 400, "book_type_invalid", "book_type")


def test_filters(p):
    api = p["api"]
    api.post(URL, body(internal_no="A-1"))
    api.post(URL, body(internal_no="B-2", book_type="paperless_manual"))
    assert api.get(URL, {"book_type": "paperless_manual"}).json()["total"] == 1
    assert api.get(URL, {"internal_no": "a-"}).json()["total"] == 1
    assert api.get(URL, {"grantee": "4403960002"}).json()["total"] == 2
    assert api.get(URL, {"grantee": "代理报关"}).json()["total"] == 2
    assert api.get(URL, {"grantee": "4403960009"}).json()["total"] == 0
    g_api = p["g_api"]  # the grantee filters what it received by the granting enterprise's name
    assert g_api.get(URL, {"received": 1, "grantee": "加工贸易"}).json()["total"] == 2
    assert g_api.get(URL, {"received": 1, "grantee": "代理报关"}).json()["total"] == 0


def test_only_the_legal_card_writes_and_the_subsystem_is_required(p):
    e = p["legal"].card.enterprise
    op = grant_subsystem(f.operator_card(e))
    op_api = Api(op.card.user)
    assert_error(op_api.post(URL, body()), 403, "legal_card_required")
    gid = p["api"].post(URL, body()).json()["id"]
    assert op_api.get(URL).json()["total"] == 1  # an operator card with the subsystem reads
    assert_error(op_api.delete(f"{URL}/{gid}"), 403, "legal_card_required")
    bare = Api(f.operator_card(e, name="王五").card.user)  # no processing_trade
    assert_error(bare.get(URL), 403, "subsystem_not_granted")
    assert_error(bare.post(URL, body()), 403, "subsystem_not_granted")
    CardPermission.objects.filter(card=p["legal"].card).delete()
    assert_error(p["api"].post(URL, body(internal_no="other")), 403, "subsystem_not_granted")


def test_another_enterprises_grant_is_404(p):
    gid = p["api"].post(URL, body()).json()["id"]
    other, other_api = grantor(reg_no="4403960010", name="别家企业")
    assert_error(other_api.patch(f"{URL}/{gid}", {"rights": "111"}), 404, "grant_not_found")
    assert_error(other_api.delete(f"{URL}/{gid}"), 404, "grant_not_found")
    assert_error(other_api.delete(f"{URL}/999999"), 404, "grant_not_found")
    assert other_api.get(URL).json()["total"] == 0
    assert Grant.objects.get(pk=gid).rights == "101"


def test_export(p):
    p["api"].post(URL, body(category='=HYPERLINK("x")'))
    r = p["api"].get(f"{URL}.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("授权类型", "授权企业", "企业编码", "名称")
    assert rows[1][2] == "4403960002" and rows[1][4] == '=HYPERLINK("x")'
    received = p["g_api"].get(f"{URL}.xlsx", {"received": 1})
    assert len(list(load_workbook(io.BytesIO(received.content)).active.iter_rows())) == 2
    assert AuditEvent.objects.filter(action="export", object_id="processing_grants").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent inserts: PostgreSQL")
def test_two_equal_grants_at_once_end_in_one():
    legal, _api = grantor()
    grantee()
    results = []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            services.grant_add(legal.card.user, body())
            results.append("ok")
        except DomainError as e:
            results.append(e.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["grant_exists", "ok"]
    assert Grant.objects.count() == 1


def test_moving_a_grant_to_another_grantee_tells_both(p, django_capture_on_commit_callbacks):
    other, _o_legal, o_api = grantee(reg_no="4403960003", name="另一代理企业")
    gid = p["api"].post(URL, body()).json()["id"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = p["api"].patch(f"{URL}/{gid}", {"grantee_customs_code": "4403960003", "internal_no": "NEW-1"})
    assert r.status_code == 200 and r.json()["grantee_name"] == "另一代理企业"
    told = {m.to[0]: m for m in mail.outbox}
    former, new = told["grantee4403960002@example.com"], told["grantee4403960003@example.com"]
    assert (
        "删除" in former.subject
        and "C5300A000001" in former.body
        and "东莞代理报关有限公司" in former.subject
    )
    assert "新增" in new.subject and "NEW-1" in new.body
    assert p["g_api"].get(URL, {"received": 1}).json()["total"] == 0
    assert o_api.get(URL, {"received": 1}).json()["total"] == 1
    changed = AuditEvent.objects.get(action="processing_grant.changed")
    assert changed.before["grantee"] == "4403960002" and changed.after["grantee"] == "4403960003"


def test_the_mail_in_english(p, settings, django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "en"
    with django_capture_on_commit_callbacks(execute=True):
        p["api"].post(URL, body(rights="111"))
    [m] = mail.outbox
    assert "Processing-trade grant added" in m.subject and "Declaring as agent" in m.body
