"""海关企业管理 scenarios: an enterprise with an approved customs filing (海关编码 reg_no, 主管海关 5301 under
深圳海关 5300) whose cards hold enterprise_mgmt, and its registration ending on a chosen day."""

import datetime as dt

from django.utils import timezone

from eport.cards.models import CardPermission
from eport.customs_registration.models import Registration
from eport.customs_registration.services import registration_ensure
from eport.filings.models import EnterpriseFiling
from eport.refdata.models import Unit
from tests import factories as f
from tests.api.helpers import Api

SUBSYSTEM = "enterprise_mgmt"


def grant(made):
    CardPermission.objects.get_or_create(card=made.card, subsystem_id=SUBSYSTEM)
    return made


def registered(
    name: str = "深圳注册登记测试有限公司", reg_no: str = "4403960101", days: int = 60, customs="5301"
):
    """(enterprise, legal card made, its API): filed with customs, its registration ending in `days`."""
    e = f.enterprise_in_network(name=name, customs=customs)
    e.contact_email = f"reg{reg_no}@example.com"
    e.address = "深圳市南山区测试路1号"
    e.save(update_fields=["contact_email", "address"])
    EnterpriseFiling.objects.create(
        enterprise=e,
        filing="customs",
        unit=Unit.objects.get(pk="customs:5300"),
        data={"customs_code": customs, "filing_customs": "5300", "reg_no": reg_no},
    )
    reg = registration_ensure(e)
    Registration.objects.filter(pk=reg.pk).update(valid_until=timezone.localdate() + dt.timedelta(days=days))
    legal = grant(f.legal_card(e))
    return e, legal, Api(legal.card.user)


def qiguan(unit_id: str = "customs:5300", email: str = "qiguan@example.com"):
    """A 企管 reviewer of the customs unit (and its API)."""
    u = f.staff("reviewer", unit_id, email=email)
    return u, Api(u)
