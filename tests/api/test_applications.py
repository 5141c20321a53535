"""Applications through the API: create, edit, submit, delete, the entry's data rules, the status query."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from eport.applications.models import Application, ReviewStep, Status
from eport.audit.models import AuditEvent
from tests import factories as f

from .helpers import Api, approve_all, assert_error, attach_required, make_pdf

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def create(api, user, documents=True, **over):
    """A draft entry through the API, with the documents its 申报 requires (unless `documents=False`)."""
    r = api.post(
        "/applications", {"kind": "enterprise_entry", "data": f.entry_data(user.enterprise.uscc, **over)}
    )
    assert r.status_code == 201, r.content
    if documents:
        attach_required(api, r.json()["id"])
    return r.json()


def snapshot(app_id):
    a = Application.objects.get(pk=app_id)
    return a.status, a.version, a.data, a.round, ReviewStep.objects.filter(application=a).count()


# --- create ---------------------------------------------------------------------------------------------


def test_create_draft(api, user):
    body = create(api, user, documents=False)
    assert body["status"] == "DRAFT" and body["version"] == 1 and body["kind"] == "enterprise_entry"
    assert body["number"].startswith("RW") and body["steps"] == [] and body["attachments"] == []
    assert body["data"]["uscc"] == user.enterprise.uscc and body["data"]["customs_code"] == "5300"
    assert body["submitted_at"] is None and body["created_at"]
    assert AuditEvent.objects.filter(action="application.create", object_id=str(body["id"])).exists()
    got = api.get(f"/applications/{body['id']}")
    assert got.status_code == 200 and got.json() == body


def test_create_with_partial_data_and_uscc_filled_in(api, user):
    r = api.post("/applications", {"kind": "enterprise_entry", "data": {"name": "半成品"}})
    assert r.status_code == 201
    assert r.json()["data"]["uscc"] == user.enterprise.uscc and r.json()["data"]["name"] == "半成品"


@pytest.mark.parametrize(
    "over, field",
    [
        ({"phone": "12"}, "phone"),
        ({"phone": "86001234"}, "phone"),  # a landline without its area code
        ({"legal_rep_id_no": "110105194912310021"}, "legal_rep_id_no"),
        ({"aic_unit": "999999"}, "aic_unit"),
        ({"customs_code": "9999"}, "customs_code"),
        ({"registered_capital": "-5"}, "registered_capital"),
        ({"registered_capital": "lots"}, "registered_capital"),
        ({"capital_unit": "dollar"}, "capital_unit"),
        ({"legal_person_type": "alien"}, "legal_person_type"),
        ({"enterprise_type": "10"}, "enterprise_type"),
        ({"uscc": f.USCC_SZ}, "uscc"),  # not the enterprise's own
    ],
)
def test_create_with_bad_data_is_400_naming_field(api, user, over, field):
    r = api.post(
        "/applications", {"kind": "enterprise_entry", "data": {**f.entry_data(user.enterprise.uscc), **over}}
    )
    assert_error(r, 400, field=field)
    assert not Application.objects.exists()


def test_create_unknown_kind_is_400(api):
    assert_error(api.post("/applications", {"kind": "moon_landing", "data": {}}), 400, "kind_unknown", "kind")
    assert_error(api.post("/applications", {"data": {}}), 400, "field_required", "kind")
    assert_error(api.post("/applications", {"kind": "enterprise_entry", "data": "x"}), 400, field="data")
    assert not Application.objects.exists()


def test_second_open_application_is_409(api, user):
    first = create(api, user)
    assert_error(
        api.post("/applications", {"kind": "enterprise_entry", "data": {}}), 409, "open_application_exists"
    )
    assert Application.objects.filter(enterprise=user.enterprise).count() == 1
    # still refused while submitted and while returned
    api.post(f"/applications/{first['id']}/submit")
    assert_error(
        api.post("/applications", {"kind": "enterprise_entry", "data": {}}), 409, "open_application_exists"
    )
    assert Application.objects.filter(enterprise=user.enterprise).count() == 1


def test_after_delete_a_new_one_may_be_started(api, user):
    first = create(api, user)
    assert api.delete(f"/applications/{first['id']}").status_code == 204
    assert create(api, user)["id"] != first["id"]


def test_once_in_network_no_new_entry(api, user):
    app = f.submitted_entry(user)
    approve_all(app, f.reviewers())
    assert_error(
        api.post("/applications", {"kind": "enterprise_entry", "data": {}}), 409, "already_in_network"
    )


# --- edit -----------------------------------------------------------------------------------------------


def test_patch_merges_and_bumps_version(api, user):
    app = create(api, user)
    r = api.patch(f"/applications/{app['id']}", {"data": {"address": "深圳市福田区新地址"}, "version": 1})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["version"] == 2 and body["data"]["address"] == "深圳市福田区新地址"
    assert body["data"]["name"] == app["data"]["name"]
    assert AuditEvent.objects.filter(action="application.update", object_id=str(app["id"])).exists()


def test_patch_stale_version_is_409_and_nothing_changes(api, user):
    app = create(api, user)
    assert (
        api.patch(f"/applications/{app['id']}", {"data": {"address": "第一次修改"}, "version": 1}).status_code
        == 200
    )
    before = snapshot(app["id"])
    r = api.patch(f"/applications/{app['id']}", {"data": {"address": "基于旧版本的修改"}, "version": 1})
    assert_error(r, 409, "stale_version", "version")
    assert snapshot(app["id"]) == before
    assert Application.objects.get(pk=app["id"]).data["address"] == "第一次修改"


def test_patch_needs_version(api, user):
    app = create(api, user)
    assert_error(
        api.patch(f"/applications/{app['id']}", {"data": {"address": "x"}}),
        400,
        "version_required",
        "version",
    )
    assert_error(
        api.patch(f"/applications/{app['id']}", {"data": {}, "version": "abc"}), 400, field="version"
    )


def test_patch_bad_data_is_400_and_nothing_changes(api, user):
    app = create(api, user)
    before = snapshot(app["id"])
    assert_error(
        api.patch(f"/applications/{app['id']}", {"data": {"phone": "abc"}, "version": 1}), 400, field="phone"
    )
    assert_error(
        api.patch(f"/applications/{app['id']}", {"data": {"uscc": f.USCC_SZ}, "version": 1}),
        400,
        field="uscc",
    )
    assert snapshot(app["id"]) == before


def test_patch_while_submitted_is_409(api, user):
    app = create(api, user)
    sub = api.post(f"/applications/{app['id']}/submit")
    assert sub.status_code == 200
    before = snapshot(app["id"])
    r = api.patch(
        f"/applications/{app['id']}", {"data": {"address": "审核中修改"}, "version": sub.json()["version"]}
    )
    assert_error(r, 409, "not_editable")
    assert snapshot(app["id"]) == before


def test_patch_after_approval_is_409(api, user):
    app = f.submitted_entry(user)
    approve_all(app, f.reviewers())
    app.refresh_from_db()
    assert_error(
        api.patch(f"/applications/{app.id}", {"data": {"address": "x"}, "version": app.version}),
        409,
        "not_editable",
    )


# --- delete ---------------------------------------------------------------------------------------------


def test_delete_draft(api, user):
    app = create(api, user)
    r = api.delete(f"/applications/{app['id']}")
    assert r.status_code == 204
    assert not Application.objects.filter(pk=app["id"]).exists()
    assert AuditEvent.objects.filter(action="application.delete", object_id=str(app["id"])).exists()
    assert_error(api.get(f"/applications/{app['id']}"), 404, "application_not_found")


def test_delete_only_draft(api, user):
    r = f.reviewers()
    app = f.submitted_entry(user)
    assert_error(api.delete(f"/applications/{app.id}"), 409, "not_deletable")
    step = app.steps.get(unit_id="aic:440300")
    from eport.applications import services

    services.step_return(actor=r["aic"], step_id=step.id, opinion="材料不全")
    assert_error(api.delete(f"/applications/{app.id}"), 409, "not_deletable")
    assert Application.objects.get(pk=app.id).status == Status.RETURNED


# --- submit and the entry's rules -----------------------------------------------------------------------


def test_submit_opens_joint_review_then_ra(api, user):
    app = create(api, user)
    r = api.post(f"/applications/{app['id']}/submit")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "SUBMITTED" and body["submitted_at"] and body["version"] == 2
    steps = {s["unit"]["id"]: s for s in body["steps"]}
    assert set(steps) == {"aic:440300", "tax:14403000000", "quality:440300", "ra:5300"}
    assert {s["status"] for u, s in steps.items() if u != "ra:5300"} == {"PENDING"}
    assert steps["ra:5300"]["status"] == "WAITING"
    assert all(
        s["opinion"] == "" and s["reviewer"] is None and s["decided_at"] is None for s in body["steps"]
    )
    assert steps["aic:440300"]["unit"]["dept"] == "aic" and steps["aic:440300"]["unit"]["code"] == "440300"


def test_submit_with_version(api, user):
    app = create(api, user)
    assert_error(api.post(f"/applications/{app['id']}/submit", {"version": 7}), 409, "stale_version")
    assert Application.objects.get(pk=app["id"]).status == Status.DRAFT
    assert api.post(f"/applications/{app['id']}/submit", {"version": 1}).status_code == 200


def test_submit_twice_is_409(api, user):
    app = create(api, user)
    assert api.post(f"/applications/{app['id']}/submit").status_code == 200
    before = snapshot(app["id"])
    assert_error(api.post(f"/applications/{app['id']}/submit"), 409, "not_submittable")
    assert snapshot(app["id"]) == before


@pytest.mark.parametrize(
    "field",
    [
        "name",
        "legal_rep_name",
        "legal_rep_id_type",
        "legal_rep_id_no",
        "legal_person_type",
        "enterprise_type",
        "registered_capital",
        "capital_unit",
        "address",
        "phone",
        "customs_code",
        "aic_unit",
        "tax_unit",
        "quality_unit",
    ],
)
def test_submit_missing_required_field_is_400_and_stays_draft(api, user, field):
    app = create(api, user, **{field: ""})
    before = snapshot(app["id"])
    assert_error(api.post(f"/applications/{app['id']}/submit"), 400, field=field)
    assert snapshot(app["id"]) == before
    assert before[0] == Status.DRAFT and before[4] == 0


def test_submit_enterprise_type_other_needs_text(api, user):
    app = create(api, user, enterprise_type="9")
    assert_error(api.post(f"/applications/{app['id']}/submit"), 400, "required", "enterprise_type_other")
    assert Application.objects.get(pk=app["id"]).status == Status.DRAFT
    api.patch(
        f"/applications/{app['id']}", {"data": {"enterprise_type_other": "农民专业合作社"}, "version": 1}
    )
    r = api.post(f"/applications/{app['id']}/submit")
    assert r.status_code == 200 and r.json()["data"]["enterprise_type_other"] == "农民专业合作社"


def test_enterprise_type_other_text_dropped_for_other_types(api, user):
    app = create(api, user, enterprise_type="6", enterprise_type_other="不该保存")
    assert app["data"]["enterprise_type_other"] == ""


def test_institution_routes_quality_and_ra_only(api, user):
    app = create(api, user, legal_person_type="institution")
    assert app["data"]["aic_unit"] == "" and app["data"]["tax_unit"] == ""
    r = api.post(f"/applications/{app['id']}/submit")
    assert r.status_code == 200, r.content
    assert {s["unit"]["id"] for s in r.json()["steps"]} == {"quality:440300", "ra:5300"}
    assert r.json()["data"]["aic_unit"] == "" and r.json()["data"]["tax_unit"] == ""


def test_institution_ignores_unknown_aic_tax_codes(api, user):
    app = create(api, user, legal_person_type="institution", aic_unit="000000", tax_unit="nonsense")
    assert app["data"]["aic_unit"] == "" and app["data"]["tax_unit"] == ""
    assert api.post(f"/applications/{app['id']}/submit").status_code == 200


def test_institution_still_needs_quality_unit(api, user):
    app = create(api, user, legal_person_type="institution", quality_unit="")
    assert_error(api.post(f"/applications/{app['id']}/submit"), 400, field="quality_unit")


def test_special_routes_ra_only(api, user):
    app = create(api, user, legal_person_type="special", aic_unit="", tax_unit="", quality_unit="")
    r = api.post(f"/applications/{app['id']}/submit")
    assert r.status_code == 200, r.content
    steps = r.json()["steps"]
    assert [(s["unit"]["id"], s["status"]) for s in steps] == [("ra:5300", "PENDING")]
    assert r.json()["data"]["quality_unit"] == ""


def test_switching_back_to_enterprise_requires_units_again(api, user):
    app = create(api, user, legal_person_type="special")
    assert app["data"]["aic_unit"] == ""
    api.patch(f"/applications/{app['id']}", {"data": {"legal_person_type": "enterprise"}, "version": 1})
    assert_error(api.post(f"/applications/{app['id']}/submit"), 400, field="aic_unit")


@pytest.mark.parametrize("uscc, label", [(f.USCC_CANCELLED, "注销"), (f.USCC_REVOKED, "吊销")])
def test_registry_status_abnormal_blocks_submission(uscc, label):
    user = f.cardless(uscc=uscc)
    api = Api(user)
    app = create(api, user)
    e = assert_error(api.post(f"/applications/{app['id']}/submit"), 409, "registry_status_abnormal", "uscc")
    assert label in e["message"]
    assert snapshot(app["id"])[0] == Status.DRAFT and snapshot(app["id"])[4] == 0


# --- save and submit in one request ----------------------------------------------------------------------


def test_create_with_submit_of_an_entry_is_refused_for_its_documents_and_creates_nothing(api, user):
    """An entry's documents are uploaded to a saved draft, so its create-and-submit in one request is refused
    naming them (SPEC, seed 002), leaving nothing behind."""
    r = api.post(
        "/applications",
        {"kind": "enterprise_entry", "data": f.entry_data(user.enterprise.uscc), "submit": True},
    )
    e = assert_error(r, 400, "attachments_required", "doc_type")
    assert "企业营业执照" in e["message"] and "法人身份证件" in e["message"]
    assert not Application.objects.filter(enterprise=user.enterprise).exists()
    assert not AuditEvent.objects.filter(action__startswith="application.").exists()


def test_submit_names_each_missing_document_and_passes_once_uploaded(api, user):
    r = api.post("/applications", {"kind": "enterprise_entry", "data": f.entry_data(user.enterprise.uscc)})
    app = r.json()
    e = assert_error(api.post(f"/applications/{app['id']}/submit"), 400, "attachments_required", "doc_type")
    assert [(d["field"], d["code"]) for d in e["details"]] == [
        ("attachments.business_license", "attachments_required"),
        ("attachments.legal_rep_id", "attachments_required"),
    ]
    assert "企业营业执照" in e["details"][0]["message"]
    assert api.upload(app["id"], make_pdf(), doc_type="business_license").status_code == 201
    e = assert_error(api.post(f"/applications/{app['id']}/submit"), 400, "attachments_required")
    assert [d["field"] for d in e["details"]] == ["attachments.legal_rep_id"]
    assert Application.objects.get(pk=app["id"]).status == Status.DRAFT
    assert api.upload(app["id"], make_pdf(), doc_type="legal_rep_id").status_code == 201
    body = api.post(f"/applications/{app['id']}/submit").json()
    assert body["status"] == "SUBMITTED" and body["version"] == 2
    for action in ("application.create", "application.submit"):
        assert AuditEvent.objects.filter(action=action, object_id=str(body["id"])).exists()


def test_an_institution_submits_with_the_legal_representatives_id_alone(api, user):
    data = f.entry_data(user.enterprise.uscc, legal_person_type="institution")
    app = api.post("/applications", {"kind": "enterprise_entry", "data": data}).json()
    assert api.upload(app["id"], make_pdf(), doc_type="legal_rep_id").status_code == 201
    assert api.post(f"/applications/{app['id']}/submit").json()["status"] == "SUBMITTED"


def test_the_registry_back_fill_is_kept_whatever_the_api_posts():
    user = f.cardless(uscc=f.USCC_SZ)
    api = Api(user)
    data = f.entry_data(f.USCC_SZ, name="冒名公司", legal_rep_name="李鬼")
    body = api.post("/applications", {"kind": "enterprise_entry", "data": data}).json()
    assert body["data"]["name"] == "深圳市前海示范贸易有限公司" and body["data"]["legal_rep_name"] == "张伟"
    r = api.patch(f"/applications/{body['id']}", {"data": {"address": "别处"}, "version": 1})
    assert r.json()["data"]["address"] == "深圳市南山区前海大道1号"


def test_create_with_submit_refused_at_submission_creates_nothing(api, user):
    data = f.entry_data(user.enterprise.uscc, address="")  # a draft may lack it; a submission may not
    assert_error(
        api.post("/applications", {"kind": "enterprise_entry", "data": data, "submit": True}),
        400,
        field="address",
    )
    assert not Application.objects.filter(enterprise=user.enterprise).exists()
    assert not AuditEvent.objects.filter(action__startswith="application.").exists()
    assert (
        api.post("/applications", {"kind": "enterprise_entry", "data": data}).status_code == 201
    )  # as a draft


def test_create_with_submit_refused_by_a_precondition_creates_nothing():
    user = f.cardless(uscc=f.USCC_CANCELLED)
    api = Api(user)
    data = f.entry_data(user.enterprise.uscc)
    r = api.post("/applications", {"kind": "enterprise_entry", "data": data, "submit": True})
    assert_error(r, 409, "registry_status_abnormal", "uscc")
    assert not Application.objects.filter(enterprise=user.enterprise).exists()


def test_patch_with_submit_saves_and_submits_at_once(api, user):
    app = create(api, user, address="")
    r = api.patch(
        f"/applications/{app['id']}",
        {"data": {"address": "深圳市福田区新地址"}, "version": 1, "submit": True},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["status"], body["version"], body["data"]["address"]) == (
        "SUBMITTED",
        3,
        "深圳市福田区新地址",
    )
    assert_error(
        api.patch(f"/applications/{app['id']}", {"data": {}, "version": 3, "submit": True}),
        409,
        "not_editable",
    )


def test_patch_with_submit_refused_at_submission_changes_nothing(api, user):
    app = create(api, user, address="")
    before = snapshot(app["id"])
    r = api.patch(
        f"/applications/{app['id']}", {"data": {"phone": "0755-86009999"}, "version": 1, "submit": True}
    )
    assert_error(r, 400, field="address")
    assert snapshot(app["id"]) == before
    assert not AuditEvent.objects.filter(action="application.update", object_id=str(app["id"])).exists()
    assert_error(
        api.patch(f"/applications/{app['id']}", {"data": {}, "version": 1, "submit": "yes"}), 400
    )  # strict: a boolean, not a word


def test_ra_unit_derived_from_customs_code(api, user):
    app = create(api, user, customs_code="5301")
    r = api.post(f"/applications/{app['id']}/submit")
    assert "ra:5300" in {s["unit"]["id"] for s in r.json()["steps"]}


def test_customs_code_without_card_issuer_refused(api, user):
    assert_error(
        api.post(
            "/applications",
            {"kind": "enterprise_entry", "data": f.entry_data(user.enterprise.uscc, customs_code="53")},
        ),
        400,
        field="customs_code",
    )


# --- 业务办理状态查询 --------------------------------------------------------------------------------------


def _rows(user):
    e = user.enterprise
    made = []
    for i, (status, when) in enumerate(
        [
            (Status.APPROVED, datetime(2026, 3, 1, 0, 5, tzinfo=SH)),
            (Status.APPROVED, datetime(2026, 3, 1, 23, 55, tzinfo=SH)),
            (Status.RETURNED, datetime(2026, 3, 2, 10, 0, tzinfo=SH)),
            (Status.APPROVED, datetime(2026, 2, 28, 23, 59, tzinfo=SH)),
            (Status.DRAFT, None),
        ]
    ):
        made.append(
            Application.objects.create(
                kind="enterprise_entry",
                subject_key=f"enterprise:{e.pk}:{i}",
                enterprise=e,
                applicant=user,
                status=status,
                submitted_at=when,
                number=f"RWTEST{e.pk}{i}",
            )
        )
    return made


def ids(resp):
    assert resp.status_code == 200, resp.content
    return {i["id"] for i in resp.json()["items"]}


def test_list_own_only_with_total(api, user):
    rows = _rows(user)
    _rows(f.cardless())  # another enterprise
    r = api.get("/applications")
    assert ids(r) == {a.id for a in rows} and r.json()["total"] == 5
    item = r.json()["items"][0]
    assert {
        "id",
        "number",
        "kind",
        "status",
        "version",
        "enterprise_name",
        "created_at",
        "submitted_at",
    } <= set(item)


def test_list_filters(api, user):
    a = _rows(user)
    assert ids(api.get("/applications", {"status": "APPROVED"})) == {a[0].id, a[1].id, a[3].id}
    assert ids(api.get("/applications", {"status": "DRAFT"})) == {a[4].id}
    assert ids(api.get("/applications", {"kind": "enterprise_entry", "status": "RETURNED"})) == {a[2].id}
    assert ids(api.get("/applications", {"kind": "forex_filing"})) == set()
    assert ids(api.get("/applications", {"submitted_from": "2026-03-01", "submitted_to": "2026-03-01"})) == {
        a[0].id,
        a[1].id,
    }
    assert ids(api.get("/applications", {"submitted_from": "2026-03-01"})) == {a[0].id, a[1].id, a[2].id}
    assert ids(api.get("/applications", {"submitted_to": "2026-02-28"})) == {a[3].id}
    assert ids(api.get("/applications", {"status": "APPROVED", "submitted_from": "2026-03-01"})) == {
        a[0].id,
        a[1].id,
    }


def test_list_dates_at_the_ends_of_the_calendar(api, user):
    """Found by the fuzzing (test_fuzz.py): 0001-01-01 or 9999-12-31, valid dates, were a 500 (the day's
    start overflowed once turned into UTC); they mean "no bound"."""
    submitted = {a.id for a in _rows(user) if a.submitted_at}
    for params in (
        {"submitted_from": "0001-01-01"},
        {"submitted_to": "9999-12-31"},
        {"submitted_from": "0001-01-01", "submitted_to": "9999-12-31"},
        {"submitted_from": "0001-01-02", "submitted_to": "9999-12-30"},
    ):
        assert ids(api.get("/applications", params)) == submitted, params
        assert api.get("/applications.xlsx", params).status_code == 200, params


def test_list_bad_filters(api, user):
    _rows(user)
    assert_error(
        api.get("/applications", {"submitted_from": "2026-03-02", "submitted_to": "2026-03-01"}),
        400,
        "date_range_invalid",
        "submitted_from",
    )
    assert_error(
        api.get("/applications", {"submitted_from": "2026-13-01"}), 400, "date_invalid", "submitted_from"
    )
    assert_error(api.get("/applications", {"submitted_to": "yesterday"}), 400, "date_invalid", "submitted_to")
    assert_error(api.get("/applications", {"status": "LOST"}), 400, "status_invalid", "status")
    # An unknown kind is a mistake, not an empty list (the OpenAPI lists the kinds)
    assert_error(api.get("/applications", {"kind": "lottery"}), 400, "kind_unknown", "kind")
    assert_error(api.get("/applications.xlsx", {"kind": "lottery"}), 400, "kind_unknown", "kind")


def test_list_paging(api, user):
    rows = _rows(user)
    newest_first = [a.id for a in sorted(rows, key=lambda a: (a.created_at, a.id), reverse=True)]
    p1 = api.get("/applications", {"page": 1, "page_size": 2}).json()
    p3 = api.get("/applications", {"page": 3, "page_size": 2}).json()
    assert [i["id"] for i in p1["items"]] == newest_first[:2] and p1["total"] == 5
    assert [i["id"] for i in p3["items"]] == newest_first[4:] and p3["total"] == 5
    assert api.get("/applications", {"page": 9, "page_size": 2}).json() == {"items": [], "total": 5}
    assert api.get("/applications", {"page_size": 100}).status_code == 200
    assert_error(api.get("/applications", {"page_size": 101}), 400, "page_size_invalid", "page_size")
    assert_error(api.get("/applications", {"page_size": 0}), 400, "page_size_invalid", "page_size")
    assert_error(api.get("/applications", {"page": 0}), 400, "page_invalid", "page")
    assert_error(api.get("/applications", {"page": "x"}), 400, field="page")


def test_issuing_authority_defaults_like_the_screen():
    """发证机构名称 defaults to 工商行政管理局 (SPEC §2) when an API client leaves it out."""

    user = f.cardless()
    data = f.entry_data(user.enterprise.uscc)
    data.pop("issuing_authority_name")
    r = Api(user).post("/applications", {"kind": "enterprise_entry", "data": data})
    assert r.status_code == 201
    assert r.json()["data"]["issuing_authority_name"] == "工商行政管理局"
