"""Self-registration of a card-less enterprise user: the account and, for a USCC nobody has established, the
candidate enterprise row it works on (SPEC §8, accounts/trust.py). Here, not in accounts/, because it makes
or binds an Enterprise: accounts sit below enterprises (docs/architecture.md, Layers)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from eport.accounts import notify
from eport.accounts.forms import RegistrationForm
from eport.accounts.models import User, UserKind
from eport.accounts.services import email_confirmation_send
from eport.audit.services import record
from eport.enterprises.codes import Code
from eport.errors import Conflict, from_form_errors
from eport.throttles import services as throttles

from .models import Enterprise


@transaction.atomic
def account_register(*, data: dict) -> User:
    """Self-registration of a card-less enterprise user. It proves nothing (a USCC is public) and never
    blocks the real enterprise: an established enterprise of that USCC gets one more account waiting to be
    verified (its legal card is told); otherwise the account gets a candidate row of its own (SPEC §8,
    accounts/trust.py). The e-mail address is confirmed by the link mailed now."""
    throttles.registration()  # per client address; counted only if this registration commits
    form = RegistrationForm(data)
    if not form.is_valid():
        error = from_form_errors(form)
        if error.code == "username_taken":  # a state conflict, as when the unique constraint catches it below
            raise Conflict(error.code, error.message, error.field, error.details)
        raise error
    d = form.cleaned_data
    enterprise = Enterprise.objects.filter(uscc=d["uscc"], candidate=False).first()
    if enterprise is None:
        enterprise = Enterprise.objects.create(
            uscc=d["uscc"],
            name=d["enterprise_name"],
            candidate=True,
            contact_name=d["contact_name"],
            contact_phone=d["phone"],
            contact_email=d["email"],
        )
    user = User(
        username=d["username"],
        kind=UserKind.CARDLESS,
        enterprise=enterprise,
        email=d["email"],
        contact_name=d["contact_name"],
        phone=d["phone"],
    )
    user.set_password(d["password"])
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict(Code.USERNAME_TAKEN, _("用户名已被使用。"), "username") from None
    record(
        actor=user,
        action="account.register",
        obj=user,
        after={
            "username": user.username,
            "uscc": enterprise.uscc,
            "enterprise_name": d["enterprise_name"],
            "candidate": enterprise.candidate,
        },
    )
    email_confirmation_send(user=user)
    if not enterprise.candidate:
        notify.account_registered(user)
    return user
