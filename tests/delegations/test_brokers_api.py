"""报关企业注册 and 查找报关企业 through the API (SPEC §6.2, API.md "Paperless clearance"): the kind's
rules and refusals, its routing to the 报关协会 of the direct customs, who may review it, and the search
that finds approved brokers only."""

import io
import threading

import pytest
from django.db import connection
from openpyxl import load_workbook

from eport.accounts.models import UserKind
from eport.applications import services
from eport.delegations.models import Broker
from eport.errors import DomainError
from eport.refdata.models import Unit
from tests import factories as f
from tests.api.helpers import Api, assert_error, create, file, legal

pytestmark = pytest.mark.django_db


def org_code(e) -> str:
    return e.uscc[8:17]


def reg(e, **over) -> dict:
    data = {
        "org_code": org_code(e),
        "broker_code": "4403980001",
        "customs": "5301",
        "contact_name": "王五",
        "contact_phone": "13912345678",
    }
    data.update(over)
    return data


def assoc(code="5300"):
    return f.staff(UserKind.REVIEWER, f"assoc:{code}")


def approve(app_id, reviewer, opinion="同意注册。"):
    [step] = [s for s in services.application_get(reviewer, app_id).steps.all() if s.status == "PENDING"]
    return services.step_approve(actor=reviewer, step_id=step.id, opinion=opinion)


def registered(name="深圳报关行有限公司", code="4403980001", customs="5301"):
    """A broker approved by its association: (enterprise, API as its legal card)."""
    e, _made, api = legal(f.enterprise_in_network(name=name))
    app = file(api, "broker_registration", reg(e, broker_code=code, customs=customs))
    approve(app["id"], assoc(customs[:2] + "00"))
    return e, api


def test_association_units_one_per_direct_customs():
    sz = Unit.objects.get(pk="assoc:5300")
    assert sz.name == "深圳报关协会" and sz.parent is None and sz.dept == "assoc"
    assert Unit.objects.filter(pk="assoc:0100").exists()
    assert not Unit.objects.filter(pk="assoc:0000").exists()  # 海关总署 has no association
    assert not Unit.objects.filter(dept="assoc", code="5301").exists()  # sub-offices have none


def test_registration_routed_to_the_association_of_the_direct_customs_and_approved():
    e, _made, api = legal(f.enterprise_in_network(name="深圳报关行有限公司"))
    app = file(api, "broker_registration", reg(e, name="别的名字"))
    assert app["status"] == "SUBMITTED"
    assert app["data"]["name"] == "深圳报关行有限公司"  # back-filled from the enterprise
    [step] = app["steps"]
    assert step["unit"]["id"] == "assoc:5300"
    assert not Broker.objects.exists()
    approve(app["id"], assoc())
    b = Broker.objects.get(enterprise=e)
    assert (b.org_code, b.customs_code, b.direct_customs, b.unit_id) == (
        org_code(e),
        "4403980001",
        "5300",
        "assoc:5300",
    )
    assert b.approved_at is not None
    err = assert_error(create(api, "broker_registration", reg(e)), 409, "already_broker")
    assert "不能再次注册" in err["message"]


def test_card_less_user_may_register_too():
    user = f.cardless()
    e = user.enterprise
    f.enterprise_in_network(uscc=e.uscc, name=e.name)
    app = file(Api(user), "broker_registration", reg(e, customs="0101", broker_code="1101980001"))
    assert app["steps"][0]["unit"]["id"] == "assoc:0100"


@pytest.mark.parametrize(
    "field,value",
    [
        ("broker_code", "44039800"),  # 8 digits
        ("broker_code", "44039800AB"),  # not digits
        ("org_code", "12345678A"),  # bad check character
        ("customs", "9999"),  # no such customs
        ("contact_phone", "12"),
    ],
)
def test_bad_codes_refused_naming_the_field(field, value):
    e, _made, api = legal()
    assert_error(create(api, "broker_registration", reg(e, **{field: value})), 400, field=field)


def test_another_enterprises_org_code_refused():
    e, _made, api = legal()
    other = f.enterprise_in_network()
    err = assert_error(
        create(api, "broker_registration", reg(e, org_code=org_code(other))), 400, field="org_code"
    )
    assert "不一致" in err["message"]


def test_not_in_network_refused():
    user = f.cardless()
    err = assert_error(create(Api(user), "broker_registration", reg(user.enterprise)), 409)
    assert err["code"] == "enterprise_not_in_network"


def test_one_open_registration_and_a_taken_customs_code():
    registered(code="4403980001")
    e, _made, api = legal()
    created = create(api, "broker_registration", reg(e)).json()
    assert_error(create(api, "broker_registration", reg(e)), 409, "open_application_exists")
    assert_error(api.post(f"/applications/{created['id']}/submit"), 409, "broker_code_taken", "broker_code")


def test_returned_registration_corrected_and_refiled():
    e, _made, api = legal()
    reviewer = assoc()
    app = file(api, "broker_registration", reg(e, broker_code="4403980009"))
    [step] = [s for s in services.application_get(reviewer, app["id"]).steps.all()]
    services.step_return(actor=reviewer, step_id=step.id, opinion="海关编码有误。")
    version = api.get(f"/applications/{app['id']}").json()["version"]
    r = api.patch(
        f"/applications/{app['id']}", {"data": reg(e, broker_code="4403980002"), "version": version}
    )
    assert r.status_code == 200, r.content
    assert api.post(f"/applications/{app['id']}/submit").status_code == 200
    approve(app["id"], reviewer)
    assert Broker.objects.get(enterprise=e).customs_code == "4403980002"


def test_only_the_routed_association_reviews_it():
    e, _made, api = legal()
    app = file(api, "broker_registration", reg(e))
    for reviewer in (
        assoc("0100"),
        f.staff(UserKind.REVIEWER, "customs:5300"),
        f.staff(UserKind.REVIEWER, "aic:440300"),
    ):
        queue = Api(reviewer).get("/reviews").json()
        assert app["id"] not in [i["application"]["id"] for i in queue["items"]], reviewer.unit_id
        step_id = app["steps"][0]["id"]
        assert_error(Api(reviewer).post(f"/reviews/{step_id}/approve", {"opinion": "同意"}), 404)
    mine = Api(assoc()).get("/reviews").json()
    assert app["id"] in [i["application"]["id"] for i in mine["items"]]
    assert not Broker.objects.exists()


# --- 查找报关企业 -----------------------------------------------------------------------------------


def test_search_finds_approved_brokers_by_each_key_only():
    e, _ = registered(name="深圳报关行有限公司", code="4403980001")
    # a draft, a pending and a returned registration never appear
    for name, code, step in (
        ("深圳草稿报关公司", "4403980011", None),
        ("深圳待审报关公司", "4403980012", "wait"),
        ("深圳退回报关公司", "4403980013", "return"),
    ):
        other, _m, api = legal(f.enterprise_in_network(name=name))
        if step is None:
            create(api, "broker_registration", reg(other, broker_code=code))
            continue
        app = file(api, "broker_registration", reg(other, broker_code=code))
        if step == "return":
            reviewer = assoc()
            services.step_return(actor=reviewer, step_id=app["steps"][0]["id"], opinion="不符合条件。")
    consignor = Api(f.operator_card(f.enterprise_in_network()).card.user)
    shown = {
        "org_code": org_code(e),
        "customs_code": "4403980001",
        "name": "深圳报关行有限公司",
        "direct_customs": "5300",
    }
    for q in (org_code(e), org_code(e).lower(), "4403980001", "报关行", "深圳"):
        body = consignor.get("/paperless/brokers", {"q": q}).json()
        assert body == {"items": [shown], "total": 1}, q
    for q in ("4403980012", "4403980013", "440398000", "待审", "退回"):
        assert consignor.get("/paperless/brokers", {"q": q}).json()["total"] == 0, q
    assert consignor.get("/paperless/brokers").json()["total"] == 1


def test_search_is_paged_and_for_enterprise_users_only():
    for i in range(3):
        registered(name=f"深圳第{i}报关公司", code=f"440398010{i}")
    _e, _m, api = legal()
    body = api.get("/paperless/brokers", {"q": "报关公司", "page_size": 2, "page": 2}).json()
    assert body["total"] == 3 and len(body["items"]) == 1
    assert_error(api.get("/paperless/brokers", {"page_size": 101}), 400)
    for staff in (assoc(), f.staff(UserKind.REVIEWER, "customs:5300"), f.ra_officer()):
        assert_error(Api(staff).get("/paperless/brokers"), 403, "enterprise_user_required")
    assert Api().get("/paperless/brokers").status_code == 401


def test_the_association_switches_auto_review_for_its_own_unit_only():
    reviewer = Api(assoc())
    assert reviewer.put("/units/assoc:5300/auto-review", {"enabled": True}).status_code == 200
    assert reviewer.put("/units/assoc:0100/auto-review", {"enabled": True}).status_code in (403, 404)
    e, _made, api = legal()
    app = file(api, "broker_registration", reg(e))
    assert app["status"] == "APPROVED" and app["steps"][0]["status"] == "AUTO_APPROVED"
    assert Broker.objects.filter(enterprise=e).exists()


def test_two_submitted_registrations_of_one_code_the_second_approval_is_refused():
    """Both filed before either was approved: the association's second approval answers 409, not 500."""
    (e1, _m1, api1), (e2, _m2, api2) = legal(), legal()
    a1 = file(api1, "broker_registration", reg(e1))
    a2 = file(api2, "broker_registration", reg(e2))
    reviewer = assoc()
    approve(a1["id"], reviewer)
    with pytest.raises(DomainError) as e:
        approve(a2["id"], reviewer)
    assert e.value.code == "broker_code_taken"
    assert Broker.objects.get().enterprise == e1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent approvals: PostgreSQL")
def test_two_approvals_of_one_code_at_once_one_broker_and_a_409():
    (e1, _m1, api1), (e2, _m2, api2) = legal(), legal()
    apps = [file(api1, "broker_registration", reg(e1)), file(api2, "broker_registration", reg(e2))]
    reviewers = [assoc(), f.staff(UserKind.REVIEWER, "assoc:5300", username="assoc_second")]
    results: list[str] = []
    barrier = threading.Barrier(2)

    def run(app, reviewer):
        try:
            barrier.wait()
            approve(app["id"], reviewer)
            results.append("ok")
        except DomainError as e:
            results.append(e.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in zip(apps, reviewers, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["broker_code_taken", "ok"]
    assert Broker.objects.count() == 1


def test_the_brokers_found_export_as_text_for_enterprise_users_only(client):
    registered(name='=HYPERLINK("x")报关公司', code="4403980111")
    registered(name="深圳另一报关公司", code="4403980112")
    _e, made, api = legal()
    r = api.get("/paperless/brokers.xlsx", {"q": "HYPERLINK"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "4403980111"
    assert rows[1][2].startswith("=HYPERLINK")  # a text cell, never a formula (exports.py)
    assert_error(Api(assoc()).get("/paperless/brokers.xlsx"), 403, "enterprise_user_required")
    client.force_login(made.card.user)
    r = client.get("/paperless/brokers/?q=报关公司&export=xlsx")
    assert r.status_code == 200 and len(list(load_workbook(io.BytesIO(r.content)).active.iter_rows())) == 3
