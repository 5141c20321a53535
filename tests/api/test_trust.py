"""Trust (SPEC §8, issue 11 findings 1 and 2): registering proves nothing; an account acts for an enterprise
only once proven — by the legal card, the electronic business licence, or the approval of its entry."""

import datetime as dt
import re
from types import SimpleNamespace

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core import mail

from eport.accounts.models import User
from eport.applications.kinds import get_kind
from eport.applications.models import Application, ReviewStep, StepStatus
from eport.audit.models import AuditEvent
from eport.cards.models import Card
from eport.enterprises.models import Enterprise
from tests import factories as f

from .helpers import Api, approve_all, assert_error, attach_required, make_pdf

pytestmark = pytest.mark.django_db

PASSWORD = "Str@nger#2026x"


def register(username, uscc, email=None, **over) -> SimpleNamespace:
    """Register through the API, open the confirmation link from the mail, sign in: the account's client."""
    email = email or f"{username}@example.com"
    body = {
        "username": username,
        "password": PASSWORD,
        "uscc": uscc,
        "enterprise_name": "随便填的名称",
        "contact_name": "某人",
        "phone": "13800138000",
        "email": email,
        **over,
    }
    mail.outbox.clear()
    with _on_commit():
        r = Api().post("/accounts", body)
    assert r.status_code == 201, r.content
    user = User.objects.get(pk=r.json()["id"])
    link = next(m for m in mail.outbox if m.to == [email] and "确认" in m.subject).body
    token = re.search(r"/accounts/confirm-email/([^/\s]+)/", link).group(1)
    return SimpleNamespace(user=user, api=Api(user), token=token)


def confirmed(username, uscc, **over) -> SimpleNamespace:
    acc = register(username, uscc, **over)
    r = Api().post("/accounts/confirm-email", {"token": acc.token})
    assert r.status_code == 200 and r.json() == {"username": username, "email_confirmed": True}
    return acc


class _on_commit:
    """Run on-commit callbacks (the mails) at once, inside the test's transaction."""

    def __enter__(self):
        from django.test import TestCase

        self._cm = TestCase.captureOnCommitCallbacks(execute=True)
        return self._cm.__enter__()

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


@pytest.fixture
def victim():
    """An enterprise in the network: legal card, an operator with ID number, an approved entry with a scan,
    its own verified card-less user; and no stranger yet."""
    ra = f.ra_officer()
    owner = f.cardless(name="真实贸易有限公司", email="owner@real.example")
    e = f.enterprise_in_network(uscc=owner.enterprise.uscc, name="真实贸易有限公司")
    Enterprise.objects.filter(pk=e.pk).update(contact_email="boss@real.example")
    owner = User.objects.get(pk=owner.pk)  # with the enterprise as it is now
    legal = f.make_card("legal", e, ra=ra)
    Card.objects.filter(pk=legal.card.pk).update(must_change_pin=False)
    op = f.operator(e, name="李操作")
    return SimpleNamespace(
        e=e, ra=ra, owner=owner, legal=Api(legal.card.user), legal_card=legal.card, operator=op
    )


# --- finding 1: anyone could take over an enterprise by its public USCC ----------------------------------


def test_a_stranger_naming_an_enterprise_in_the_network_sees_and_files_nothing(
    victim, django_capture_on_commit_callbacks
):
    from eport.applications.services import application_create

    attachment_app = application_create(
        actor=victim.owner, kind="legal_card_reissue", data={"reason": "lost"}
    )
    f.attach(victim.owner, attachment_app, "legal_rep_id")
    att = attachment_app.attachments.get()
    stranger = confirmed("stranger", victim.e.uscc)
    assert stranger.user.enterprise_id == victim.e.id  # it names the enterprise...
    api = stranger.api
    me = api.get("/me").json()
    assert me["verified"] is False and me["email_confirmed"] is True and me["closed"] is False
    # ... and sees nothing of it: no ID numbers, operators, applications, attachments, filings
    for path in (
        "/enterprise",
        "/operators",
        "/applications",
        f"/applications/{attachment_app.id}",
        f"/applications/{attachment_app.id}/attachments/{att.id}",
        "/filings",
        "/operators.xlsx",
        "/applications.xlsx",
        f"/operators/{victim.operator.operator_no}",
    ):
        body = assert_error(api.get(path), 403, "unverified_account")
        assert victim.operator.id_no not in str(body) and victim.e.legal_rep_id_no not in str(body)
    # ... and files nothing: no 补办法人卡, no filings, no entry, no pre-entry
    count = Application.objects.count()
    for kind, data in (
        ("legal_card_reissue", {"reason": "lost"}),
        ("customs_filing", {}),
        ("commerce_filing", {"authority": "440300"}),
        ("enterprise_entry", f.entry_data(victim.e.uscc)),
        ("operator_declaration", {"name": "X", "id_type": "resident_id", "id_no": f.resident_id()}),
    ):
        assert_error(api.post("/applications", {"kind": kind, "data": data}), 403, "unverified_account")
    for path in (f"/applications/{attachment_app.id}/submit", f"/applications/{attachment_app.id}"):
        assert_error(
            api.post(path) if path.endswith("submit") else api.delete(path), 403, "unverified_account"
        )
    assert_error(
        api.patch(f"/applications/{attachment_app.id}", {"data": {"reason": "other"}, "version": 1}),
        403,
        "unverified_account",
    )
    assert Application.objects.count() == count
    # The enterprise's mail does not go to the stranger.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        victim.legal.post(
            f"/cards/{f.make_card('operator', victim.e, ra=victim.ra, operator_no=victim.operator.operator_no).card.card_no}/freeze"
        )
    assert mail.outbox and all("stranger@example.com" not in m.to for m in mail.outbox)
    assert all("owner@real.example" in m.to for m in mail.outbox)


def test_the_legal_card_is_told_and_decides(victim):
    mail.outbox.clear()
    stranger = confirmed("stranger", victim.e.uscc)
    told = [m for m in mail.outbox if "新账号" in m.subject]
    assert told and set(told[0].to) == {"boss@real.example", "owner@real.example"}
    assert "stranger" in told[0].body
    colleague = confirmed("colleague", victim.e.uscc)
    listed = victim.legal.get("/enterprise/accounts", {"state": "pending"}).json()
    assert [a["username"] for a in listed["items"]] == ["colleague", "stranger"] and listed["total"] == 2
    assert {a["state"] for a in victim.legal.get("/enterprise/accounts").json()["items"]} == {
        "pending",
        "verified",
    }

    mail.outbox.clear()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        r = victim.legal.post(f"/enterprise/accounts/{colleague.user.id}/approve")
    assert (
        r.status_code == 200 and r.json()["state"] == "verified" and r.json()["verified_by"] == "legal_card"
    )
    # The colleague now acts for the enterprise; the stranger, still pending, was closed and told.
    assert colleague.api.get("/enterprise").status_code == 200
    assert colleague.api.get("/me").json()["verified"] is True
    body = assert_error(stranger.api.get("/enterprise"), 403, "account_closed")
    assert "其他账号完成身份认证" in body["message"]
    assert stranger.api.get("/me").json()["closed"] is True
    assert any(m.to == ["stranger@example.com"] and "关闭" in m.subject for m in mail.outbox)
    assert any(m.to == ["colleague@example.com"] and "身份认证" in m.subject for m in mail.outbox)
    assert AuditEvent.objects.filter(action="account.verify", object_id=str(colleague.user.id)).exists()
    assert AuditEvent.objects.filter(action="account.close", object_id=str(stranger.user.id)).exists()
    assert_error(
        victim.legal.post(f"/enterprise/accounts/{stranger.user.id}/approve"), 409, "account_not_pending"
    )

    # The legal card may withdraw an account it confirmed (停用).
    r = victim.legal.post(f"/enterprise/accounts/{colleague.user.id}/refuse", {"reason": "已离职"})
    assert r.status_code == 200 and r.json()["state"] == "closed" and r.json()["closed_reason"] == "已离职"
    assert_error(colleague.api.get("/operators"), 403, "account_closed")
    # Closing it again: the account decided on is closed already (409), not the actor (account_closed, 403).
    r = victim.legal.post(f"/enterprise/accounts/{colleague.user.id}/refuse", {"reason": "again"})
    assert_error(r, 409, "account_already_closed")


def test_only_the_enterprise_s_own_legal_card_decides(victim):
    stranger = confirmed("stranger", victim.e.uscc)
    other = f.enterprise_in_network(name="别家有限公司")
    other_legal = f.make_card("legal", other, ra=victim.ra).card
    Card.objects.filter(pk=other_legal.pk).update(must_change_pin=False)
    for actor in (Api(other_legal.user), Api(victim.ra), Api(victim.owner), stranger.api):
        for action in ("approve", "refuse"):
            r = actor.post(f"/enterprise/accounts/{stranger.user.id}/{action}")
            if actor.user == other_legal.user:  # a legal card: another enterprise's account is not found
                assert_error(r, 404, "account_not_found")
            else:  # no legal card at all: refused for its kind
                assert_error(r, 403, "legal_card_only")
        if actor.user != other_legal.user:
            assert_error(actor.get("/enterprise/accounts"), 403)
    assert Api(other_legal.user).get("/enterprise/accounts").json() == {"items": [], "total": 0}
    assert_error(
        Api(other_legal.user).post(f"/enterprise/accounts/{stranger.user.id}/approve"),
        404,
        "account_not_found",
    )
    assert_error(victim.legal.post("/enterprise/accounts/999999/approve"), 404, "account_not_found")
    assert_error(victim.legal.post(f"/enterprise/accounts/{victim.ra.id}/approve"), 404, "account_not_found")
    assert_error(victim.legal.get("/enterprise/accounts", {"state": "weird"}), 400, "state_invalid", "state")
    stranger.user.refresh_from_db()
    assert not stranger.user.is_verified and stranger.user.closed_at is None


def test_a_reissue_needs_a_verified_account_the_documents_and_is_shown_at_once(
    victim, django_capture_on_commit_callbacks
):
    stranger = confirmed("stranger", victim.e.uscc)
    assert_error(
        stranger.api.post("/applications", {"kind": "legal_card_reissue", "data": {"reason": "lost"}}),
        403,
        "unverified_account",
    )
    owner = Api(victim.owner)
    app = owner.post("/applications", {"kind": "legal_card_reissue", "data": {"reason": "lost"}}).json()
    assert_error(owner.post(f"/applications/{app['id']}/submit"), 400, "attachments_required", "doc_type")
    assert_error(
        owner.upload(app["id"], make_pdf(), doc_type="operator_id"), 400, "doc_type_invalid", "doc_type"
    )
    for doc_type in f.REISSUE_DOCUMENTS:
        assert owner.upload(app["id"], make_pdf(), doc_type=doc_type).status_code == 201
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.post(f"/applications/{app['id']}/submit").status_code == 200
    filed = [m for m in mail.outbox if "补办法人卡" in m.subject]
    assert filed and set(filed[0].to) == {"boss@real.example", "owner@real.example"}
    assert "stranger@example.com" not in str([m.to for m in mail.outbox])
    # The sub-centre sees who asked and the card it would void.
    step = ReviewStep.objects.get(application_id=app["id"])
    rows = dict(get_kind("legal_card_reissue").check_rows(Application.objects.get(pk=app["id"])))
    assert "法人卡确认" in rows["申请账号"] and victim.legal_card.card_no in rows["现有法人卡"]
    assert step.status == StepStatus.PENDING


# --- finding 2: squatting a USCC ---------------------------------------------------------------------------


def test_registering_first_never_blocks_the_real_enterprise(r_reviewers, django_capture_on_commit_callbacks):
    uscc = f.USCC_SZ
    squatter = confirmed("squatter", uscc)
    real = confirmed("real_one", uscc)  # was 409 uscc_registered
    assert squatter.user.enterprise_id != real.user.enterprise_id
    assert Enterprise.objects.filter(uscc=uscc, candidate=True).count() == 2
    # Each works on what it typed, and sees nothing of the other's.
    s_app = squatter.api.post(
        "/applications",
        {
            "kind": "enterprise_entry",
            "data": f.entry_data(uscc, legal_rep_name="冒名", legal_rep_id_no="110101199003070011"),
        },
    ).json()
    r_app = real.api.post("/applications", {"kind": "enterprise_entry", "data": f.entry_data(uscc)}).json()
    assert [a["id"] for a in squatter.api.get("/applications").json()["items"]] == [s_app["id"]]
    assert_error(real.api.get(f"/applications/{s_app['id']}"), 404)
    for acc, app in ((squatter, s_app), (real, r_app)):
        attach_required(acc.api, app["id"])
        assert acc.api.post(f"/applications/{app['id']}/submit").status_code == 200
    # The reviewer is warned that another account names the same USCC.
    assert (
        "另有1个账号"
        in dict(get_kind("enterprise_entry").check_rows(Application.objects.get(pk=r_app["id"])))[
            "同一统一社会信用代码的其他申请账号"
        ]
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approve_all(Application.objects.get(pk=r_app["id"]), r_reviewers)
    # The real one is verified and in the network; the squatter is closed and told; its entry is closed.
    assert real.api.get("/me").json()["verified"] is True
    assert real.api.get("/enterprise").json()["network_status"] == "in_network"
    assert_error(squatter.api.get("/applications"), 403, "account_closed")
    assert any(m.to == ["squatter@example.com"] and "关闭" in m.subject for m in mail.outbox)
    s = Application.objects.get(pk=s_app["id"])
    assert s.status == "CLOSED" and not s.steps.filter(status=StepStatus.PENDING).exists()
    assert not ReviewStep.objects.filter(application=s, status=StepStatus.PENDING).exists()
    # A later registration names the established enterprise and waits for its legal card.
    late = confirmed("late", uscc)
    assert late.user.enterprise_id == real.user.enterprise_id
    assert_error(late.api.get("/enterprise"), 403, "unverified_account")


@pytest.fixture
def r_reviewers():
    return f.reviewers()


def test_registration_is_not_an_oracle_for_existing_enterprises():
    """The answer is the same whether or not the USCC is known (nothing learnt from registering)."""
    known = f.enterprise_in_network()
    a = Api().post(
        "/accounts",
        {
            "username": "probe_a",
            "password": PASSWORD,
            "uscc": known.uscc,
            "enterprise_name": "x",
            "contact_name": "y",
            "phone": "13800138000",
            "email": "a@example.com",
        },
    )
    b = Api().post(
        "/accounts",
        {
            "username": "probe_b",
            "password": PASSWORD,
            "uscc": f.new_uscc(),
            "enterprise_name": "x",
            "contact_name": "y",
            "phone": "13800138000",
            "email": "b@example.com",
        },
    )
    assert a.status_code == b.status_code == 201 and set(a.json()) == set(b.json()) == {"id", "username"}


# --- e-mail confirmation ------------------------------------------------------------------------------------


def test_a_new_account_confirms_its_e_mail_before_it_files_anything():
    acc = register("newbie", f.new_uscc())
    me = acc.api.get("/me").json()
    assert me["email_confirmed"] is False and me["verified"] is False
    body = assert_error(
        acc.api.post(
            "/applications", {"kind": "enterprise_entry", "data": f.entry_data(acc.user.enterprise.uscc)}
        ),
        403,
        "email_unconfirmed",
    )
    assert "确认电子邮箱" in body["message"]
    assert acc.api.get("/applications").status_code == 200  # reading its own (empty) list is fine
    assert_error(
        Api().post("/accounts/confirm-email", {"token": "garbage"}), 400, "email_token_invalid", "token"
    )
    assert_error(
        Api().post("/accounts/confirm-email", {"token": acc.token[:-2] + "xx"}), 400, "email_token_invalid"
    )
    assert_error(Api().post("/accounts/confirm-email", {}), 400, field="token")
    assert Api().post("/accounts/confirm-email", {"token": acc.token}).status_code == 200
    assert Api().post("/accounts/confirm-email", {"token": acc.token}).status_code == 200  # twice: harmless
    assert (
        acc.api.post(
            "/applications", {"kind": "enterprise_entry", "data": f.entry_data(acc.user.enterprise.uscc)}
        ).status_code
        == 201
    )
    assert AuditEvent.objects.filter(action="account.email_confirm", object_id=str(acc.user.id)).count() == 1


def test_a_confirmation_token_is_for_one_address():
    acc = register("mover", f.new_uscc())
    User.objects.filter(pk=acc.user.pk).update(email="elsewhere@example.com")
    assert_error(Api().post("/accounts/confirm-email", {"token": acc.token}), 400, "email_token_invalid")


def test_resending_the_confirmation_is_limited(settings):
    acc = register("again", f.new_uscc())
    assert_error(acc.api.post("/accounts/confirm-email/resend"), 429, "email_resend_too_soon")
    User.objects.filter(pk=acc.user.pk).update(
        email_confirmation_sent_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    mail.outbox.clear()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert acc.api.post("/accounts/confirm-email/resend").status_code == 204
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["again@example.com"]
    Api().post("/accounts/confirm-email", {"token": acc.token})
    assert_error(acc.api.post("/accounts/confirm-email/resend"), 409, "email_already_confirmed")


# --- the electronic business licence -----------------------------------------------------------------------


@pytest.fixture
def issuer(settings, tmp_path):
    """A licence issuer this portal is configured to trust (and a key it is not)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "测试电子营业执照签发机构")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "issuer.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    settings.LICENCE_ISSUER_CERT = str(path)
    settings.LICENCE_APP_URL = "https://licence.example/authorise"

    def sign(claims, signing_key=key, **over):
        now = dt.datetime.now(dt.UTC)
        body = {
            "aud": settings.LICENCE_AUDIENCE,
            "iat": now,
            "exp": now + dt.timedelta(minutes=5),
            **claims,
            **over,
        }
        return jwt.encode(body, signing_key, algorithm="ES256")

    return SimpleNamespace(sign=sign, key=key)


def test_the_licence_proves_an_account(victim, issuer):
    stranger = confirmed("stranger", victim.e.uscc)
    real = confirmed("real_staff", victim.e.uscc)
    challenge = real.api.post("/accounts/licence/challenge").json()
    assert challenge["app_url"] == "https://licence.example/authorise" and challenge["uscc"] == victim.e.uscc
    nonce = challenge["nonce"]
    good = {"uscc": victim.e.uscc, "name": "真实贸易有限公司", "nonce": nonce}
    forger = ec.generate_private_key(ec.SECP256R1())
    refusals = [
        (issuer.sign(good, signing_key=forger), "licence_invalid"),
        (issuer.sign(good, exp=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)), "licence_expired"),
        (issuer.sign(good, aud="https://another-portal.example"), "licence_wrong_audience"),
        (issuer.sign({**good, "uscc": f.new_uscc()}), "licence_uscc_mismatch"),
        (
            issuer.sign({**good, "nonce": stranger.api.post("/accounts/licence/challenge").json()["nonce"]}),
            "licence_nonce_invalid",
        ),
        (issuer.sign({**good, "nonce": "not-a-nonce"}), "licence_nonce_invalid"),
        ("not.a.jws", "licence_invalid"),
        (jwt.encode(good, "s" * 32, algorithm="HS256"), "licence_invalid"),
    ]
    for assertion, code in refusals:
        assert_error(
            real.api.post("/accounts/licence/verify", {"assertion": assertion}), 400, code, "assertion"
        )
    assert not User.objects.get(pk=real.user.pk).is_verified
    me = real.api.post("/accounts/licence/verify", {"assertion": issuer.sign(good)}).json()
    assert me["verified"] is True and me["verified_by"] == "licence"
    assert real.api.get("/enterprise").status_code == 200
    assert_error(stranger.api.get("/enterprise"), 403, "account_closed")
    assert_error(
        real.api.post("/accounts/licence/verify", {"assertion": issuer.sign(good)}), 409, "already_verified"
    )


def test_the_licence_establishes_a_candidate_and_closes_the_other_candidates(issuer):
    uscc = f.new_uscc()
    squatter = confirmed("squatter", uscc)
    s_app = squatter.api.post(
        "/applications", {"kind": "enterprise_entry", "data": f.entry_data(uscc)}
    ).json()
    real = confirmed("real_one", uscc)
    nonce = real.api.post("/accounts/licence/challenge").json()["nonce"]
    me = real.api.post(
        "/accounts/licence/verify",
        {"assertion": issuer.sign({"uscc": uscc, "name": "登记的企业名称", "nonce": nonce})},
    ).json()
    assert me["verified"] is True
    e = Enterprise.objects.get(pk=real.user.enterprise_id)
    assert not e.candidate and e.name == "登记的企业名称"
    assert Application.objects.get(pk=s_app["id"]).status == "CLOSED"
    assert_error(squatter.api.get("/applications"), 403, "account_closed")
    # A later account names the established (not yet entered) enterprise and sees nothing of it.
    late = confirmed("late", uscc)
    assert late.user.enterprise_id == e.id
    assert_error(late.api.get("/applications"), 403, "unverified_account")


def test_without_a_configured_issuer_the_licence_is_unavailable(settings):
    settings.LICENCE_ISSUER_CERT = ""
    settings.DEMO_MODE = False
    acc = confirmed("nolicence", f.new_uscc())
    assert_error(acc.api.post("/accounts/licence/challenge"), 409, "licence_unavailable")
    assert_error(acc.api.post("/accounts/licence/verify", {"assertion": "x.y.z"}), 400, "licence_unavailable")


def test_only_a_card_less_account_verifies_by_licence(issuer):
    """Found by the fuzzing: a reviewer posting an assertion got a 500."""
    reviewer = f.staff("reviewer", "aic:440300")
    assert_error(Api(reviewer).post("/accounts/licence/verify", {"assertion": "x.y.z"}), 403, "cardless_only")
    assert_error(Api(reviewer).post("/accounts/licence/challenge"), 403, "cardless_only")
