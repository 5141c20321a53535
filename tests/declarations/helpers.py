"""The 随附单据 tests' world: declaring enterprises with cards holding the permission, brokers, customs."""

import io

from eport.enterprises.models import Enterprise
from tests import factories as f
from tests.api.helpers import API, Api

from . import pdfs


def decl_no(serial: int = 1, customs: str = "5300", direction: str = "I") -> str:
    """A 报关单号: 关区 (4) + year (4) + 进出口标志 (1: 进口, 0: 出口) + serial (9)."""
    return f"{customs}2026{'1' if direction == 'I' else '0'}{serial:09d}"


def declarer(rights=("entry", "declare"), customs: str = "5300", kind: str = "operator", enterprise=None):
    """An enterprise with an approved agreement for the 关区 and a card holding 报关单电子随附单据 with
    `rights`; answers (enterprise, its card's Api)."""
    e = enterprise or f.enterprise_in_network()
    Enterprise.objects.filter(pk=e.pk).update(contact_email=f"contact-{e.pk}@example.com")
    e.refresh_from_db()
    if customs:
        f.agreement_approved(e, customs)
    made = f.legal_card(e) if kind == "legal" else f.operator_card(e)
    f.documents_permission(made, rights)
    return e, Api(made.card.user)


def another_card(enterprise, rights=("entry", "declare")) -> Api:
    made = f.documents_permission(f.operator_card(enterprise, name="赵六"), rights)
    return Api(made.card.user)


def open_(api, number, consignor, customs="5300", direction="I"):
    return api.post(
        "/declarations",
        {"decl_no": number, "consignor": consignor.code, "customs": customs, "direction": direction},
    )


def upload(api, number, content: bytes, doc_type: str = "invoice", name: str = "invoice.pdf"):
    fh = io.BytesIO(content)
    fh.name = name
    return api.client.post(
        f"{API}/declarations/{number}/documents", {"doc_type": doc_type, "file": fh}, headers=api._headers()
    )


def declared(api, number, consignor, customs="5300", direction="I"):
    """A dossier opened, an invoice uploaded and declared."""
    r = open_(api, number, consignor, customs, direction)
    assert r.status_code == 201, r.content
    r = upload(api, number, pdfs.good())
    assert r.status_code == 201, r.content
    r = api.post(f"/declarations/{number}/declare")
    assert r.status_code == 200, r.content
    return r.json()


def doc_row(detail: dict, doc_type: str) -> dict:
    return next(d for d in detail["documents"] if d["doc_type"] == doc_type)
