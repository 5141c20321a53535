from django import template
from django.utils.html import format_html

from eport.applications.kinds import get_kind
from eport.cards.models import Card, CardState
from eport.web.links import edit_url, view_url

register = template.Library()


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key, "")


@register.filter
def shown(bound_field):
    """What a read-only screen shows for a field: the choice's label, or the value itself."""
    value = bound_field.value()
    choices = getattr(bound_field.field, "choices", None)
    if choices:
        return dict((str(k), v) for k, v in choices).get(str(value), value or "")
    return value if value not in (None, "") else ""


@register.simple_tag(takes_context=True)
def app_url(context, app, which="view"):
    """The view (or, when editable by the signed-in user, the edit) screen of an application."""
    return view_url(app) if which == "view" else (edit_url(app, context["request"].user) or "")


# --- state colours: one mapping for every state a screen shows (the state is always written out too) ---------

GREEN, AMBER, RED, GREY, BLUE = "green", "amber", "red", "grey", "blue"
TONES = {
    # applications and review steps (applications.models.Status / StepStatus)
    "DRAFT": GREY,
    "SUBMITTED": AMBER,
    "PENDING": AMBER,
    "WAITING": GREY,
    "APPROVED": GREEN,
    "AUTO_APPROVED": GREEN,
    "RETURNED": RED,
    "CLOSED": GREY,
    "CANCELLED": GREY,  # an operator's 已注销
    # the enterprise (NetworkStatus) and its filings (filings.selectors: FILED / NONE)
    "in_network": GREEN,
    "not_in_network": GREY,
    "FILED": GREEN,
    "NONE": GREY,
    # cards (CardState): 正常 green, 挂失/冻结 amber, 作废 grey
    "normal": GREEN,
    "lost": AMBER,
    "frozen": AMBER,
    "lost_frozen": AMBER,
    "voided": GREY,
    # 办理进度 (filings.progress)
    "done": GREEN,
    "in_progress": AMBER,
    "action": BLUE,
    "not_yet": GREY,
    # 代理报关委托 (delegations.models.DelegationState): 已发送 amber, 已接受 green, 已拒绝 red, 到期/撤销 grey
    "SENT": AMBER,
    "ACCEPTED": GREEN,
    "REJECTED": RED,
    "EXPIRED": GREY,
    "REVOKED": GREY,
    # 三方协议 (agreements.models.AgreementState; SENT, APPROVED, RETURNED above): in customs' hands amber
    "RECEIVED": AMBER,
    "TERMINATED": GREY,
    # 随附单据 (declarations.models.DossierState): 已上传 is the declarer's draft, a 重传指令 asks it to act
    "UPLOADED": GREY,
    "DECLARED": GREEN,
    "REUPLOAD_REQUIRED": RED,
    "REUPLOADED": GREEN,
    # 快件通关 (express.models.State): 入库成功 waits for customs, 放行 green, 退单 red
    "received": AMBER,
    "released": GREEN,
    "returned": RED,
}


@register.filter
def tone(value) -> str:
    """The colour class (tone-green, tone-amber, tone-red, tone-grey, tone-blue) of a state: a status code, or
    a card (正常 only while usable: a locked or expired card is amber)."""
    if isinstance(value, Card):
        if value.state == CardState.NORMAL and not value.usable:
            return f"tone-{AMBER}"
        value = value.state
    return f"tone-{TONES.get(str(value), GREY)}"


@register.filter
def kind_label(application) -> str:
    """What an application is called (its kind's label, or 申领/补办法人卡 by its data)."""
    return get_kind(application.kind).label_of(application)


@register.simple_tag
def field_control(bound_field, errors=None, names=None):
    """A form field's control tied to what is said about it (as _input.html does for the account pages):
    aria-invalid and aria-describedby naming its error (error_<name>) and, for a code look-up, the name of
    the unit it stands for (name_<name>, server-rendered so a reopened draft shows it without script,
    announced politely when the look-up changes it)."""
    name = bound_field.name
    error = (errors or {}).get(name)
    lookup = "data-lookup" in bound_field.field.widget.attrs
    described = [f"error_{name}"] if error else []
    if lookup:
        described.append(f"name_{name}")
    attrs = {"aria-invalid": "true"} if error else {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    html = bound_field.as_widget(attrs=attrs)
    if lookup:
        html += format_html(
            '<span class="lookup-note" id="name_{}" aria-live="polite">{}</span>',
            name,
            (names or {}).get(name, ""),
        )
    return html
