"""Test data: accounts, units, valid 三证合一 data, applications in any state."""

import itertools

from eport.accounts.models import User, UserKind
from eport.applications import services
from eport.enterprises.models import Enterprise
from eport.refdata.models import Unit
from eport.validators import make_uscc

PASSWORD = "Eport#Pass2026"
_seq = itertools.count(1)

# The demo registry rows (src/eport/registry/data/demo_registry.csv)
USCC_SZ = "91440300MA5DDEM15K"        # 正常, 深圳
USCC_INSTITUTION = "1244030045576DEM0X"  # 事业单位
USCC_COOP = "N2440300MA5DDEM58G"      # 农业合作社 (registration authority N)
USCC_CANCELLED = "91440300MA5DDEM66U"
USCC_REVOKED = "91440300MA5DDEM74N"


def new_uscc() -> str:
    n = next(_seq)
    return make_uscc("91", "440300", f"T{n:07d}")


def cardless(uscc: str | None = None, name: str = "测试企业有限公司", username: str | None = None) -> User:
    uscc = uscc or new_uscc()
    enterprise, _ = Enterprise.objects.get_or_create(uscc=uscc, defaults={"name": name})
    user = User(username=username or f"ent{next(_seq)}", kind=UserKind.CARDLESS, enterprise=enterprise)
    user.set_password(PASSWORD)
    user.save()
    return user


def staff(kind: str, unit_id: str | None, username: str | None = None, **extra) -> User:
    user = User(username=username or f"{kind}{next(_seq)}", kind=kind,
                unit=Unit.objects.get(pk=unit_id) if unit_id else None, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def entry_data(uscc: str, **over) -> dict:
    data = {
        "uscc": uscc, "name": "深圳测试贸易有限公司", "legal_rep_name": "张三",
        "legal_rep_id_type": "resident_id", "legal_rep_id_no": "11010519491231002X",
        "legal_person_type": "enterprise", "enterprise_type": "6", "registered_capital": "500",
        "capital_unit": "wan_yuan", "address": "深圳市南山区科技园1号", "phone": "0755-86001234",
        "aic_unit": "440300", "tax_unit": "14403000000", "quality_unit": "440300",
        "issuing_authority_name": "深圳市市场监督管理局", "customs_code": "5300",
    }
    data.update(over)
    return data


def draft_entry(user: User, **over):
    return services.application_create(actor=user, kind="enterprise_entry",
                                       data=entry_data(user.enterprise.uscc, **over))


def submitted_entry(user: User, **over):
    app = draft_entry(user, **over)
    return services.application_submit(actor=user, application_id=app.id)


# Reviewers of the units a Shenzhen entry is routed to, and some above them.
def reviewers() -> dict[str, User]:
    return {
        "aic": staff(UserKind.REVIEWER, "aic:440300"),
        "tax": staff(UserKind.REVIEWER, "tax:14403000000"),
        "quality": staff(UserKind.REVIEWER, "quality:440300"),
        "ra": staff(UserKind.RA, "ra:5300"),
        "aic_province": staff(UserKind.REVIEWER, "aic:440000"),
        "aic_beijing": staff(UserKind.REVIEWER, "aic:110000"),
    }
