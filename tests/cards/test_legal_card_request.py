"""申领法人卡 / 补办法人卡: one kind (legal_card_reissue). Before its first legal card the enterprise requests
one (申领: no documents, nothing voided); with a card in use it is a reissue (补办: the documents, the old card
voided). The approved request waits in the sub-centre's 待制法人卡 queue until 制卡 fulfils it."""

import pytest
from django.core import mail

from eport.applications import services
from eport.applications.kinds import get_kind
from eport.applications.models import Status
from eport.cards import actions, making, selectors
from eport.cards.models import CardState
from eport.errors import Forbidden, InvalidInput, NotFound
from tests import factories as f

pytestmark = pytest.mark.django_db

KIND = "legal_card_reissue"


def _approved(user, ra, data):
    app = services.application_create(actor=user, kind=KIND, data=data)
    app = services.application_submit(actor=user, application_id=app.id)
    services.step_approve(actor=ra, step_id=app.steps.get().id, opinion="同意")
    app.refresh_from_db()
    return app


def test_the_first_legal_card_is_requested_queued_and_made_from_the_queue(django_capture_on_commit_callbacks):
    ra = f.ra_officer()
    e = f.enterprise_in_network()
    user = f.cardless(uscc=e.uscc, email="boss@example.com")
    app = services.application_create(
        actor=user,
        kind=KIND,
        data={"contact_name": "王五", "contact_phone": "13912345678", "preferred_date": "2099-01-05"},
    )
    assert app.data["reason"] == "new"  # nothing chosen, no card in use: a first request
    assert get_kind(KIND).label_of(app) == "申领法人卡"
    app = services.application_submit(actor=user, application_id=app.id)  # no documents needed
    assert app.status == Status.SUBMITTED and app.steps.get().unit_id == "ra:5300"
    assert list(selectors.legal_card_queue(ra)) == []  # not approved yet
    services.step_approve(actor=ra, step_id=app.steps.get().id, opinion="同意")
    assert [a.pk for a in selectors.legal_card_queue(ra)] == [app.pk]
    other = f.ra_officer("ra:0100")
    assert list(selectors.legal_card_queue(other)) == []  # another sub-centre's queue
    with pytest.raises(NotFound) as err:
        making.card_make(actor=other, kind="legal", request_id=app.pk)
    assert err.value.code == "application_not_found"
    with pytest.raises(Forbidden) as err:
        selectors.legal_card_queue(user)
    assert err.value.code == "ra_only"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        made = making.card_make(actor=ra, kind="operator", request_id=app.pk)  # the request decides: legal
    assert made.card.kind == "legal" and made.card.enterprise == e and made.card.request_id == app.pk
    assert list(selectors.legal_card_queue(ra)) == []
    assert any("法人卡已制作" in m.subject and made.card.card_no in m.subject for m in mail.outbox)
    with pytest.raises(NotFound):  # fulfilled: no longer in the queue
        making.card_make(actor=ra, kind="legal", request_id=app.pk)


def test_a_first_request_needs_a_contact_and_a_date_not_in_the_past():
    e = f.enterprise_in_network()
    user = f.cardless(uscc=e.uscc)
    user.contact_name, user.phone = "", ""
    user.save()
    app = services.application_create(actor=user, kind=KIND, data={})
    with pytest.raises(InvalidInput) as err:
        services.application_submit(actor=user, application_id=app.id)
    assert err.value.field in ("contact_name", "contact_phone")
    with pytest.raises(InvalidInput) as err:
        services.application_update(
            actor=user,
            application_id=app.id,
            data={"contact_name": "王五", "contact_phone": "13912345678", "preferred_date": "2001-01-01"},
            version=app.version,
        )
    assert err.value.field == "preferred_date"


def test_the_contact_defaults_to_the_account_s():
    e = f.enterprise_in_network()
    user = f.cardless(uscc=e.uscc)
    user.contact_name, user.phone = "赵六", "13700001111"
    user.save()
    app = services.application_create(actor=user, kind=KIND, data={})
    assert (app.data["contact_name"], app.data["contact_phone"]) == ("赵六", "13700001111")


def test_a_reissue_voids_the_card_in_use_which_then_names_its_replacement():
    ra = f.ra_officer()
    e = f.enterprise_in_network()
    old = f.make_card("legal", e, ra=ra).card
    user = f.cardless(uscc=e.uscc)
    contact = {"contact_name": "王五", "contact_phone": "13912345678"}
    app = services.application_create(actor=user, kind=KIND, data=contact)
    assert app.data["reason"] == ""  # a card in use: a reissue must say why
    f.attach(user, app, *f.REISSUE_DOCUMENTS)
    with pytest.raises(InvalidInput) as err:
        services.application_submit(actor=user, application_id=app.id)
    assert err.value.field == "reason" and old.card_no in str(err.value.message)
    app.refresh_from_db()
    services.application_update(
        actor=user, application_id=app.id, data={**contact, "reason": "lost"}, version=app.version
    )
    app.refresh_from_db()
    assert get_kind(KIND).label_of(app) == "补办法人卡"
    services.application_submit(actor=user, application_id=app.id)
    app.refresh_from_db()
    services.step_approve(actor=ra, step_id=app.steps.get().id, opinion="同意补办")
    old.refresh_from_db()
    assert old.state == CardState.VOIDED and old.void_reason == "superseded" and old.voided_at
    assert app.number in old.void_reason_text and "补办换卡" in old.void_reason_text
    new = f.make_card("legal", e, ra=ra).card  # typed by USCC: it fulfils the waiting request all the same
    assert new.request_id == app.pk and list(selectors.legal_card_queue(ra)) == []
    old.refresh_from_db()
    assert old.replaced_by_id == new.pk and old.void_reason_text == f"补办换卡：由新卡 {new.card_no} 替换"


def test_the_sub_centre_s_void_keeps_its_reason_and_time():
    ra = f.ra_officer()
    card = f.operator_card(f.enterprise_in_network(), ra=ra).card
    assert card.void_reason_text == ""
    actions.card_act(actor=ra, card_no=card.card_no, action="void", reason="key_compromise")
    card.refresh_from_db()
    assert card.void_reason == "key_compromise" and card.voided_at is not None
    assert card.void_reason_text == "卡片或密钥泄露"
