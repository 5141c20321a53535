"""The one place a screen turns a service's refusal (a DomainError) into what the user sees.

    with Refusal() as refusal:
        services.something(...)
    if refusal: ...

A DomainError raised in the block is kept instead of raised; after it the Refusal is true when the call
was refused and offers the refusal as a page wants it: `errors(form)` beside each field with the rest in
the summary at the top, `message` for one line, `status` for the response (200 when nothing was refused),
`flash(request)` as a message for the page a redirect lands on, `page(request)` as the error page.
`act()` is the one-click form of it (a POST from a list or panel: a message either way).
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from eport.applications import services
from eport.errors import DomainError, NotFound

if (
    TYPE_CHECKING
):  # a refusal's or a notice's text: a str or gettext_lazy's (django-stubs' name, for mypy only)
    from django_stubs_ext import StrOrPromise as Message


class Refusal:
    def __init__(
        self,
        *,
        only: tuple[type[DomainError], ...] = (DomainError,),
        passes: tuple[type[DomainError], ...] = (),
    ) -> None:
        self.only = only  # the refusals it keeps (the access decorators': NotFound and Forbidden)
        self.passes = passes  # refusals the block lets through (e.g. NotFound, for the 404 page)
        self.exc: DomainError | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if exc is None or not isinstance(exc, self.only) or isinstance(exc, self.passes):
            return False
        self.exc = exc
        return True

    def __bool__(self) -> bool:
        return self.exc is not None

    @property
    def message(self) -> Message | None:
        return self.exc.message if self.exc is not None else None

    @property
    def code(self) -> str | None:
        return self.exc.code if self.exc is not None else None

    @property
    def status(self) -> int:
        return self.exc.status if self.exc is not None else 200

    def errors(
        self, form: forms.BaseForm | None = None, *, beside: tuple[str, ...] = ()
    ) -> dict[str, Message]:
        """Field -> message for the template; "nonfield" (the summary at the top) for what names no field,
        or none of the form's fields (e.g. a stale version). `beside`: controls the page has besides the
        form's fields (the attachment upload): a refusal naming one is shown there, whole."""
        if self.exc is None:
            return {}
        exc = self.exc
        if exc.field in beside:
            return {exc.field: exc.message}
        out: dict[str, Message] = {}
        for d in exc.details or [{"field": exc.field, "message": str(exc.message)}]:
            out.setdefault(d["field"] or "nonfield", d["message"])
        if exc.field is None and "nonfield" not in out:
            out["nonfield"] = str(exc.message)
        if form is not None:
            for key in [k for k in out if k not in form.fields and k != "nonfield"]:
                out.setdefault("nonfield", out.pop(key))
        return out

    def flash(self, request: HttpRequest) -> None:
        assert self.exc is not None, "only a refusal is flashed (the callers ask `if refusal` first)"
        messages.error(request, self.exc.message)

    def page(self, request: HttpRequest) -> HttpResponse:
        return error_page(request, self.message, self.status)


def error_page(request: HttpRequest, message: Message | None, status: int) -> HttpResponse:
    return render(request, "web/error.html", {"message": message}, status=status)


def act(request: HttpRequest, action: Callable[[], Any], done: Message | Callable[[Any], Message]) -> bool:
    """Run a one-click action (a POST from a list or panel) and tell the user how it went, as a message
    for the page the view then redirects to: `done`, or `done(result)` when it is a function of what the
    action answered. NotFound propagates (the access decorator answers 404). True when it went through."""
    with Refusal(passes=(NotFound,)) as refusal:
        result = action()
    if refusal:
        refusal.flash(request)
        return False
    messages.success(request, done(result) if callable(done) else done)
    return True


def start_refusal(actor: object, kind: str, data: dict | None = None) -> Refusal:
    """Why a new application of the kind may not start now (the screen then offers no 新增 or form, and
    says why); a false Refusal when it may."""
    with Refusal() as refusal:
        services.application_check_start(actor=actor, kind=kind, data=data)
    return refusal
