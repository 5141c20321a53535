from django.shortcuts import redirect
from django.urls import reverse

# Paths a user with an initial password may still reach: the change page itself, sign-out, static files.
_ALLOWED_PREFIXES = ("/static/", "/api/", "/i18n/")


class ForcePasswordChangeMiddleware:
    """A first sign-in with an initial password must change it before anything else (SPEC §1).

    The API enforces the same rule in its auth layer; this covers the screens.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse("web:password_change"), reverse("web:logout")}
            if request.path not in allowed and not request.path.startswith(_ALLOWED_PREFIXES):
                return redirect("web:password_change")
        return self.get_response(request)
