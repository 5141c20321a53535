"""Plain dicts of domain rows for the API (the screens render the rows themselves)."""

from django.utils import timezone

from eport.enterprises.services import master_data
from eport.enterprises.trust import account_state
from eport.filings.selectors import enterprise_filings


def unit(u) -> dict | None:
    return None if u is None else {"id": u.id, "dept": u.dept, "code": u.code, "name": u.name}


def step(s) -> dict:
    return {
        "id": s.id,
        "round": s.round,
        "stage": s.stage,
        "unit": unit(s.unit),
        "status": s.status,
        "opinion": s.opinion,
        "reviewer": s.reviewer.username if s.reviewer_id else None,
        "decided_at": s.decided_at,
    }


def application_brief(a) -> dict:
    return {
        "id": a.id,
        "number": a.number,
        "kind": a.kind,
        "status": a.status,
        "version": a.version,
        "enterprise_name": a.enterprise.name,
        "created_at": a.created_at,
        "submitted_at": a.submitted_at,
        "decided_at": a.decided_at,
    }


def attachment(x) -> dict:
    return {
        "id": x.id,
        "doc_type": x.doc_type,
        "name": x.original_name,
        "content_type": x.content_type,
        "size": x.size,
        "uploaded_at": x.uploaded_at,
    }


def application(a) -> dict:
    d = application_brief(a)
    d["data"] = a.data
    d["steps"] = [step(s) for s in a.steps.select_related("unit", "reviewer")]
    d["attachments"] = [attachment(x) for x in a.attachments.all()]
    return d


def review_item(s) -> dict:
    d = step(s)
    a = s.application
    d["application"] = {"id": a.id, "number": a.number, "kind": a.kind, "enterprise_name": a.enterprise.name}
    return d


def enterprise_brief(e) -> dict:
    return {"id": e.id, "uscc": e.code, "name": e.name, "network_status": e.network_status}


def enterprise(e) -> dict:
    filings = {
        k: {
            "status": f["status"],
            "label": f["label"],
            "unit": unit(f["unit"]),
            "filed_at": f["filed_at"],
            "application_id": f["application"].id if f["application"] else None,
        }
        for k, f in enterprise_filings(e).items()
    }
    return {
        "id": e.id,
        "uscc": e.uscc,
        "org_code": e.org_code,
        "name": e.name,
        "enterprise_no": e.enterprise_no,
        "network_status": e.network_status,
        "entered_at": e.entered_at,
        "card_issuer": unit(e.card_issuer),
        "data": master_data(e),
        "filings": filings,
    }


def card(c) -> dict:
    e, cert = c.enterprise, c.certificate
    today = timezone.localdate()
    return {
        "card_no": c.card_no,
        "kind": c.kind,
        "kind_label": str(c.get_kind_display()),
        "state": c.state,
        "state_label": c.display_state,
        "pin_locked": c.pin_locked,
        "usable": c.usable,
        "enterprise": enterprise_brief(e),
        "holder_name": c.holder_name,
        "holder_id_type": c.holder_id_type,
        "holder_id_no": c.holder_id_no,
        "operator_no": c.operator.operator_no if c.operator_id else None,
        "issuer": unit(c.issuer),
        "valid_from": c.valid_from,
        "valid_to": c.valid_to,
        "expired": c.expired,
        "certificate": None
        if cert is None
        else {
            "serial": cert.serial,
            "status": cert.status,
            "reason": cert.reason,
            "not_after": cert.not_after,
        },
        "made_at": c.made_at,
        "last_sign_in_at": c.last_sign_in_at,
        "version": c.version,
        "filings": sorted(f.filing for f in c.filings.all()),
        "permissions": [
            permission(p, today) for p in sorted(c.permissions.all(), key=lambda p: p.subsystem.sort)
        ],
    }


def permission(p, today) -> dict:
    return {
        "code": p.subsystem_id,
        "name": p.subsystem.name,
        "valid_from": p.valid_from,
        "valid_to": p.valid_to,
        "active": p.active_on(today),
    }


def operator(o, open_apps: dict | None = None) -> dict:
    apps = (open_apps or {}).values()
    return {
        "operator_no": o.operator_no,
        "name": o.name,
        "id_type": o.id_type,
        "id_no": o.id_no,
        "phone": o.phone,
        "job_title": o.job_title,
        "email": o.email,
        "status": o.status,
        "status_label": str(o.get_status_display()),
        "registered_here": o.registered_here,
        "enterprise": enterprise_brief(o.enterprise),
        "open_applications": [
            {"id": a.id, "number": a.number, "kind": a.kind, "status": a.status} for a in apps
        ],
        "created_at": o.created_at,
        "updated_at": o.updated_at,
    }


def account(u) -> dict:
    return {
        "id": u.id,
        "username": u.username,
        "contact_name": u.contact_name,
        "phone": u.phone,
        "email": u.email,
        "email_confirmed": u.email_confirmed,
        "state": account_state(u),
        "registered_at": u.date_joined,
        "verified_at": u.verified_at,
        "verified_by": u.verified_by or None,
        "closed_at": u.closed_at,
        "closed_reason": u.closed_reason,
    }
