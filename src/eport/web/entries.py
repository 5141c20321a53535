"""三证合一: the card-less user's entry (新增, 修改) and the legal card's 三证合一信息变更, on the one
application page (pages.py) with the 三证合一 form."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from eport.applications import selectors
from eport.enterprises.forms import EnterpriseDataForm, registry_locked
from eport.enterprises.kinds import EnterpriseChange, EnterpriseEntry
from eport.registry.adapters import registry
from eport.registry.models import RegistryStatus

from .access import enterprise_only, legal_card_only
from .applications import deleting, view_page
from .forms import code_names, entry_form
from .pages import ApplicationPage, posted


def _entry_page(page: ApplicationPage, **extra):
    """The 三证合一 form of the page's application: its data (or what was posted), the registry's state
    of the enterprise, the refusal beside the fields."""
    enterprise = page.enterprise
    assert enterprise is not None, (
        "a card-less account registers with its enterprise (enterprises/registration.py)"
    )
    data = page.form_data
    # The entry keeps what the registry back-filled (enterprises.forms.registry_locked): shown grey, read-only.
    locked = registry_locked(enterprise.uscc or "") if page.kind.code == EnterpriseEntry.code else {}
    form = entry_form(
        data, uscc_editable=not enterprise.uscc, locked=locked
    )  # USCC: first approved by org code
    entry = registry().lookup(data.get("uscc") or enterprise.code)
    return page.render(
        "web/entry_form.html",
        form,
        names=code_names({**data, **locked}),
        registry_status=RegistryStatus(entry.status) if entry else None,
        registry_abnormal=entry is not None and entry.status != RegistryStatus.NORMAL,
        **extra,
    )


def _posted_entry(request) -> dict:
    return posted(request, EnterpriseDataForm)


def _after_entry(app, submitted: bool) -> str:
    """Submitted: its page, read-only while in review; saved: on with its form (attachments next)."""
    return reverse("web:application_view" if submitted else "web:entry_edit", args=[app.id])


@enterprise_only
def entry_new(request):
    page = ApplicationPage(request, EnterpriseEntry.code, app=None)
    if not page.posting:
        if page.start_refusal:
            page.start_refusal.flash(request)
            return redirect("web:entries")
        return _entry_page(page)
    return page.save(_posted_entry(request), then=_after_entry) or _entry_page(page)


@enterprise_only
def entry_edit(request, app_id):
    app = selectors.application_get(request.user, app_id)
    if not app.is_editable or app.kind != EnterpriseEntry.code:
        messages.info(request, _("申请正在审核中或已审核通过，只可以查看，不能修改。"))
        return redirect("web:application_view", app.id)
    page = ApplicationPage(request, EnterpriseEntry.code, app=app)
    if not page.posting:
        return _entry_page(page)
    return page.save(_posted_entry(request), then=_after_entry) or _entry_page(page)


def _change_page(page: ApplicationPage):
    app, latest = page.app, page.history.first()
    return _entry_page(
        page,
        is_change=True,
        can_delete=app is not None and app.is_deletable,
        latest=latest if latest and latest != app else None,
        back_url=reverse("web:card_home"),
    )


@legal_card_only
def enterprise_change(request):
    """三证合一信息变更: the open change — editable while DRAFT or RETURNED (a draft can be deleted), its
    steps (操作中心 and every joint-review unit) while in review — or a new one from the master record."""
    page = ApplicationPage(request, EnterpriseChange.code)
    app = page.app
    if page.posting:
        if request.POST.get("action") == "delete" and app is not None:
            deleting(request, app.id)
            return redirect("web:enterprise_change")
        return page.save(_posted_entry(request)) or _change_page(page)
    if app is not None and not app.is_editable:
        return view_page(request, app)
    if page.start_refusal:
        return page.start_refusal.page(request)
    return _change_page(page)
