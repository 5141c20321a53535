"""出口收汇 scenarios: an enterprise filed with the 外汇局 forex:440300 whose operator card holds
export_receipt; reviewers of that bureau, of another bureau, and of the customs of the ports."""

from eport.accounts.models import UserKind
from eport.cards.models import CardPermission
from tests import factories as f
from tests.api.helpers import Api

SUBSYSTEM = "export_receipt"
BUREAU = "forex:440300"
OTHER_BUREAU = "forex:440100"
PORT = "5301"  # a sub-office of 深圳海关 (customs:5300)
BASE = "/export-receipts"


def holder(name: str = "深圳出口贸易有限公司", bureau: str = BUREAU, email: str = "exporter@example.com"):
    """(operator card made, its API) of an enterprise filed with `bureau`, its contact mailed."""
    e = f.enterprise_in_network(name=name)
    e.contact_email = email
    e.save(update_fields=["contact_email"])
    f.enterprise_filed(e, "forex", bureau)
    made = f.operator_card(e)
    CardPermission.objects.get_or_create(card=made.card, subsystem_id=SUBSYSTEM)
    return made, Api(made.card.user)


def bureau_reviewer(unit: str = BUREAU, email: str = "forex@example.com"):
    user = f.staff(UserKind.REVIEWER, unit, email=email)
    return user, Api(user)


def customs_reviewer(unit: str = "customs:5300", email: str = "customs@example.com"):
    user = f.staff(UserKind.REVIEWER, unit, email=email)
    return user, Api(user)


def decl_no(port: str = PORT, serial: int = 1) -> str:
    """An export declaration number: 关区 + year + 0 (export) + serial of nine."""
    return f"{port}2026{0}{serial:09d}"


def issued(api, bureau_api, count: int = 3, issue: int | None = None) -> list[str]:
    """Request `count` forms and have the bureau issue `issue` of them: their numbers."""
    no = api.post(f"{BASE}/requests", {"count": count}).json()["request_no"]
    r = bureau_api.post(f"{BASE}/requests/{no}/issue", {"count": issue or count})
    assert r.status_code == 201, r.content
    return [x["form_no"] for x in r.json()["items"]]
