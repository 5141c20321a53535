"""加贸权限管理 scenarios: a granting enterprise whose legal card holds processing_trade, and grantees filed
with customs under their 10-digit 海关注册编码 (the filings' own tests file them for real)."""

from eport.cards.models import CardPermission
from eport.filings.models import EnterpriseFiling
from eport.refdata.models import Unit
from tests import factories as f
from tests.api.helpers import Api

SUBSYSTEM = "processing_trade"


def grant_subsystem(made):
    CardPermission.objects.get_or_create(card=made.card, subsystem_id=SUBSYSTEM)
    return made


def customs_filed(enterprise, reg_no: str):
    return EnterpriseFiling.objects.create(
        enterprise=enterprise,
        filing="customs",
        unit=Unit.objects.get(pk="customs:5300"),
        data={"reg_no": reg_no},
    )


def grantor(reg_no: str = "4403960001", name: str = "深圳加工贸易有限公司"):
    """(legal card made, its API) of an enterprise with its own customs filing."""
    legal = grant_subsystem(f.legal_card(f.enterprise_in_network(name=name)))
    customs_filed(legal.card.enterprise, reg_no)
    return legal, Api(legal.card.user)


def grantee(reg_no: str = "4403960002", name: str = "东莞代理报关有限公司"):
    """(enterprise, its legal card made, its API): filed with customs, its contact mailed."""
    e = f.enterprise_in_network(name=name)
    e.contact_email = f"grantee{reg_no}@example.com"
    e.save(update_fields=["contact_email"])
    customs_filed(e, reg_no)
    legal = grant_subsystem(f.legal_card(e))
    return e, legal, Api(legal.card.user)


def body(**over) -> dict:
    data = {
        "book_type": "manual",
        "grantee_customs_code": "4403960002",
        "category": "合同手册",
        "internal_no": "C5300A000001",
        "rights": "101",
    }
    data.update(over)
    return data
