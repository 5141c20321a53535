"""Reference data prefix look-up and the business registry back-fill."""

import pytest

from tests import factories as f

from .helpers import Api, assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return Api(f.cardless())


@pytest.mark.parametrize(
    "list_name, short, ok, expect_id",
    [
        ("aic_units", "4", "44", "aic:440300"),
        ("tax_units", "144", "1440", "tax:14403000000"),
        ("quality_units", "", "4", "quality:440300"),
        ("customs", "5", "53", None),
    ],
)
def test_prefix_minimum_lengths(api, list_name, short, ok, expect_id):
    assert_error(api.get(f"/refdata/{list_name}", {"prefix": short}), 400, "prefix_too_short", "prefix")
    r = api.get(f"/refdata/{list_name}", {"prefix": ok})
    assert r.status_code == 200, r.content
    items = r.json()
    assert items and all(i["code"].startswith(ok) and i["name"] for i in items)
    assert len(items) <= 20
    if expect_id:
        ids = {i["id"] for i in api.get(f"/refdata/{list_name}", {"prefix": expect_id.split(":")[1]}).json()}
        assert expect_id in ids


def test_customs_lookup_finds_district(api):
    items = api.get("/refdata/customs", {"prefix": "5301"}).json()
    assert [i["code"] for i in items] == ["5301"]
    assert items[0]["name"]


def test_prefix_missing_is_too_short(api):
    assert_error(api.get("/refdata/aic_units"), 400, "prefix_too_short", "prefix")


def test_prefix_with_no_match_is_empty_list(api):
    r = api.get("/refdata/aic_units", {"prefix": "99"})
    assert r.status_code == 200 and r.json() == []


def test_unknown_list_is_404(api):
    assert_error(api.get("/refdata/planets", {"prefix": "1234"}), 404, "unknown_list")


def test_refdata_needs_sign_in():
    assert_error(Api().get("/refdata/customs", {"prefix": "53"}), 401)


@pytest.fixture
def own():
    """The enterprise user whose USCC is the demo registry's 深圳 row."""
    return Api(f.cardless(uscc=f.USCC_SZ))


def test_registry_known_uscc_back_fills(own):
    r = own.get(f"/registry/{f.USCC_SZ}")
    assert r.status_code == 200, r.content
    d = r.json()
    assert d["uscc"] == f.USCC_SZ and d["name"] == "深圳市前海示范贸易有限公司"
    assert d["legal_rep_name"] == "张伟" and d["legal_person_type"] == "enterprise"
    assert d["capital_unit"] == "wan_yuan" and d["address"]
    assert "status" not in d
    assert "legal_rep_id_no" not in d  # a personal ID number is typed, never handed out


def test_registry_lowercase_uscc(own):
    assert own.get(f"/registry/{f.USCC_SZ.lower()}").status_code == 200


def test_registry_of_another_enterprise_is_not_found(api):
    """Registering a USCC proves no ownership of another one: no look-up of others' data."""
    assert_error(api.get(f"/registry/{f.USCC_SZ}"), 404, "registry_not_found")


def test_department_staff_may_look_up_any_registry_row():
    from eport.accounts.models import UserKind

    r = Api(f.staff(UserKind.REVIEWER, "aic:440300")).get(f"/registry/{f.USCC_SZ}")
    assert r.status_code == 200 and r.json()["name"] == "深圳市前海示范贸易有限公司"


@pytest.mark.parametrize("uscc", [f.new_uscc(), "garbage"])
def test_registry_unknown_is_404(api, uscc):
    assert_error(api.get(f"/registry/{uscc}"), 404, "registry_not_found")
