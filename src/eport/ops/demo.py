"""Demo data: registry rows, one card-less enterprise user, reviewers of every unit a Shenzhen entry
visits (and the province above them), a data sub-centre officer, an administrator. Idempotent."""

import json

from django.conf import settings
from django.db import transaction

from eport.accounts.models import User, UserKind
from eport.accounts.services import account_register
from eport.registry.importer import DEMO_CSV, import_csv

PASSWORD = "Eport@2026"
DEMO_USCC = "91440300MA5DDEM15K"
STAFF = [
    ("aic_sz", UserKind.REVIEWER, "aic:440300", "深圳市市场监督管理局（工商审核）"),
    ("aic_gd", UserKind.REVIEWER, "aic:440000", "广东省市场监督管理局（可审核深圳等下级单位）"),
    ("tax_sz", UserKind.REVIEWER, "tax:14403000000", "国家税务总局深圳市税务局"),
    ("quality_sz", UserKind.REVIEWER, "quality:440300", "深圳市质量技术监督局（技监审核）"),
    ("ra_sz", UserKind.RA, "ra:5300", "深圳海关电子口岸数据分中心（操作中心）"),
]


@transaction.atomic
def create_demo() -> list[dict]:
    import_csv(DEMO_CSV)
    accounts = []
    if not User.objects.filter(username="demo").exists():
        account_register(data={"username": "demo", "password": PASSWORD, "uscc": DEMO_USCC,
                               "enterprise_name": "深圳市前海示范贸易有限公司", "contact_name": "王小明",
                               "phone": "13800138000", "email": "demo@example.com"})
    accounts.append({"username": "demo", "password": PASSWORD, "role": "无卡用户（企业）",
                     "note": "深圳市前海示范贸易有限公司 " + DEMO_USCC})
    from eport.refdata.models import Unit

    for username, kind, unit_id, label in STAFF:
        user, created = User.objects.get_or_create(username=username, defaults={"kind": kind,
                                                                                 "unit": Unit.objects.get(pk=unit_id)})
        if created:
            user.set_password(PASSWORD)
            user.save()
        accounts.append({"username": username, "password": PASSWORD, "role": str(UserKind(kind).label),
                         "note": f"{unit_id} {label}"})
    admin, created = User.objects.get_or_create(username="admin", defaults={
        "kind": UserKind.ADMIN, "is_staff": True, "is_superuser": True})
    if created:
        admin.set_password(PASSWORD)
        admin.save()
    accounts.append({"username": "admin", "password": PASSWORD, "role": "系统管理员", "note": "/admin/"})
    # The landing page lists these while the file exists (delete it to hide the demo accounts).
    (settings.DATA_DIR / "demo_accounts.json").write_text(json.dumps(accounts, ensure_ascii=False, indent=1))
    return accounts
