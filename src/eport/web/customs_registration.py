"""海关企业管理 screens (SPEC §6.7; seed 000 海关企业管理网上办事平台): 报关单位注册登记 (the registration,
its reminders, 报送年度报告, the 变更 / 延续 applications with 导出Excel) and the 变更 and 延续 pages on the one
application page. Every rule is eport.customs_registration's, shared with the API."""

from django.shortcuts import redirect
from django.shortcuts import render as render_page
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from eport import exports
from eport.cards.models import CardKind
from eport.cards.selectors import subsystem_card
from eport.customs_registration import selectors, services
from eport.customs_registration.selectors import CHANGE_KIND, RENEWAL_KIND, SUBSYSTEM

from .access import legal_card_only
from .cards import card_only
from .pages import form_page
from .paging import page_of, pager
from .refusals import Refusal, act


@card_only
def registration(request):
    """报关单位注册登记: the registration, the reminders, 报送年度报告, and the 变更 / 延续 applications."""
    with Refusal() as refusal:
        reg = selectors.registration_of(request.user)
        qs = selectors.applications(request.user)
        if request.GET.get("export") == "xlsx":
            return exports.xlsx_response(request, "applications", qs, {})
    if refusal:
        return refusal.page(request)
    rows, total, number = page_of(request, qs.select_related("enterprise"))
    return render_page(
        request,
        "web/customs_registration.html",
        {
            "r": selectors.registration_view(reg),
            "reminders": selectors.reminders(request.user.card),
            "rows": rows,
            "is_legal": request.user.card.kind == CardKind.LEGAL,
            **pager(total, number, {}),
        },
    )


@card_only
@require_POST
def annual_report(request):
    with Refusal() as refusal:  # a card without the subsystem: refused as such, not a message on a page
        selectors.registration_of(request.user)
    if refusal:
        return refusal.page(request)
    act(
        request,
        lambda: services.annual_report_submit(request.user, ip=request.client_ip),
        lambda reg: _("已报送 %(y)d 年度报告。") % {"y": reg.annual_report_year},
    )
    return redirect("web:customs_registration")


CHANGE_HINT = gettext_lazy(
    "变更报关单位注册登记的企业类别、经营场所或报关业务联系人：填写后上传变更后的企业营业执照，申报后由注册海关"
    "（直属海关）企管审核，审核通过后登记信息即变更。企业名称、住所和法定代表人请通过三证合一信息变更办理。"
)
RENEWAL_HINT = gettext_lazy(
    "报关有效期届满前90天内（或届满后）可以申请延续：上传报关单位登记证，申报后由注册海关（直属海关）企管审核，"
    "审核通过后报关有效期延长三年（自原有效期届满之日起；已届满的自审核通过之日起）。"
)


def _kind_page(request, kind: str, title, hint):
    with Refusal() as refusal:
        subsystem_card(request.user, SUBSYSTEM)
    if refusal:
        return refusal.page(request)
    return form_page(request, kind, title=title, hint=hint, history_title=_("申请记录"))


@legal_card_only
def change(request):
    return _kind_page(request, CHANGE_KIND, _("报关单位注册登记变更"), CHANGE_HINT)


@legal_card_only
def renewal(request):
    return _kind_page(request, RENEWAL_KIND, _("报关单位注册登记延续"), RENEWAL_HINT)
