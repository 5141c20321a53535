"""Account services: registration races, tokens, password change, staff accounts."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from eport.accounts import services
from eport.accounts.models import ApiToken, User, UserKind
from eport.enterprises import registration
from eport.enterprises.models import Enterprise
from eport.errors import Conflict, InvalidInput
from tests import factories as f

pytestmark = pytest.mark.django_db

DATA = {
    "username": "race_user",
    "password": "Race#Pass2026",
    "uscc": f.USCC_SZ,
    "enterprise_name": "竞争公司",
    "contact_name": "李四",
    "phone": "13900139000",
    "email": "li@example.com",
}


def test_register_names_an_established_enterprise_unverified():
    """An enterprise already established (here: made by a command) is named, not taken: the account waits."""
    e = Enterprise.objects.create(uscc=f.USCC_SZ, name="已有企业")
    user = registration.account_register(data=DATA)
    assert user.enterprise_id == e.id and Enterprise.objects.count() == 1
    assert not user.is_verified and not user.email_confirmed


def test_register_username_race_is_conflict():
    with mock.patch(
        "eport.accounts.forms.RegistrationForm.clean_username", lambda self: self.cleaned_data["username"]
    ):
        f.cardless(username="race_user")
        with pytest.raises(Conflict) as e:
            registration.account_register(data={**DATA, "uscc": f.new_uscc()})
    assert e.value.code == "username_taken"


def test_token_expiry_and_revocation():
    user = f.cardless()
    key = services.token_issue(user=user)
    assert services.token_user(key) == user
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.token_user(key) is None
    key2 = services.token_issue(user=user)
    services.token_revoke(key2)
    assert services.token_user(key2) is None


def test_inactive_user_token_is_refused():
    user = f.cardless()
    key = services.token_issue(user=user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert services.token_user(key) is None


def test_staff_create_rules():
    admin = f.staff(UserKind.ADMIN, None)
    u = services.staff_create(
        actor=admin, role="reviewer", username="rev_a", password="Rev#Pass2026x", unit_id="aic:440300"
    )
    assert u.kind == UserKind.REVIEWER and u.must_change_password and u.unit_id == "aic:440300"
    with pytest.raises(InvalidInput) as e:
        services.staff_create(actor=admin, role="ra", username="ra_a", password="x", unit_id="aic:440300")
    assert e.value.field == "unit"
    with pytest.raises(InvalidInput) as e:
        services.staff_create(actor=admin, role="reviewer", username="rev_b", password="x", unit_id="ra:5300")
    assert e.value.field == "unit"
    with pytest.raises(InvalidInput):
        services.staff_create(
            actor=admin, role="reviewer", username="rev_c", password="x", unit_id="aic:000000"
        )
    with pytest.raises(InvalidInput):
        services.staff_create(actor=admin, role="boss", username="rev_d", password="x", unit_id=None)
    with pytest.raises(Conflict):
        services.staff_create(
            actor=admin, role="reviewer", username="REV_A", password="x", unit_id="aic:440300"
        )
