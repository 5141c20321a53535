"""代理报关委托 through the API (SPEC §6.2, API.md "Paperless clearance"): the consignor's card signs a
委托书 for an approved broker, only under an approved agreement for the 关区; the broker's cards accept or
refuse; either side revokes; dates expire it; each step audited and the other party mailed."""

import base64
import datetime as dt
import io
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from eport.agreements.models import AgreementState
from eport.audit.models import AuditEvent
from eport.cards import actions
from eport.cards.models import Card, CardPermission
from eport.delegations import selectors, services
from eport.delegations.models import Delegation, DelegationState
from eport.errors import DomainError
from tests import factories as f
from tests.api.helpers import Api, assert_error
from tests.concurrency import outcomes
from tests.delegations.helpers import agreement, body, broker, card_sign, consignor, delegate, grant
from tests.pdf_checks import assert_signed_pdf_valid

pytestmark = pytest.mark.django_db


@pytest.fixture
def p():
    b, b_made, b_api = broker()
    c_made, c_api = consignor()
    return {"broker": b, "b_made": b_made, "b_api": b_api, "c_made": c_made, "c_api": c_api}


def live(p, customs="5300", direction="I"):
    return selectors.live_delegation(
        consignor=p["c_made"].card.enterprise,
        broker_enterprise=p["broker"].enterprise,
        customs=customs,
        direction=direction,
    )


def test_delegate_sign_accept_and_the_signed_letter_verifies(p, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        d = delegate(p["c_made"], p["c_api"], remarks="逐票通知")
    assert d["state"] == "SENT" and d["state_name"] == "已发送"
    assert d["customs"] == "5300" and d["broker"] == "4403980001"
    assert d["signing_card"] == p["c_made"].card.card_no and d["terms_version"]
    assert any("代理报关委托" in m.subject for m in mail.outbox)  # the broker is told
    got = p["b_api"].get("/paperless/delegations", {"role": "received"}).json()
    assert [x["id"] for x in got["items"]] == [d["id"]]
    assert p["b_api"].get("/paperless/delegations", {"role": "given"}).json()["total"] == 0
    assert p["c_api"].get("/paperless/delegations", {"role": "given"}).json()["total"] == 1
    assert live(p) is None  # not before the broker accepts
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = p["b_api"].post(f"/paperless/delegations/{d['id']}/accept")
    assert r.status_code == 200 and r.json()["state"] == "ACCEPTED"
    assert mail.outbox  # the consignor is told
    assert live(p, customs="5302") is not None  # any district of the 关区
    assert live(p, direction="E") is None and live(p, customs="2200") is None
    pdf = p["c_api"].get(f"/paperless/delegations/{d['id']}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert_signed_pdf_valid(pdf.content, tmp_path, p["c_made"].card)
    assert p["b_api"].get(f"/paperless/delegations/{d['id']}/pdf").content == pdf.content  # the broker too
    actions_seen = set(AuditEvent.objects.filter(object_id=str(d["id"])).values_list("action", flat=True))
    assert {"delegation.sent", "delegation.accepted"} <= actions_seen
    sent = AuditEvent.objects.get(action="delegation.sent")
    assert sent.after["card"] == p["c_made"].card.card_no


def test_terms_not_accepted_stops(p):
    r = p["c_api"].post("/paperless/delegations", body(accept_terms=False))
    assert_error(r, 400, "terms_not_accepted", "accept_terms")


def test_without_an_approved_agreement_for_the_customs(p):
    assert_error(
        p["c_api"].post("/paperless/delegations", body(customs="2201")), 409, "agreement_required", "customs"
    )
    e = p["c_made"].card.enterprise
    e.paperless_agreements.update(state=AgreementState.RECEIVED)  # signed, not yet approved by customs
    assert_error(p["c_api"].post("/paperless/delegations", body()), 409, "agreement_required")


@pytest.mark.parametrize(
    "over, field",
    [
        ({"broker": "12345"}, "broker"),
        ({"customs": "9999"}, "customs"),
        ({"direction": "X"}, "direction"),
        ({"mode": "forever"}, "mode"),
        ({"goods": ""}, "goods"),
        ({"valid_from": "2020-01-01"}, "valid_from"),
    ],
)
def test_bad_fields_named(p, over, field):
    assert_error(p["c_api"].post("/paperless/delegations", body(**over)), 400, field=field)


def test_dates_in_order_and_within_the_modes_longest_period(p):
    today = timezone.localdate()
    r = p["c_api"].post("/paperless/delegations", body(valid_to=(today - dt.timedelta(days=1)).isoformat()))
    assert_error(r, 400, field="valid_to")
    far = (today + dt.timedelta(days=120)).isoformat()
    assert_error(
        p["c_api"].post("/paperless/delegations", body(mode="single", valid_to=far)), 400, field="valid_to"
    )
    assert p["c_api"].post("/paperless/delegations", body(mode="long_term", valid_to=far)).status_code == 202


def test_unknown_broker_self_and_an_unapproved_one(p):
    assert_error(
        p["c_api"].post("/paperless/delegations", body("4403989999")), 404, "broker_unknown", "broker"
    )
    # an enterprise delegating to its own broker record
    own_made, own_api = p["b_made"], p["b_api"]
    agreement(own_made.card.enterprise, own_made.card)
    assert_error(own_api.post("/paperless/delegations", body()), 409, "self_delegation")


def test_one_open_delegation_per_broker_and_customs(p):
    delegate(p["c_made"], p["c_api"])
    assert_error(p["c_api"].post("/paperless/delegations", body(direction="E")), 409, "delegation_open")


def test_card_without_the_subsystem_or_not_a_card(p):
    CardPermission.objects.filter(card=p["c_made"].card).delete()
    assert_error(p["c_api"].post("/paperless/delegations", body()), 403, "subsystem_not_granted")
    cardless = Api(f.cardless())
    assert_error(cardless.post("/paperless/delegations", body()), 403, "subsystem_not_granted")
    assert_error(cardless.get("/paperless/delegations"), 403)


def test_a_frozen_card_cannot_sign_what_it_prepared(p):
    r = p["c_api"].post("/paperless/delegations", body())
    prep = r.json()
    actions.card_act(actor=f.ra_officer(), card_no=p["c_made"].card.card_no, action="freeze")
    r = p["c_api"].post(
        "/paperless/delegations/sign",
        {"sign_id": prep["sign_id"], "signature": card_sign(p["c_made"], prep["to_sign"])},
    )
    assert r.status_code in (401, 403)
    assert not Delegation.objects.exists()


def test_a_signature_of_other_bytes_or_a_replayed_sign_id(p):
    prep = p["c_api"].post("/paperless/delegations", body()).json()
    wrong = card_sign(p["c_made"], base64.b64encode(b"eport-card-challenge:v1:xyz").decode())
    r = p["c_api"].post("/paperless/delegations/sign", {"sign_id": prep["sign_id"], "signature": wrong})
    assert_error(r, 401, "signature_invalid")
    good = card_sign(p["c_made"], prep["to_sign"])  # the sign_id was spent by the failed attempt
    assert_error(
        p["c_api"].post("/paperless/delegations/sign", {"sign_id": prep["sign_id"], "signature": good}),
        401,
        "sign_id_used",
    )
    assert not Delegation.objects.exists()


def test_broker_rejects_with_a_reason_and_only_once(p):
    d = delegate(p["c_made"], p["c_api"])
    assert_error(
        p["b_api"].post(f"/paperless/delegations/{d['id']}/reject", {"reason": ""}), 400, "reason_required"
    )
    r = p["b_api"].post(f"/paperless/delegations/{d['id']}/reject", {"reason": "本企业不办理该关区业务"})
    assert r.status_code == 200 and r.json()["state"] == "REJECTED" and r.json()["reason"]
    assert_error(p["b_api"].post(f"/paperless/delegations/{d['id']}/accept"), 409, "delegation_not_pending")
    # rejected: a new delegation to the same broker may be sent
    delegate(p["c_made"], p["c_api"])


def test_the_consignor_cannot_accept_its_own_and_either_side_revokes(p):
    d = delegate(p["c_made"], p["c_api"])
    assert p["c_api"].post(f"/paperless/delegations/{d['id']}/accept").status_code == 403
    p["b_api"].post(f"/paperless/delegations/{d['id']}/accept")
    r = p["c_api"].post(f"/paperless/delegations/{d['id']}/revoke", {"reason": "合同结束"})
    assert r.status_code == 200 and r.json()["state"] == "REVOKED" and r.json()["revoked_by"] == "consignor"
    assert live(p) is None
    assert_error(p["b_api"].post(f"/paperless/delegations/{d['id']}/revoke", {}), 409, "delegation_not_open")
    d2 = delegate(p["c_made"], p["c_api"])
    r = p["b_api"].post(f"/paperless/delegations/{d2['id']}/revoke", {})
    assert r.json()["revoked_by"] == "broker"


def test_expired_by_date_then_by_the_daily_command(p, django_capture_on_commit_callbacks):
    d = delegate(p["c_made"], p["c_api"])
    p["b_api"].post(f"/paperless/delegations/{d['id']}/accept")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Delegation.objects.filter(pk=d["id"]).update(
        valid_from=yesterday - dt.timedelta(days=5), valid_to=yesterday
    )
    assert live(p) is None
    got = p["c_api"].get(f"/paperless/delegations/{d['id']}").json()
    assert got["state"] == "EXPIRED" and got["state_name"] == "已到期"
    assert p["c_api"].get("/paperless/delegations", {"state": "EXPIRED"}).json()["total"] == 1
    assert p["c_api"].get("/paperless/delegations", {"state": "ACCEPTED"}).json()["total"] == 0
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("delegations_expire", stdout=io.StringIO())
    assert Delegation.objects.get(pk=d["id"]).state == DelegationState.EXPIRED
    assert mail.outbox
    assert_error(p["c_api"].post(f"/paperless/delegations/{d['id']}/revoke", {}), 409, "delegation_not_open")


def test_other_enterprises_see_nothing(p):
    d = delegate(p["c_made"], p["c_api"])
    stranger_made, stranger = consignor()
    for path in (f"/paperless/delegations/{d['id']}", f"/paperless/delegations/{d['id']}/pdf"):
        assert_error(stranger.get(path), 404, "delegation_not_found")
    for action in ("accept", "reject", "revoke"):
        assert_error(stranger.post(f"/paperless/delegations/{d['id']}/{action}", {"reason": "x"}), 404)
    assert stranger.get("/paperless/delegations").json()["total"] == 0
    # another card of the broker without the subsystem: refused before anything is read
    other = f.operator_card(p["broker"].enterprise, name="报关员乙")
    assert_error(Api(other.card.user).get(f"/paperless/delegations/{d['id']}"), 403, "subsystem_not_granted")
    grant(other, "paperless_delegation")
    assert Api(other.card.user).get(f"/paperless/delegations/{d['id']}").status_code == 200


def test_export_is_scoped_text(p):
    delegate(p["c_made"], p["c_api"], goods='=HYPERLINK("x")')
    r = p["b_api"].get("/paperless/delegations.xlsx", {"role": "received"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks: PostgreSQL")
def test_accept_and_revoke_at_once_end_in_one_state():
    b, b_made, b_api = broker()
    c_made, c_api = consignor()
    d = delegate(c_made, c_api)
    results = {}

    def run(name, fn):
        try:
            results[name] = fn().state
        except DomainError as e:
            results[name] = e.code
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run, args=("accept", lambda: services.delegation_accept(b_made.card.user, d["id"]))
        ),
        threading.Thread(
            target=run, args=("revoke", lambda: services.delegation_revoke(c_made.card.user, d["id"]))
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = Delegation.objects.get(pk=d["id"]).state
    assert final == DelegationState.REVOKED
    assert results["revoke"] == DelegationState.REVOKED
    assert results["accept"] in (DelegationState.ACCEPTED, "delegation_not_pending")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent inserts: PostgreSQL")
def test_two_delegations_of_one_broker_and_customs_at_once():
    b, b_made, b_api = broker()
    c_made, c_api = consignor()
    preps = [c_api.post("/paperless/delegations", body()).json() for _ in range(2)]
    results = outcomes(
        *(
            lambda prep=prep: services.delegation_sign(
                c_made.card.user, prep["sign_id"], card_sign(c_made, prep["to_sign"])
            )
            for prep in preps
        )
    )
    assert results == ["delegation_open", "ok"]
    assert Delegation.objects.count() == 1


def test_terminating_the_agreement_ends_the_delegations_and_stops_the_broker(
    p, django_capture_on_commit_callbacks
):
    """解约后不能在该关区无纸化报关: the consignor's delegations there end, and none is live or acceptable."""
    accepted = delegate(p["c_made"], p["c_api"])
    p["b_api"].post(f"/paperless/delegations/{accepted['id']}/accept")
    assert live(p) is not None
    legal = Card.objects.get(enterprise=p["c_made"].card.enterprise, kind="legal")
    CardPermission.objects.create(card=legal, subsystem_id="paperless_signing")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = Api(legal.user).post("/paperless/agreements/5300/terminate")
    assert r.status_code == 200, r.content
    got = p["b_api"].get(f"/paperless/delegations/{accepted['id']}").json()
    assert got["state"] == "REVOKED" and "解除" in got["reason"]
    assert live(p) is None
    assert any(p["broker"].enterprise.contact_email in m.to for m in mail.outbox)  # the broker is told


def test_a_sent_delegation_cannot_be_accepted_once_the_agreement_is_gone(p):
    d = delegate(p["c_made"], p["c_api"])
    p["c_made"].card.enterprise.paperless_agreements.update(state=AgreementState.TERMINATED)
    assert_error(p["b_api"].post(f"/paperless/delegations/{d['id']}/accept"), 409, "agreement_required")
    assert live(p) is None


def test_an_agreements_sign_id_is_not_spent_by_the_delegations_sign(p):
    """A document prepared for another purpose is not found here, and stays signable where it belongs."""
    legal, api = consignor(kind="legal")
    grant(legal, "paperless_signing")
    prep = api.post("/paperless/agreements", {"customs": ["0100"]}).json()
    signature = card_sign(legal, prep["to_sign"])
    r = api.post("/paperless/delegations/sign", {"sign_id": prep["sign_id"], "signature": signature})
    assert r.status_code in (400, 401) and not Delegation.objects.exists()
    r = api.post("/paperless/agreements/sign", {"sign_id": prep["sign_id"], "signature": signature})
    assert r.status_code == 201, r.content


def test_a_delegation_past_its_date_blocks_no_new_one(p):
    d = delegate(p["c_made"], p["c_api"])
    p["b_api"].post(f"/paperless/delegations/{d['id']}/accept")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Delegation.objects.filter(pk=d["id"]).update(
        valid_from=yesterday - dt.timedelta(days=5), valid_to=yesterday
    )
    again = delegate(p["c_made"], p["c_api"])
    assert again["state"] == "SENT"
    assert Delegation.objects.get(pk=d["id"]).state == DelegationState.EXPIRED


def test_signed_after_midnight_what_was_prepared_the_day_before(p):
    """The dates are checked against the day the 委托书 was prepared and shown, not the day it is signed."""
    from eport.cards.models import DocumentSigning

    prep = p["c_api"].post("/paperless/delegations", body()).json()
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    row = DocumentSigning.objects.get(sign_id=prep["sign_id"])
    row.context = {**row.context, "valid_from": yesterday, "prepared_on": yesterday}
    row.save(update_fields=["context"])
    r = p["c_api"].post(
        "/paperless/delegations/sign",
        {"sign_id": prep["sign_id"], "signature": card_sign(p["c_made"], prep["to_sign"])},
    )
    assert r.status_code == 201, r.content
    assert r.json()["valid_from"] == yesterday
