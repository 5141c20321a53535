from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from eport.accounts.permissions import CARD_KINDS

from .signin import card_gate

_SKIP = ("/static/", "/api/", "/i18n/", "/pki/")


class CardSessionMiddleware:
    """A card holder's session lasts while the card is usable: lost, frozen, locked, voided or expired
    since sign-in, the next page ends it. A new card (or one just unlocked) must set its PIN first.
    The API enforces the same in its auth layer (api/auth.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.kind in CARD_KINDS
            and not request.path.startswith(_SKIP)
        ):
            gate = card_gate(user)
            if gate == "card_unusable":
                logout(request)
                messages.error(
                    request,
                    _("IC卡已不可用（挂失、冻结、锁定、作废或过期），请重新登录或联系企业/数据分中心。"),
                )
                return redirect("web:card_login")
            allowed = {reverse("web:card_pin"), reverse("web:logout")}
            if gate == "pin_change_required" and request.path not in allowed:
                # say why, or the click seems to do nothing
                messages.warning(request, _("请先修改初始IC卡密码，才能使用其他功能。"))
                return redirect("web:card_pin")
        return self.get_response(request)
