"""报关企业 screens (SPEC §6.2): 报关企业注册 (the broker_registration kind on the one application page) and
查找报关企业 (approved brokers by 组织机构代码, 海关编码 or name). The rules are eport.delegations', shared
with the API."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport import exports
from eport.accounts import permissions
from eport.accounts.permissions import enterprise_for_reading
from eport.applications.kinds import get_kind
from eport.delegations import selectors

from .access import enterprise_actor, signed_in
from .forms import kind_form
from .pages import form_page
from .paging import export_query, page_of, pager
from .refusals import Refusal

REGISTRATION_HINT = gettext_lazy(
    "已入网的企业可以在此注册为报关企业，由主管海关所属直属海关的报关协会审核；审核通过后，委托方可以查找到本企业。"
    "企业名称取自本企业信息；海关编码为10位数字；主管海关至少输入两位数字后从提示中选择。"
)


@enterprise_actor
def broker_registration(request):
    """报关企业注册: 暂存, 申报; once approved the page shows the broker's record (注册通过)."""
    enterprise = enterprise_for_reading(request.user)
    kind = get_kind("broker_registration")
    broker = selectors.broker_of(enterprise)
    readonly = None
    if broker is not None:
        app = broker.application
        readonly = kind_form(kind, app.data if app else {})
    return form_page(
        request,
        kind.code,
        title=kind.label,
        hint=REGISTRATION_HINT,
        history_title=_("注册记录"),
        state=_("注册通过") if broker is not None else None,
        state_code="FILED" if broker is not None else None,
        readonly_form=readonly,
    )


@signed_in(permissions.ENTERPRISE_USERS)
def brokers(request):
    """查找报关企业: one query box (组织机构代码 / 海关编码 / 名称), 查询 and 重置; approved brokers only."""
    q = {"q": (request.GET.get("q") or "").strip()}
    qs = selectors.brokers(request.user, q["q"])
    if request.GET.get("export") == "xlsx":
        with Refusal() as refusal:
            return exports.xlsx_response(request, "brokers", qs, q)
        refusal.flash(request)
    rows, total, number = page_of(request, qs)
    return render(
        request,
        "web/brokers.html",
        {"rows": rows, "q": q, "export_query": export_query(q), **pager(total, number, q)},
    )
