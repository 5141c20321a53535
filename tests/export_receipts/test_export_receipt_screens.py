"""出口收汇 screens: the card menu opens the system; 核销单申请 with its confirmation; the bureau's 发单 (fewer);
口岸备案 of one form (errors beside the field, 设置成功, a filed form refused until 撤销备案); 批量备案 with the
ticked forms; the customs' 登记出口报关单; 撤销备案 refused after it; 交单; 核销; the side menus; exports."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from eport.export_receipts.models import FormRequest, ReceiptForm
from tests.export_receipts.helpers import PORT, bureau_reviewer, customs_reviewer, decl_no, holder, issued

pytestmark = pytest.mark.django_db


def html(r) -> str:
    return r.content.decode()


def client_of(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def s():
    made, api = holder()
    bureau, b_api = bureau_reviewer()
    customs, _c = customs_reviewer()
    return {
        "made": made,
        "api": api,
        "b_api": b_api,
        "card": client_of(made.card.user),
        "bureau": client_of(bureau),
        "customs": client_of(customs),
    }


def test_the_card_menu_opens_the_system_and_the_side_menu(s):
    r = s["card"].get(reverse("web:subsystem", args=["export_receipt"]))
    assert r.status_code == 302 and r["Location"] == reverse("web:export_receipts")
    page = html(s["card"].get(reverse("web:export_receipts")))
    for name in ("export_receipt_request_new", "export_receipt_port_filing", "export_receipt_batch"):
        assert reverse(f"web:{name}") in page
    assert "核销单申请" in page and "批量备案" in page
    assert reverse("web:export_receipt_requests") in html(s["bureau"].get(reverse("web:reviews")))
    assert reverse("web:export_receipts") in html(s["customs"].get(reverse("web:reviews")))


def test_request_with_confirmation_and_the_bureau_issues_fewer(s):
    url = reverse("web:export_receipt_request_new")
    r = s["card"].post(url, {"count": "0"})
    assert (
        r.status_code == 400 and 'id="error_count"' in html(r) and "申请份数须为1到9999之间的整数" in html(r)
    )
    r = s["card"].post(url, {"count": "5"})
    assert r.status_code == 200 and "确定向外汇局申请 5 份出口收汇核销单吗？" in html(r)
    assert FormRequest.objects.count() == 0
    r = s["card"].post(url, {"count": "5", "confirm": "1"}, follow=True)
    req = FormRequest.objects.get()
    assert f"核销单申请成功，申请号：{req.request_no}" in html(r)

    page = html(s["bureau"].get(reverse("web:export_receipt_requests")))
    assert f'id="issue-{req.request_no}"' in page
    issue = reverse("web:export_receipt_issue", args=[req.request_no])
    r = s["bureau"].post(issue, {"count": "6"})
    assert r.status_code == 400 and "发单份数不能超过申请份数（5）" in html(r)
    r = s["bureau"].post(issue, {"count": "3"}, follow=True)
    assert "已发单 3 份" in html(r) and ReceiptForm.objects.count() == 3
    assert s["card"].get(issue).status_code == 403  # the enterprise does not issue


def test_port_filing_confirm_success_and_refusals(s):
    no = issued(s["api"], s["b_api"], 1)[0]
    assert f'id="form-{no}"' in html(s["card"].get(reverse("web:export_receipt_port_filing")))
    url = reverse("web:export_receipt_form", args=[no])
    page = html(s["card"].get(url))
    assert "data-enter-opens" in page and 'data-lookup-url="/api/v1/export-receipts/ports?q="' in page
    r = s["card"].post(url, {"action": "port", "port": "皇岗"})
    assert r.status_code == 400 and 'id="error_port"' in html(r) and "没有这个口岸代码" in html(r)
    r = s["card"].post(url, {"action": "port", "port": PORT})
    assert "确定将核销单" in html(r) and "皇岗海关" in html(r)
    assert ReceiptForm.objects.get().state == "issued"
    r = s["card"].post(url, {"action": "port", "port": PORT, "confirm": "1"}, follow=True)
    assert "设置成功" in html(r) and ReceiptForm.objects.get().port == PORT
    r = s["card"].post(url, {"action": "port", "port": "5302", "confirm": "1"})
    assert r.status_code == 409 and "请先撤销备案" in html(r)
    r = s["card"].post(url, {"action": "revoke", "confirm": "1"}, follow=True)
    assert "已撤销备案" in html(r) and ReceiptForm.objects.get().state == "issued"


def test_batch_filing_files_only_the_ticked_forms(s):
    nos = issued(s["api"], s["b_api"], 4)
    url = reverse("web:export_receipt_batch")
    page = html(s["card"].get(url, {"start_no": nos[0], "count": "3"}))
    assert all(f'id="pick-{n}"' in page for n in nos[:3]) and f'id="pick-{nos[3]}"' not in page
    assert 'data-check-all="form_nos"' in page and 'data-check-none="form_nos"' in page
    r = s["card"].get(url, {"start_no": "1", "count": "3"})
    assert r.status_code == 400 and 'id="error_start_no"' in html(r)
    data = {"start_no": nos[0], "count": "3", "port": PORT}
    r = s["card"].post(url, data)
    assert r.status_code == 400 and "请至少选择一份核销单" in html(r)
    r = s["card"].post(url, {**data, "form_nos": [nos[0], nos[2]]})
    assert "确定将所选 2 份核销单备案到口岸 5301" in html(r)
    r = s["card"].post(url, {**data, "form_nos": [nos[0], nos[2]], "confirm": "1"}, follow=True)
    assert "设置成功：2 份核销单的使用口岸为 5301" in html(r)
    assert dict(ReceiptForm.objects.values_list("form_no", "state")) == {
        nos[0]: "filed",
        nos[1]: "issued",
        nos[2]: "filed",
        nos[3]: "issued",
    }


def test_customs_declares_then_revoke_is_refused_hand_in_and_write_off(s):
    no = issued(s["api"], s["b_api"], 1)[0]
    s["api"].post(f"/export-receipts/{no}/port-filing", {"port": PORT})
    url = reverse("web:export_receipt_form", args=[no])
    r = s["customs"].post(url, {"action": "declare", "decl_no": "123"})
    assert r.status_code == 400 and 'id="error_decl_no"' in html(r)
    r = s["customs"].post(url, {"action": "declare", "decl_no": decl_no(), "confirm": "1"}, follow=True)
    assert "已报关" in html(r) and ReceiptForm.objects.get().decl_no == decl_no()
    r = s["card"].post(url, {"action": "revoke", "confirm": "1"})
    assert r.status_code == 409 and "不能撤销备案" in html(r)
    assert 'id="btn-revoke"' not in html(s["card"].get(url)) and 'id="btn-hand-in"' in html(
        s["card"].get(url)
    )
    s["card"].post(url, {"action": "hand_in", "confirm": "1"})
    assert 'id="btn-write-off"' in html(s["bureau"].get(url))
    r = s["bureau"].post(url, {"action": "write_off", "confirm": "1"}, follow=True)
    assert "已核销" in html(r) and ReceiptForm.objects.get().state == "written_off"


def test_lists_scoped_and_exported(s):
    nos = issued(s["api"], s["b_api"], 2)
    s["api"].post(f"/export-receipts/{nos[0]}/port-filing", {"port": PORT})
    other, other_api = holder(name="广州出口公司", bureau="forex:440100", email="gz@example.com")
    _u, gz = bureau_reviewer("forex:440100", email="gz-forex@example.com")
    theirs = issued(other_api, gz, 1)[0]
    page = html(s["bureau"].get(reverse("web:export_receipts")))
    assert all(f'id="form-{n}"' in page for n in nos) and theirs not in page
    assert s["bureau"].get(reverse("web:export_receipt_form", args=[theirs])).status_code == 404
    assert s["card"].get(reverse("web:export_receipt_form", args=[theirs])).status_code == 404
    customs_page = html(s["customs"].get(reverse("web:export_receipts")))
    assert f'id="form-{nos[0]}"' in customs_page and nos[1] not in customs_page
    x = s["card"].get(reverse("web:export_receipts"), {"state": "filed", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [nos[0]]
    x = s["bureau"].get(reverse("web:export_receipt_requests"), {"export": "xlsx"})
    assert len(list(load_workbook(io.BytesIO(x.content)).active.iter_rows())) == 2


def test_a_card_without_the_subsystem_and_other_staff_are_refused():
    from eport.accounts.models import UserKind
    from tests import factories as f

    made = f.operator_card(f.enterprise_in_network())
    c = client_of(made.card.user)
    assert c.get(reverse("web:export_receipts")).status_code == 403
    assert c.get(reverse("web:export_receipt_request_new")).status_code == 403
    aic = client_of(f.staff(UserKind.REVIEWER, "aic:440300"))
    assert aic.get(reverse("web:export_receipts")).status_code == 403


def test_lost_from_the_form_page_by_the_card_and_by_the_bureau(s, django_capture_on_commit_callbacks):
    from django.core import mail

    a, b = issued(s["api"], s["b_api"], 2)
    url_a, url_b = (reverse("web:export_receipt_form", args=[n]) for n in (a, b))
    r = s["card"].post(url_a, {"action": "lost"})
    assert "挂失后核销单" in html(r) and ReceiptForm.objects.get(form_no=a).state == "issued"
    with django_capture_on_commit_callbacks(execute=True):
        r = s["card"].post(url_a, {"action": "lost", "confirm": "1"}, follow=True)
    assert "已挂失" in html(r) and mail.outbox[-1].to == ["forex@example.com"]
    page = html(s["card"].get(url_a))
    assert 'id="btn-lost"' not in page and 'id="port-form"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        s["bureau"].post(url_b, {"action": "lost", "confirm": "1"})
    assert ReceiptForm.objects.get(form_no=b).state == "lost" and mail.outbox[-1].to == [
        "exporter@example.com"
    ]
    r = s["card"].post(url_b, {"action": "nothing"})
    assert r.status_code == 400 and "请选择要办理的业务" in html(r)


def test_the_screens_speak_english(s):
    no = issued(s["api"], s["b_api"], 1)[0]
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    page = html(s["card"].get(reverse("web:export_receipts"), **en))
    assert "Form number" in page and "Batch filing" in page and "Issued" in page
    r = s["card"].post(reverse("web:export_receipt_form", args=[no]), {"action": "port", "port": "x"}, **en)
    assert "Port: there is no such port code" in html(r)
    r = s["card"].post(reverse("web:export_receipt_request_new"), {"count": "2"}, **en)
    assert "Request 2 export receipt forms from the forex bureau?" in html(r)
