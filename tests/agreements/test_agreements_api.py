"""三方协议签约 (SPEC §6.1, API.md "Paperless clearance") through the API and the engine: signing with the
legal card, the data centre's receipt, customs' approval or return, 解约, and every refusal."""

import base64
import io
import shutil
import time

import pytest
from asn1crypto import crl as asn1_crl
from django.core.management import call_command
from django.utils import timezone

from eport.agreements import selectors
from eport.agreements.models import Agreement
from eport.agreements.services import agreements_receive
from eport.applications.models import Application, ReviewStep
from eport.audit.models import AuditEvent
from eport.cards import actions
from eport.cards.documents import document_prepare
from eport.enterprises.choices import NetworkStatus
from eport.errors import DomainError
from eport.pki import documents as pdfsig
from eport.pki.services import crl_current
from eport.refdata.models import Unit
from tests import factories as f
from tests.agreements.helpers import (
    approve,
    card_sign,
    customs_reviewer,
    pdf_text,
    return_,
    sign_via_api,
    signing_card,
)
from tests.api.helpers import Api, assert_error, create
from tests.pdf_checks import openssl_verify, pyhanko_status
from tests.sample_pdf import sample_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def ra():
    return f.ra_officer()


@pytest.fixture
def signer(ra):
    made, key, api = signing_card(ra=ra)
    return made, key, api


def states(api) -> dict[str, str]:
    r = api.get("/paperless/agreements")
    assert r.status_code == 200, r.content
    return {i["customs"]: i["state"] for i in r.json()["items"]}


def prepare(api, customs):
    return api.post("/paperless/agreements", {"customs": customs})


# --- signing ---------------------------------------------------------------------------------------------


def test_signing_two_customs_sends_them_and_the_data_centre_records_them(signer, tmp_path):
    made, key, api = signer
    body = sign_via_api(api, key, ["5300", "0100"])
    items = {i["customs"]: i for i in body["items"]}
    assert set(items) == {"0100", "5300"}
    assert items["5300"]["customs_name"] and items["0100"]["customs_name"]
    for i in items.values():
        assert i["state"] == "RECEIVED" and i["state_label"] == "海关入库成功"
        assert i["signed_at"] and i["received_at"] and i["decided_at"] is None and i["opinion"] == ""
        assert i["signed_at"] <= i["received_at"]
    assert states(api) == {"0100": "RECEIVED", "5300": "RECEIVED"}
    rows = list(Agreement.objects.filter(enterprise=made.card.enterprise).order_by("customs"))
    # one PDF for the 关区 ticked together, signed once: both rows keep it
    assert bytes(rows[0].pdf) == bytes(rows[1].pdf)
    assert {r.card_id for r in rows} == {made.card.pk}
    # one application per 关区, submitted to that customs unit
    for r in rows:
        app = r.application
        assert app.kind == "paperless_agreement" and app.status == "SUBMITTED"
        assert [s.unit_id for s in app.steps.all()] == [f"customs:{r.customs}"]
        assert app.data["customs"] == r.customs and app.data["card_no"] == made.card.card_no
    # the states' history, each audited: sent (the card's act), received (the data centre's)
    for r in rows:
        sent = AuditEvent.objects.get(action="agreement.sign", object_id=str(r.pk))
        received = AuditEvent.objects.get(action="agreement.receive", object_id=str(r.pk))
        assert sent.actor_id == made.card.user.pk and received.actor_id is None
        assert sent.id < received.id
        assert received.after["signer"] == made.card.made_certificate.serial
    assert (
        AuditEvent.objects.filter(action="card.document_sign", after__purpose="paperless_agreement").count()
        == 1
    )
    # the signed PDF: intact, valid and trusted to the system root, and openssl agrees on the embedded CMS
    pdf = bytes(rows[0].pdf)
    status = pyhanko_status(pdf)
    assert status.intact and status.valid and status.trusted, status.summary()
    assert status.signing_cert.serial_number == int(made.card.made_certificate.serial, 16)
    if shutil.which("openssl"):
        result = openssl_verify(pdf, tmp_path)
        assert result.returncode == 0, result.stderr


def test_the_pdf_download_is_the_signed_agreement(signer):
    made, key, api = signer
    sign_via_api(api, key, ["5300"])
    r = api.get("/paperless/agreements/5300/pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content == bytes(Agreement.objects.get().pdf)
    assert r.content.startswith(b"%PDF") and b"/ByteRange" in r.content
    assert b"STSong-Light" in r.content  # the built-in CID font: no font file needed to read it
    assert_error(api.get("/paperless/agreements/0100/pdf"), 404, "agreement_not_found")


def test_at_least_one_customs(signer):
    _made, _key, api = signer
    err = assert_error(prepare(api, []), 400, "customs_required", "customs")
    assert err["message"] == "请至少选择一个关区。"
    assert_error(prepare(api, ["", "  "]), 400, "customs_required")


@pytest.mark.parametrize("code", ["5301", "0000", "9999", "53", "abcd"])
def test_only_a_known_direct_customs(signer, code):
    _made, _key, api = signer
    err = assert_error(prepare(api, ["5300", code]), 400, "customs_unknown", "customs")
    assert code in err["message"]


def test_a_customs_with_a_live_agreement_is_refused_naming_its_state(signer):
    made, key, api = signer
    sign_via_api(api, key, ["5300"])
    err = assert_error(prepare(api, ["0100", "5300"]), 409, "agreement_exists", "customs")
    assert "该关区已签约（状态：海关入库成功）" in err["message"]
    approve(Agreement.objects.get(), customs_reviewer())
    err = assert_error(prepare(api, ["5300"]), 409, "agreement_exists")
    assert "签约海关审批" in err["message"]
    # the other 关区 is free
    assert prepare(api, ["0100"]).status_code == 202


def test_who_may_sign(ra):
    e = f.enterprise_in_network()
    _legal, _key, legal_api = signing_card(e, ra=ra, granted=False)
    err = assert_error(prepare(legal_api, ["5300"]), 403, "subsystem_not_granted")
    assert "通关无纸化网上签约" in err["message"]
    op = f.operator_card(e, ra=ra)
    assert_error(prepare(Api(op.card.user), ["5300"]), 403, "legal_card_required")
    assert_error(prepare(Api(f.cardless(uscc=e.uscc)), ["5300"]), 403, "legal_card_required")
    assert_error(prepare(Api(customs_reviewer()), ["5300"]), 403, "legal_card_required")
    assert not Agreement.objects.exists()


def test_enterprise_out_of_the_network_cannot_sign(signer):
    made, _key, api = signer
    e = made.card.enterprise
    e.network_status = NetworkStatus.NOT_IN_NETWORK
    e.save(update_fields=["network_status"])
    assert_error(prepare(api, ["5300"]), 409, "enterprise_not_in_network")


def test_a_wrong_signature_or_replay_makes_no_agreement(signer):
    made, key, api = signer
    start = prepare(api, ["5300"]).json()
    other = f.card_key(f.legal_card())
    bad = {"sign_id": start["sign_id"], "signature": card_sign(other, start["to_sign"])}
    assert_error(api.post("/paperless/agreements/sign", bad), 401, "signature_invalid")
    assert not Agreement.objects.exists()
    good = {"sign_id": start["sign_id"], "signature": card_sign(key, start["to_sign"])}
    assert_error(api.post("/paperless/agreements/sign", good), 401, "sign_id_used")  # spent by the first try
    assert not Agreement.objects.exists()
    assert_error(api.post("/paperless/agreements/sign", {**good, "sign_id": "nope"}), 401, "sign_id_invalid")


def test_a_document_prepared_for_another_purpose_makes_no_agreement(signer):
    made, key, api = signer
    sign_id, to_sign = document_prepare(sample_pdf(), made.card, purpose="paperless_delegation")
    body = {"sign_id": sign_id, "signature": card_sign(key, base64.b64encode(to_sign).decode())}
    assert_error(api.post("/paperless/agreements/sign", body), 401, "sign_id_invalid")
    assert not Agreement.objects.exists()


def test_another_cards_sign_id_is_not_found(signer, ra):
    _made, key, api = signer
    start = prepare(api, ["5300"]).json()
    other, other_key, other_api = signing_card(ra=ra)
    body = {"sign_id": start["sign_id"], "signature": card_sign(other_key, start["to_sign"])}
    assert_error(other_api.post("/paperless/agreements/sign", body), 401, "sign_id_invalid")
    assert not Agreement.objects.exists()


def test_a_card_frozen_between_prepare_and_sign_cannot_sign(signer, ra):
    made, key, api = signer
    start = prepare(api, ["5300"]).json()
    actions.card_act(actor=ra, card_no=made.card.card_no, action="freeze")
    body = {"sign_id": start["sign_id"], "signature": card_sign(key, start["to_sign"])}
    r = api.post("/paperless/agreements/sign", body)
    assert r.status_code in (401, 403)  # the frozen card's session ends, or its signature is refused
    assert not Agreement.objects.exists()


# --- customs ---------------------------------------------------------------------------------------------


def test_customs_approves_in_its_queue_only_and_the_enterprise_is_told(
    signer, mailoutbox, django_capture_on_commit_callbacks
):
    made, key, api = signer
    e = made.card.enterprise
    e.contact_email = "boss@example.com"
    e.save(update_fields=["contact_email"])
    sign_via_api(api, key, ["5300", "0100"])
    sz, bj = customs_reviewer("5300"), customs_reviewer("0100")
    queue = Api(sz).get("/reviews").json()["items"]
    assert [i["application"]["kind"] for i in queue] == ["paperless_agreement"]
    a = Agreement.objects.get(customs="5300")
    step = ReviewStep.objects.get(application=a.application)
    # Beijing customs neither sees nor decides Shenzhen's
    assert all(i["id"] != step.id for i in Api(bj).get("/reviews").json()["items"])
    assert_error(Api(bj).post(f"/reviews/{step.id}/approve", {"opinion": "同意"}), 404, "step_not_found")
    # the reviewer sees the agreement's rows and whether its signature verifies
    app = Api(sz).get(f"/applications/{a.application_id}").json()
    assert app["kind"] == "paperless_agreement"
    with django_capture_on_commit_callbacks(execute=True):
        r = Api(sz).post(f"/reviews/{step.id}/approve", {"opinion": "同意无纸化通关"})
    assert r.status_code == 200, r.content
    a.refresh_from_db()
    assert a.state == "APPROVED" and a.opinion == "同意无纸化通关" and a.decided_at >= a.received_at
    assert selectors.has_approved(e, "5300") and selectors.has_approved(e, "5301")
    assert selectors.approved_customs(e) == {"5300"}
    assert states(api) == {"0100": "RECEIVED", "5300": "APPROVED"}
    [mail] = mailoutbox
    assert "boss@example.com" in mail.to
    assert "5300" in mail.subject + mail.body and "审核通过" in mail.subject


def test_customs_returns_with_an_opinion_and_the_enterprise_signs_again(
    signer, mailoutbox, django_capture_on_commit_callbacks
):
    made, key, api = signer
    e = made.card.enterprise
    e.contact_email = "boss@example.com"
    e.save(update_fields=["contact_email"])
    sign_via_api(api, key, ["5300"])
    first = Agreement.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        return_(first, customs_reviewer(), "法人卡信息与备案不符")
    first.refresh_from_db()
    assert first.state == "RETURNED" and first.opinion == "法人卡信息与备案不符" and first.decided_at
    item = api.get("/paperless/agreements").json()["items"][0]
    assert (item["state"], item["opinion"]) == ("RETURNED", "法人卡信息与备案不符")
    assert not selectors.has_approved(e, "5300")
    [mail] = mailoutbox
    assert "5300" in mail.subject and "法人卡信息与备案不符" in mail.body and "重新签约" in mail.body
    # the returned application is never edited or resubmitted through the engine
    app = first.application
    assert_error(api.post(f"/applications/{app.id}/submit", {}), 403, "kind_not_allowed")
    # signing again: a new row, the returned application closed
    sign_via_api(api, key, ["5300"])
    second = Agreement.objects.exclude(pk=first.pk).get()
    assert second.state == "RECEIVED" and second.application.status == "SUBMITTED"
    assert Application.objects.get(pk=app.pk).status == "CLOSED"
    first.refresh_from_db()
    assert first.state == "RETURNED"  # history kept
    assert states(api) == {"5300": "RECEIVED"}  # the list shows the latest


def test_auto_review_approves_at_once_after_the_receipt(signer):
    made, key, api = signer
    Unit.objects.filter(pk="customs:5300").update(auto_review=True)
    sign_via_api(api, key, ["5300"])
    a = Agreement.objects.get()
    assert a.state == "APPROVED" and a.opinion == "自动审核通过"
    assert a.signed_at <= a.received_at <= a.decided_at
    assert AuditEvent.objects.filter(action="agreement.receive", object_id=str(a.pk)).exists()


def test_a_signature_that_does_not_verify_stays_sent_and_is_not_approved(signer):
    made, key, api = signer
    sign_via_api(api, key, ["5300"])
    a = Agreement.objects.get()
    pdf = bytearray(bytes(a.pdf))
    i = pdf.index(b"/Title")
    pdf[i + 8] ^= 0x01  # inside the signed byte range
    Agreement.objects.filter(pk=a.pk).update(pdf=bytes(pdf), state="SENT", received_at=None)
    assert agreements_receive() == 0
    a.refresh_from_db()
    assert a.state == "SENT"
    assert AuditEvent.objects.filter(action="agreement.receipt_failed", object_id=str(a.pk)).exists()
    reviewer = customs_reviewer()
    app = Api(reviewer).get(f"/applications/{a.application_id}").json()
    assert app["status"] == "SUBMITTED"
    with pytest.raises(DomainError) as e:
        approve(a, reviewer)
    assert e.value.code == "agreement_signature_not_verified" and e.value.status == 409
    a.refresh_from_db()
    assert a.state == "SENT"


def test_the_generic_engine_cannot_file_an_agreement(signer):
    made, key, api = signer
    assert_error(
        create(api, "paperless_agreement", {"customs": "5300"}), 409, "agreement_signed_in_subsystem"
    )
    sign_via_api(api, key, ["5300"])
    a = Agreement.objects.get()
    # pointing at a real agreement does not file a second application for it
    assert_error(
        create(api, "paperless_agreement", {"customs": "5300", "agreement": a.pk}),
        409,
    )


# --- 解约 -------------------------------------------------------------------------------------------------


def test_terminate_without_review_closes_the_open_application(signer):
    made, key, api = signer
    sign_via_api(api, key, ["5300", "0100"])
    a = Agreement.objects.get(customs="5300")
    r = api.post("/paperless/agreements/5300/terminate")
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "TERMINATED" and r.json()["terminated_at"]
    a.refresh_from_db()
    assert a.state == "TERMINATED" and a.terminated_at
    assert a.application.status == "CLOSED"
    assert ReviewStep.objects.get(application=a.application).status == "CLOSED"  # left the queue
    assert not Api(customs_reviewer()).get("/reviews").json()["items"]
    ev = AuditEvent.objects.get(action="agreement.terminate", object_id=str(a.pk))
    assert ev.actor_id == made.card.user.pk and ev.after["unit"] == "customs:5300"
    assert states(api) == {"0100": "RECEIVED", "5300": "TERMINATED"}
    assert_error(api.post("/paperless/agreements/5300/terminate"), 404, "agreement_not_found")
    # and it may be signed again
    assert prepare(api, ["5300"]).status_code == 202


def test_terminating_an_approved_agreement_ends_paperless_declaration(signer):
    made, key, api = signer
    sign_via_api(api, key, ["5300"])
    approve(Agreement.objects.get(), customs_reviewer())
    assert selectors.has_approved(made.card.enterprise, "5300")
    assert api.post("/paperless/agreements/5300/terminate").status_code == 200
    assert not selectors.has_approved(made.card.enterprise, "5300")
    assert Agreement.objects.get().application.status == "APPROVED"  # the decision stays as it was


# --- scoping ---------------------------------------------------------------------------------------------


def test_another_enterprise_sees_nothing_of_it(signer, ra):
    made, key, api = signer
    sign_via_api(api, key, ["5300"])
    _other, _okey, other_api = signing_card(ra=ra)
    assert other_api.get("/paperless/agreements").json()["items"] == []
    assert_error(other_api.get("/paperless/agreements/5300/pdf"), 404, "agreement_not_found")
    assert_error(other_api.post("/paperless/agreements/5300/terminate"), 404, "agreement_not_found")
    assert Agreement.objects.get().state == "RECEIVED"


def test_an_operator_card_is_refused(signer, ra):
    made, key, api = signer
    sign_via_api(api, key, ["5300"])
    op = Api(f.operator_card(made.card.enterprise, ra=ra).card.user)
    assert_error(op.get("/paperless/agreements"), 403, "agreement_reader_required")
    assert_error(op.get("/paperless/agreements/5300/pdf"), 403, "agreement_reader_required")
    assert_error(op.post("/paperless/agreements/5300/terminate"), 403, "legal_card_required")
    assert_error(prepare(op, ["0100"]), 403, "legal_card_required")
    assert Agreement.objects.get().state == "RECEIVED"


def test_the_enterprises_card_less_user_reads_them(signer):
    made, key, api = signer
    sign_via_api(api, key, ["5300"])
    user = Api(f.cardless(uscc=made.card.enterprise.uscc))
    assert states(user) == {"5300": "RECEIVED"}
    assert user.get("/paperless/agreements/5300/pdf").status_code == 200
    assert_error(user.post("/paperless/agreements/5300/terminate"), 403, "legal_card_required")


# --- a card frozen or voided after signing -----------------------------------------------------------------


def _crls() -> list:
    return [asn1_crl.CertificateList.load(crl_current(delta=d)) for d in (False, True)]


@pytest.mark.parametrize("action", ["void", "freeze"])
def test_an_earlier_signature_still_validates_as_of_its_signing_time(signer, ra, action, tmp_path):
    made, key, api = signer
    sign_via_api(api, key, ["5300"])
    a = Agreement.objects.get()
    pdf = bytes(a.pdf)
    signed_at = pyhanko_status(pdf).signer_reported_dt
    time.sleep(1.1)  # the CRL says when to the second
    actions.card_act(actor=ra, card_no=made.card.card_no, action=action)
    crls = _crls()
    assert not pyhanko_status(pdf, crls=crls, revocation_mode="hard-fail").bottom_line
    then = pyhanko_status(
        pdf, crls=crls, revocation_mode="hard-fail", moment=signed_at, retroactive_revinfo=True
    )
    assert then.bottom_line, then.summary()
    if shutil.which("openssl"):
        assert openssl_verify(pdf, tmp_path, "-attime", str(int(signed_at.timestamp()))).returncode == 0
    # what the reviewer is shown: the signature verifies as of its signing time
    assert pdfsig.pdf_verify(pdf).valid


def test_the_receipt_command_records_what_a_crash_left_sent(signer):
    made, key, api = signer
    sign_via_api(api, key, ["5300", "0100"])
    Agreement.objects.update(state="SENT", received_at=None)  # as if the process died before the receipt
    out = io.StringIO()
    call_command("agreements_receive", stdout=out)
    assert "2 agreement(s) received; 0 still SENT" in out.getvalue()
    assert set(Agreement.objects.values_list("state", flat=True)) == {"RECEIVED"}


def test_the_agreement_names_the_parties_the_customs_and_the_date(signer):
    made, key, api = signer
    sign_via_api(api, key, ["5300", "0100"])
    a = Agreement.objects.get(customs="5300")
    text = pdf_text(bytes(a.pdf))
    e = made.card.enterprise
    assert "中国电子口岸通关无纸化三方协议" in text
    for words in (e.name, e.uscc, "中国电子口岸数据中心", "5300", "0100", made.card.card_no, "第六条"):
        assert words in text, words
    names = selectors.customs_names(["5300", "0100"])
    assert names["5300"] in text and names["0100"] in text
    day = timezone.localdate(a.signed_at)
    assert f"{day.year}年{day.month}月{day.day}日" in text
