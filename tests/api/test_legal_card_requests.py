"""The API of 申领/补办法人卡: the enterprise lists and files its requests, the sub-centre reads its 待制法人卡
queue and makes the card from a row (POST /cards with request_id); a card answer says why it was voided."""

import pytest

from tests import factories as f
from tests.api.helpers import Api

pytestmark = pytest.mark.django_db


def test_request_queue_make_and_the_void_reason():
    ra_user = f.ra_officer()
    e = f.enterprise_in_network(name="申领测试有限公司")
    ent, ra = Api(f.cardless(uscc=e.uscc)), Api(ra_user)
    r = ent.post("/legal-card-requests", {"contact_name": "王五", "contact_phone": "13912345678"})
    assert r.status_code == 201, r.content
    req = r.json()
    assert req["kind"] == "legal_card_reissue" and req["kind_label"] == "申领法人卡"
    assert req["status"] == "SUBMITTED" and req["contact_name"] == "王五" and req["card_no"] is None
    assert [a["id"] for a in ent.get("/legal-card-requests").json()["items"]] == [req["id"]]
    again = ent.post("/legal-card-requests", {"contact_name": "王五", "contact_phone": "13912345678"})
    assert again.status_code == 409  # one open request
    assert ra.get("/legal-card-requests/queue").json()["total"] == 0
    step = ra.get("/reviews", {"status": "pending"}).json()["items"][0]
    assert ra.post(f"/reviews/{step['id']}/approve", {"opinion": "同意"}).status_code == 200
    queue = ra.get("/legal-card-requests/queue").json()
    assert [a["id"] for a in queue["items"]] == [req["id"]]
    assert queue["items"][0]["enterprise"]["name"] == "申领测试有限公司"
    other = Api(f.ra_officer("ra:0100"))
    assert other.get("/legal-card-requests/queue").json()["total"] == 0
    refused = other.post("/cards", {"kind": "legal", "request_id": req["id"]})
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "application_not_found"
    made = ra.post("/cards", {"kind": "legal", "request_id": req["id"]})
    assert made.status_code == 201, made.content
    card = made.json()["card"]
    assert card["enterprise"]["uscc"] == e.uscc and card["void_reason"] is None
    assert ra.get("/legal-card-requests/queue").json()["total"] == 0
    assert ent.get("/legal-card-requests").json()["items"][0]["card_no"] == card["card_no"]
    voided = ra.post(f"/cards/{card['card_no']}/void", {"reason": "key_compromise"})
    assert voided.status_code == 200, voided.content
    body = ra.get(f"/cards/{card['card_no']}").json()
    assert body["void_reason"] == "key_compromise" and body["void_reason_text"] == "卡片或密钥泄露"
    assert body["voided_at"]


def test_who_may_use_the_request_endpoints():
    e = f.enterprise_in_network()
    ent = Api(f.cardless(uscc=e.uscc))
    queue = ent.get("/legal-card-requests/queue")
    assert queue.status_code == 403 and queue.json()["error"]["code"] == "ra_only"
    ra = Api(f.ra_officer())
    listed = ra.get("/legal-card-requests")
    assert listed.status_code == 403 and listed.json()["error"]["code"] == "enterprise_actor_required"
    filed = ra.post("/legal-card-requests", {})
    assert filed.status_code == 403
    legal = Api(f.legal_card(e).card.user)
    assert legal.post("/legal-card-requests", {}).json()["error"]["code"] == "kind_not_allowed"
    not_in = Api(f.cardless())
    assert not_in.post("/legal-card-requests", {}).json()["error"]["code"] == "enterprise_not_in_network"
