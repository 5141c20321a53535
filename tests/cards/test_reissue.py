"""补办法人卡 (legal_card_reissue): the card-less user applies, the sub-centre approves, the old legal card
is voided (superseded) and a new one can be made."""

import pytest

from eport.applications import services
from eport.applications.models import Status
from eport.cards.models import Card, CardState
from eport.errors import Conflict, Forbidden, InvalidInput
from eport.pki.models import Certificate, CertStatus
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_reissue_voids_the_old_card_and_the_sub_centre_makes_a_new_one():
    ra = f.ra_officer()
    e = f.enterprise_in_network()
    old = f.make_card("legal", e, ra=ra).card
    user = f.cardless(uscc=e.uscc)
    app = services.application_create(actor=user, kind="legal_card_reissue", data={"reason": "other"})
    with pytest.raises(InvalidInput) as err:  # "other" needs an explanation
        services.application_submit(actor=user, application_id=app.id)
    assert err.value.field == "note"
    services.application_update(
        actor=user, application_id=app.id, data={"note": "卡片被折断"}, version=app.version
    )
    with pytest.raises(InvalidInput) as err:  # what the sub-centre asks for: the licence, the legal rep's ID
        services.application_submit(actor=user, application_id=app.id)
    assert err.value.code == "attachments_required" and "企业营业执照" in str(err.value.message)
    f.attach(user, app, "business_license")
    with pytest.raises(InvalidInput) as err:
        services.application_submit(actor=user, application_id=app.id)
    assert "法人身份证件" in str(err.value.message) and "企业营业执照" not in str(err.value.message)
    f.attach(user, app, "legal_rep_id")
    app = services.application_submit(actor=user, application_id=app.id)
    step = app.steps.get()
    assert step.unit_id == "ra:5300"
    with pytest.raises(Conflict):  # no second card while the old one is in use
        f.make_card("legal", e, ra=ra)
    services.step_approve(actor=ra, step_id=step.id, opinion="同意补办")
    app.refresh_from_db()
    old.refresh_from_db()
    assert app.status == Status.APPROVED and old.state == CardState.VOIDED
    cert = Certificate.objects.get(pk=old.certificate_id)
    assert cert.status == CertStatus.REVOKED and cert.reason == "superseded"
    new = f.make_card("legal", e, ra=ra).card
    assert new.state == CardState.NORMAL and new.card_no != old.card_no
    from eport.applications.selectors import applications_list

    assert "legal_card_reissue" in {a.kind for a in applications_list(user)}  # 业务办理状态查询


def test_reissue_needs_the_enterprise_in_the_network_and_a_cardless_user():
    user = f.cardless()
    with pytest.raises(Conflict) as err:
        services.application_create(actor=user, kind="legal_card_reissue", data={"reason": "lost"})
    assert err.value.code == "enterprise_not_in_network"
    e = f.enterprise_in_network()
    legal = f.make_card("legal", e).card.user
    with pytest.raises(Forbidden):
        services.application_create(actor=legal, kind="legal_card_reissue", data={"reason": "lost"})
    assert Card.objects.get(user=legal).state == CardState.NORMAL
