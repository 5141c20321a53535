"""accounts/permissions.py: one rule per question, asked alike by the API, the screens and the selectors.

Who reads the enterprise and its filings (its card-less user once trusted, its legal card; not an operator
card, not staff), whose registry row an actor may look up (an enterprise user its own USCC only), and the
admin, which may not grant card permissions behind the card_permission application's back."""

from types import SimpleNamespace

import pytest
from django.test import Client

from eport.accounts import permissions
from eport.accounts.models import UserKind
from eport.cards.models import Card, CardPermission, Subsystem
from eport.enterprises.selectors import registry_backfill_for
from eport.errors import Forbidden, NotFound
from tests import factories as f
from tests.api.helpers import Api, assert_error

pytestmark = pytest.mark.django_db


def _ready(made):
    """A card past its first sign-in (the initial PIN changed)."""
    Card.objects.filter(pk=made.card.pk).update(must_change_pin=False)
    made.card.refresh_from_db()
    return made.card.user


@pytest.fixture
def ent():
    """An enterprise in the network (the demo registry's 深圳 row) with its three enterprise actors."""
    e = f.enterprise_in_network(uscc=f.USCC_SZ)
    ra = f.ra_officer()
    return SimpleNamespace(
        e=e,
        cardless=f.cardless(uscc=e.uscc),
        legal=_ready(f.make_card("legal", e, ra=ra)),
        op=_ready(f.make_card("operator", e, ra=ra)),
    )


# --- reading the enterprise and its filings ----------------------------------------------------------------


def test_the_enterprise_is_read_by_its_card_less_user_and_legal_card_only(ent):
    for user in (ent.cardless, ent.legal):
        assert permissions.can_read_enterprise(user)
        assert permissions.enterprise_for_reading(user) == ent.e
    others = [
        ent.op,
        f.staff(UserKind.REVIEWER, "customs:5300"),
        f.ra_officer(),
        f.staff(UserKind.ADMIN, None),
    ]
    for user in others:
        assert not permissions.can_read_enterprise(user), user.kind
        with pytest.raises(Forbidden) as e:  # a rule about who the actor is: 403, as on the screens
            permissions.enterprise_for_reading(user)
        assert e.value.code == "enterprise_actor_required"


def test_an_untrusted_card_less_account_reads_nothing_of_its_enterprise(ent):
    waiting = f.cardless(uscc=ent.e.uscc, verified=False)
    with pytest.raises(Forbidden) as e:
        permissions.enterprise_for_reading(waiting)
    assert e.value.code == "unverified_account"


@pytest.mark.parametrize("path", ["/enterprise", "/filings"])
def test_operator_card_is_refused_the_enterprise_on_the_api(ent, path):
    for user in (ent.cardless, ent.legal):
        r = Api(user).get(path)
        assert r.status_code == 200, (user.kind, r.content)
    assert_error(Api(ent.op).get(path), 403, "enterprise_actor_required")


@pytest.mark.parametrize("path", ["/filings/commerce/", "/filings/customs/", "/filings/forex/", "/status/"])
def test_operator_card_is_refused_the_enterprise_on_the_screens(ent, path):
    for user in (ent.cardless, ent.legal):
        c = Client()
        c.force_login(user)
        assert c.get(path).status_code == 200, user.kind
    c = Client()
    c.force_login(ent.op)
    r = c.get(path)
    assert r.status_code == 403 and "您没有使用这个功能的权限" in r.content.decode()


# --- the legal card's own lists ----------------------------------------------------------------------------


def test_only_the_legal_card_gets_its_enterprise_for_card_filings(ent):
    assert permissions.require_legal_card(ent.legal) == ent.e
    for user in (ent.cardless, ent.op, f.ra_officer()):
        with pytest.raises(Forbidden) as e:
            permissions.require_legal_card(user)
        assert e.value.code == "legal_card_required"


def test_enterprise_cards_takes_the_actor(ent):
    from eport.filings.selectors import enterprise_cards

    assert {c.card_no for c in enterprise_cards(ent.legal)} == {
        ent.legal.card.card_no,
        ent.op.card.card_no,
    }
    for user in (ent.cardless, ent.op):
        with pytest.raises(Forbidden):
            enterprise_cards(user)


# --- registry look-up --------------------------------------------------------------------------------------


def test_an_enterprise_user_looks_up_its_own_registry_row_only(ent):
    stranger = f.enterprise_in_network()
    ra = f.ra_officer()
    for user in (ent.cardless, ent.legal, ent.op):
        assert registry_backfill_for(user, f.USCC_SZ.lower())["name"] == "深圳市前海示范贸易有限公司"
    outsiders = [
        f.cardless(),
        _ready(f.make_card("legal", stranger, ra=ra)),
        _ready(f.make_card("operator", stranger, ra=ra)),
    ]
    for user in outsiders:
        assert not permissions.can_look_up_registry(user, f.USCC_SZ)
        with pytest.raises(NotFound) as e:
            registry_backfill_for(user, f.USCC_SZ)
        assert e.value.code == "registry_not_found"  # as an unknown USCC answers: no oracle
        assert_error(Api(user).get(f"/registry/{f.USCC_SZ}"), 404, "registry_not_found")


def test_staff_look_up_any_registry_row():
    for user in (f.staff(UserKind.REVIEWER, "aic:440300"), f.ra_officer()):
        assert registry_backfill_for(user, f.USCC_SZ)["name"] == "深圳市前海示范贸易有限公司"
    with pytest.raises(NotFound):
        registry_backfill_for(f.ra_officer(), f.new_uscc())


# --- staff ---------------------------------------------------------------------------------------------------


def test_staff_is_the_reviewers_and_the_sub_centre():
    assert permissions.STAFF == {UserKind.REVIEWER, UserKind.RA}
    permissions.require_staff(f.staff(UserKind.REVIEWER, "customs:5300"))
    permissions.require_staff(f.ra_officer())
    for user in (f.cardless(), f.staff(UserKind.ADMIN, None)):
        with pytest.raises(Forbidden) as e:
            permissions.require_staff(user)
        assert e.value.code == "reviewer_required"


def test_jurisdiction_units_are_the_staff_members_unit_and_below():
    units = set(permissions.jurisdiction_units(f.ra_officer("ra:5300")).values_list("id", flat=True))
    assert "ra:5300" in units
    assert not permissions.jurisdiction_units(f.cardless()).exists()


# --- the admin's card page ------------------------------------------------------------------------------


def test_the_admin_may_not_write_card_permissions(ent, client):
    """Permissions change only through the card_permission application (kind, review, audit row)."""
    from django.contrib import admin

    admin_user = f.staff(UserKind.ADMIN, None, is_staff=True, is_superuser=True)
    card = ent.op.card
    inline = admin.site._registry[Card].get_inline_instances(
        SimpleNamespace(user=admin_user, method="GET"), card
    )[0]
    request = SimpleNamespace(user=admin_user)
    assert inline.model is CardPermission
    assert not inline.has_add_permission(request, card)
    assert not inline.has_change_permission(request, card)
    assert not inline.has_delete_permission(request, card)
    client.force_login(admin_user)
    url = f"/admin/cards/card/{card.pk}/change/"
    assert client.get(url).status_code == 200
    subsystem = Subsystem.objects.order_by("sort").first()
    client.post(
        url,
        {
            "permissions-TOTAL_FORMS": "1",
            "permissions-INITIAL_FORMS": "0",
            "permissions-0-subsystem": subsystem.code,
            "permissions-0-card": card.pk,
        },
    )
    assert not CardPermission.objects.filter(card=card).exists()
