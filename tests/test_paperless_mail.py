"""Mail to the other party of the paperless steps that no review carries: a 解约 reaches the customs unit's
reviewers and the enterprise; a broker's 申报 and 重新上传 reach the customs unit of the 关区 and the
consignor (the reviewer of another unit, and accounts without an address, hear nothing)."""

import pytest
from django.core import mail

from eport.accounts.models import UserKind
from eport.agreements.models import Agreement
from eport.enterprises.models import Enterprise
from tests import factories as f
from tests.agreements.helpers import approve, sign_via_api, signing_card
from tests.api.helpers import Api
from tests.declarations import pdfs
from tests.declarations.helpers import decl_no, declared, declarer, upload

pytestmark = pytest.mark.django_db


def reviewer(unit: str, email: str):
    return f.staff(UserKind.REVIEWER, unit, email=email)


def test_terminating_an_agreement_tells_that_customs_unit(django_capture_on_commit_callbacks):
    made, key, api = signing_card()
    e = made.card.enterprise
    Enterprise.objects.filter(pk=e.pk).update(contact_email="contact@example.com")
    sz = reviewer("customs:5300", "sz@customs.example")
    reviewer("customs:0100", "bj@customs.example")
    sign_via_api(api, key, ["5300"])
    approve(Agreement.objects.get(customs="5300"), sz)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/paperless/agreements/5300/terminate").status_code == 200
    [m] = mail.outbox
    assert "解约" in m.subject and set(m.to) == {"sz@customs.example", "contact@example.com"}


def test_a_brokers_declaration_and_reupload_tell_customs_and_the_consignor(
    django_capture_on_commit_callbacks,
):
    consignor = f.enterprise_in_network(name="经营单位邮件有限公司")
    Enterprise.objects.filter(pk=consignor.pk).update(contact_email="owner@example.com")
    b, api = declarer(customs="")
    f.delegation(consignor, b, "5300", "I")
    officer = reviewer("customs:5300", "sz@customs.example")
    reviewer("customs:2200", "sh@customs.example")
    n = decl_no(77)
    with django_capture_on_commit_callbacks(execute=True):
        declared(api, n, consignor)
    sent = [m for m in mail.outbox if "已申报" in m.subject]
    assert len(sent) == 1 and set(sent[0].to) == {"sz@customs.example", "owner@example.com"}
    mail.outbox.clear()
    customs = Api(officer)
    r = customs.post(f"/declarations/{n}/reupload-requests", {"doc_type": "invoice", "reason": "不清晰"})
    assert r.status_code in (200, 201), r.content
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(api, n, pdfs.good()).status_code == 201
    [m] = mail.outbox
    assert "重传" in m.subject and set(m.to) == {"sz@customs.example", "owner@example.com"}
