"""快件通关 screens: the card menu entry opens 数据上载; a file uploaded (import with its 舱单 sheet; export
CSV), a refused one listing its rows and columns; 回执查询; 修改类别; customs' 快件审核 放行 / 退单 with a
reason; 放行报关单 KJ2 / 其他 and 打印; the side menus; scoped like the API."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from eport.audit.models import AuditEvent
from eport.cards.models import CardPermission
from eport.express import files, services
from eport.express.models import Declaration, State
from tests import factories as f
from tests.express.helpers import customs, import_body, operator

pytestmark = pytest.mark.django_db


def html(r) -> str:
    return r.content.decode()


def _named(content: bytes, name: str):
    fh = io.BytesIO(content)
    fh.name = name
    return fh


@pytest.fixture
def op(client):
    made, _api = operator()
    client.force_login(made.card.user)
    client.made = made
    return client


def _uploaded(made, subs=("SF0001", "SF0002")):
    body = import_body(subs=subs)
    head = {k: body[k] for k in ("direction", "category", "waybill")}
    rows = list(enumerate(body["declarations"], 1))
    return services.upload(made.card.user, head, rows, list(enumerate(body["manifest"], 1)))


def test_the_card_menu_entry_opens_upload_and_the_side_menu_lists_the_screens(op):
    r = op.get(reverse("web:subsystem", args=["express"]))
    assert r.status_code == 302 and r["Location"] == reverse("web:express_upload")
    page = html(op.get(reverse("web:express_upload")))
    for name in ("express_upload", "express_receipts", "express_released", "express_declarations"):
        assert f'href="{reverse("web:" + name)}"' in page
    assert 'id="tpl-import-xlsx"' in page and "航空运输" in page


def test_upload_an_import_workbook_then_receipts(op):
    template = files.template_xlsx("I")
    r = op.post(
        reverse("web:express_upload"),
        {"direction": "I", "category": "KJ2", "waybill": "999-55555555", "file": _named(template, "i.xlsx")},
    )
    assert r.status_code == 302 and "waybill=999-55555555" in r["Location"]
    page = html(op.get(r["Location"]))
    assert "SF1234567890" in page and "入库成功" in page
    r = op.get(reverse("web:express_receipts"), {"waybill": "999-55555555", "export": "xlsx"})
    assert load_workbook(io.BytesIO(r.content)).active.max_row == 2


def test_a_refused_file_lists_rows_and_columns_and_saves_nothing(op):
    bad = files.template_csv("E").decode("utf-8-sig").replace("502", "5020").replace("5304", "9999")
    r = op.post(
        reverse("web:express_upload"),
        {"direction": "E", "category": "B", "waybill": "781-1", "file": _named(bad.encode(), "e.csv")},
    )
    assert r.status_code == 400
    page = html(r)
    assert 'id="row-errors"' in page and 'id="error-summary"' in page
    assert 'data-row="2" data-column="currency"' in page and 'data-row="2" data-column="port"' in page
    assert "第2行“进出口岸”：9999 不是关区代码表中的关区。" in page
    assert not Declaration.objects.exists()
    r = op.post(reverse("web:express_upload"), {"direction": "I", "category": "KJ2", "waybill": "999-1"})
    assert r.status_code == 400 and 'id="error_file"' in html(r)
    r = op.post(
        reverse("web:express_upload"),
        {"direction": "I", "category": "KJ2", "waybill": "999-12345", "file": _named(bad.encode(), "i.csv")},
    )
    assert r.status_code == 400 and 'id="error_manifest"' in html(r)  # an import without its manifest


def test_change_category_then_refused_after_release(op):
    u = _uploaded(op.made)
    d = u.declarations.order_by("pk").first()
    r = op.post(reverse("web:express_category", args=[d.pk]), {"category": "A"})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.category == "A" and d.version == 2
    officer, _c = customs()
    services.release(officer, d.pk, d.version)
    r = op.post(reverse("web:express_category", args=[d.pk]), {"category": "KJ2"})
    assert r.status_code == 409 and "已放行的报关单不能修改类别" in html(r)
    page = html(op.get(reverse("web:express_released"), {"released": "other"}))
    assert f'id="print-{d.pk}"' in page
    assert f'id="print-{d.pk}"' not in html(op.get(reverse("web:express_released")))
    page = html(op.get(reverse("web:express_print", args=[d.pk])))
    assert "A类 文件类" in page and 'id="btn-pdf"' in page
    r = op.get(reverse("web:express_pdf", args=[d.pk]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    other = u.declarations.exclude(pk=d.pk).get()
    assert op.get(reverse("web:express_print", args=[other.pk])).status_code == 409


def test_customs_reviews_its_guanqu(client):
    made, _api = operator()
    u = _uploaded(made)
    a, b = u.declarations.order_by("pk")
    officer, _c = customs()
    client.force_login(officer)
    page = html(client.get(reverse("web:express_review")))
    assert f'data-declaration="{a.pk}"' in page and f'href="{reverse("web:express_review")}"' in page
    r = client.post(reverse("web:express_release", args=[a.pk]), {"version": "1"})
    assert r.status_code == 302
    r = client.post(reverse("web:express_return", args=[b.pk]), {"version": "1", "reason": ""})
    assert r.status_code == 400 and 'id="error_reason"' in html(r)
    r = client.post(reverse("web:express_return", args=[b.pk]), {"version": "1", "reason": "品名不实"})
    assert r.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.state == State.RELEASED and b.state == State.RETURNED and b.reason == "品名不实"
    assert AuditEvent.objects.filter(action="express.returned", object_id=str(b.pk)).exists()
    bj, _bj = customs("customs:0100", "bj@example.com")
    client.force_login(bj)
    assert client.get(reverse("web:express_declaration", args=[a.pk])).status_code == 404
    assert f'data-declaration="{a.pk}"' not in html(client.get(reverse("web:express_declarations")))


def test_a_card_without_the_subsystem_is_refused(client):
    e = f.enterprise_in_network(name="无快件权限公司")
    made = f.operator_card(e)
    client.force_login(made.card.user)
    assert client.get(reverse("web:express_upload")).status_code == 403
    assert client.get(reverse("web:express_receipts")).status_code == 403
    CardPermission.objects.create(card=made.card, subsystem_id="express")
    assert client.get(reverse("web:express_upload")).status_code == 200
