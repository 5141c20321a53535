"""快件通关 scenarios: an express operator (an enterprise in the network, an operator card holding
`express`), customs reviewers of 深圳 (customs:5300, over 5301 皇岗) and of 北京 (customs:0100)."""

from eport.accounts.models import UserKind
from eport.cards.models import CardPermission
from tests import factories as f
from tests.api.helpers import Api

SUBSYSTEM = "express"


def operator(name: str = "深圳速递有限公司", email: str = "express@example.com"):
    """(operator card made, its API) of an express operator whose contact address is `email`."""
    e = f.enterprise_in_network(name=name)
    e.contact_email = email
    e.save(update_fields=["contact_email"])
    made = f.operator_card(e)
    CardPermission.objects.get_or_create(card=made.card, subsystem_id=SUBSYSTEM)
    return made, Api(made.card.user)


def customs(unit: str = "customs:5300", email: str = "hg5300@example.com"):
    user = f.staff(UserKind.REVIEWER, unit, email=email)
    return user, Api(user)


def row(sub: str = "SF0001", **over) -> dict:
    data = {
        "sub_waybill": sub,
        "party": "张三",
        "goods": "书籍",
        "quantity": 2,
        "value": "150.00",
        "currency": "142",
        "port": "5301",
        "transport_mode": "5",
        "flight_no": "CA1234",
        "date": "2026-12-01",
    }
    data.update(over)
    return data


def line(sub: str = "SF0001", **over) -> dict:
    data = {"sub_waybill": sub, "pieces": 1, "weight": "2.5", "flight_no": "CA1234"}
    data.update(over)
    return data


def import_body(subs=("SF0001", "SF0002"), waybill: str = "999-12345678", category: str = "KJ2") -> dict:
    return {
        "direction": "I",
        "category": category,
        "waybill": waybill,
        "declarations": [row(s) for s in subs],
        "manifest": [line(s) for s in subs],
    }


def export_body(subs=("EX0001",), waybill: str = "781-00000001", category: str = "B") -> dict:
    return {
        "direction": "E",
        "category": category,
        "waybill": waybill,
        "declarations": [row(s, party="李四", currency="502", port="5304") for s in subs],
    }
