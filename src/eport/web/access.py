"""Who may open a screen: `signed_in` and the decorators built on it, defined once for every screen module.

A decorator asks accounts/permissions.py (an actor group or a rule) and turns its answer into a page: the
sign-in page, 403, or the card-less account's own page when it may not act for its enterprise yet
(accounts/trust.py). It holds no rule of its own; the API asks the same module.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from eport.accounts import permissions
from eport.accounts.models import User
from eport.accounts.trust import trust_refusal
from eport.errors import Forbidden, NotFound

from .refusals import Refusal, error_page


class SignedIn(HttpRequest):
    """A screen's request past `signed_in` (or a decorator built on it): `user` is the signed-in account."""

    user: User


def signed_in(kinds=None, login_url=None, trusted=True, allow=None):
    """The view's actors: `kinds` (an actor group of accounts/permissions.py) or `allow` (one of its rules,
    actor -> bool). A card-less account that may not act for its enterprise yet (accounts/trust.py) is sent
    to its account page, which says why (`trusted=False`: the pages that help it get there)."""

    def deco(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), login_url)
            if (kinds and request.user.kind not in kinds) or (allow is not None and not allow(request.user)):
                return error_page(request, _("您没有使用这个功能的权限。"), 403)
            if trusted and trust_refusal(request.user) is not None:
                return redirect("web:account")  # which says why
            # What the view did not turn into its own page: the row is not the actor's (404) or not for it (403).
            with Refusal(only=(NotFound, Forbidden)) as refusal:
                return view(request, *args, **kwargs)
            return refusal.page(request)

        return wrapper

    return deco


# The card-less user's own screens (三证合一 entry, 补办法人卡), and those that help it get trusted.
enterprise_only = signed_in(allow=permissions.is_card_less)
cardless_account = signed_in(allow=permissions.is_card_less, trusted=False)
# Who acts for an enterprise (its card-less user, its legal card): its filings, operators, status query.
enterprise_actor = signed_in(allow=permissions.is_enterprise_actor, login_url="web:login")
legal_card_only = signed_in(allow=permissions.is_legal_card, login_url="web:card_login")
reviewer_only = signed_in(allow=permissions.is_staff)
# An application's page and its attachments; the selectors then scope the rows.
application_reader = signed_in(permissions.APPLICATION_READERS)
