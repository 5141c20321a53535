"""通关无纸化网上签约 screens (SPEC §6.1): the card's menu opens 三方协议签约; the agreement, a box per 关区,
同意—签约 and its refusals; the signing page; 三方协议查询 with times, PDF, export and 解约; the customs
reviewer's page with the agreement's rows, its signature check and the PDF link."""

import base64
import io
import re

import pytest
from openpyxl import load_workbook

from eport.agreements.models import Agreement
from eport.applications.models import ReviewStep
from tests import factories as f
from tests.agreements.helpers import approve, card_sign, customs_reviewer, sign_via_api, signing_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def signer(client):
    made, key, api = signing_card()
    f.as_user(client, made.card.user)
    return made, key, api


def text(r) -> str:
    return r.content.decode()


def test_the_card_menu_opens_the_signing_screen(client, signer):
    r = client.get("/subsystems/paperless_signing/")
    assert r.status_code == 302 and r["Location"] == "/paperless/agreements/"
    page = text(client.get("/paperless/agreements/"))
    assert "中国电子口岸通关无纸化三方协议" in page and "第一条 协议目的" in page
    codes = re.findall(r'name="customs" value="(\d{4})"', page)
    assert "5300" in codes and "0100" in codes and "0000" not in codes
    assert all(c.endswith("00") for c in codes)
    assert "同意—签约" in page


def test_nothing_ticked_is_refused_in_the_error_summary(client, signer):
    r = client.post("/paperless/agreements/", {})
    assert r.status_code == 400
    page = text(r)
    assert 'id="error-summary"' in page and "请至少选择一个关区。" in page
    assert 'href="#id_customs"' in page and 'id="id_customs"' in page


def test_agree_then_the_signing_page_then_the_query(client, signer):
    made, key, _api = signer
    r = client.post("/paperless/agreements/", {"customs": ["5300", "0100"]})
    assert r.status_code == 200
    page = text(r)
    assert 'id="document-sign-form"' in page and "签名并发送" in page
    assert "0100" in page and "5300" in page and made.card.enterprise.name in page
    to_sign = re.search(r'data-signed-attrs="([^"]+)"', page).group(1)
    sign_id = re.search(r'name="sign_id" value="([^"]+)"', page).group(1)
    assert "connect-src" in r.headers.get("Content-Security-Policy", "")
    # what the agent does on this page (card.js): sign to_sign with the card key
    r = client.post("/paperless/agreements/sign/", {"sign_id": sign_id, "signature": card_sign(key, to_sign)})
    assert r.status_code == 302 and r["Location"] == "/paperless/agreements/query/"
    page = text(client.get(r["Location"]))
    assert "三方协议已签约并发往海关" in page
    states = dict(re.findall(r'data-customs="(\d{4})" data-state="(\w+)"', page))
    assert states == {"0100": "RECEIVED", "5300": "RECEIVED"}
    assert "海关入库成功" in page and 'id="pdf-5300"' in page and 'id="terminate-5300"' in page
    assert "解约后不能在该关区无纸化报关，确定解约吗？" in page
    # the signing screen now says those 关区 are signed and cannot be ticked
    page = text(client.get("/paperless/agreements/"))
    assert re.search(r'value="5300" id="customs-5300" disabled', page)
    assert "已签约（状态：海关入库成功）" in page


def test_a_bad_signature_goes_back_with_the_reason(client, signer):
    made, key, _api = signer
    page = text(client.post("/paperless/agreements/", {"customs": ["5300"]}))
    sign_id = re.search(r'name="sign_id" value="([^"]+)"', page).group(1)
    r = client.post(
        "/paperless/agreements/sign/", {"sign_id": sign_id, "signature": base64.b64encode(b"x").decode()}
    )
    assert r.status_code == 302 and r["Location"] == "/paperless/agreements/"
    assert "IC卡签名验证失败" in text(client.get(r["Location"]))
    assert not Agreement.objects.exists()


def test_the_query_pdf_export_and_terminate(client, signer):
    made, key, api = signer
    sign_via_api(api, key, ["5300", "0100"])
    approve(Agreement.objects.get(customs="5300"), customs_reviewer(), "同意")
    r = client.get("/paperless/agreements/5300/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content == bytes(Agreement.objects.get(customs="5300").pdf)
    r = client.get("/paperless/agreements/query/?export=xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("关区代码", "关区名称", "状态")
    assert [(row[0], row[2], row[7]) for row in rows[1:]] == [
        ("0100", "海关入库成功", None),
        ("5300", "签约海关审批", "同意"),
    ]
    r = client.post("/paperless/agreements/5300/terminate/")
    assert r.status_code == 302
    page = text(client.get("/paperless/agreements/query/"))
    assert "已解除 5300 关区的三方协议。" in page
    assert dict(re.findall(r'data-customs="(\d{4})" data-state="(\w+)"', page))["5300"] == "TERMINATED"
    assert 'id="terminate-5300"' not in page


def test_another_enterprise_and_an_operator_card(client, signer):
    made, key, api = signer
    sign_via_api(api, key, ["5300"])
    other, _k, _a = signing_card()
    f.as_user(client, other.card.user)
    assert client.get("/paperless/agreements/5300/pdf/").status_code == 404
    client.post("/paperless/agreements/5300/terminate/")
    assert Agreement.objects.get().state == "RECEIVED"
    op = f.operator_card(made.card.enterprise)
    f.as_user(client, op.card.user)
    assert client.get("/paperless/agreements/").status_code == 403
    assert client.get("/paperless/agreements/query/").status_code == 403
    assert client.get("/paperless/agreements/5300/pdf/").status_code == 403


def test_the_customs_reviewer_sees_the_rows_the_signature_check_and_the_pdf(client, signer):
    made, key, api = signer
    sign_via_api(api, key, ["5300", "0100"])
    a = Agreement.objects.get(customs="5300")
    step = ReviewStep.objects.get(application=a.application)
    f.as_user(client, customs_reviewer("5300"))
    page = text(client.get("/reviews/"))
    assert f"/reviews/{step.id}/" in page and "三方协议签约" in page
    page = text(client.get(f"/reviews/{step.id}/"))
    assert made.card.card_no in page and "5300" in page
    assert "签名有效" in page and made.card.made_certificate.serial in page
    assert f"/paperless/agreements/applications/{a.application_id}/pdf/" in page
    r = client.get(f"/paperless/agreements/applications/{a.application_id}/pdf/")
    assert r.status_code == 200 and r.content == bytes(a.pdf)
    # Beijing customs: neither the review nor the PDF
    bj = Agreement.objects.get(customs="0100")
    assert client.get(f"/paperless/agreements/applications/{bj.application_id}/pdf/").status_code == 404
    f.as_user(client, customs_reviewer("0100"))
    assert client.get(f"/reviews/{step.id}/").status_code == 404
    assert client.get(f"/paperless/agreements/applications/{a.application_id}/pdf/").status_code == 404
