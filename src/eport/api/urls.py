"""The JSON API (API.md): one NinjaAPI, routers per domain, one error shape for every refusal."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError

from eport.api.codes import Code
from eport.errors import DomainError, NotFound

from . import (
    accounts,
    agreements,
    applications,
    cards,
    customs_registration,
    declarations,
    export_receipts,
    exports,
    express,
    filings,
    legal_cards,
    operators,
    paperless,
    processing,
    refdata,
    reviews,
)

api = NinjaAPI(
    title="E-Port Identity Authentication API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
for module in (
    accounts,
    refdata,
    applications,
    reviews,
    cards,
    operators,
    filings,
    legal_cards,
    paperless,
    agreements,
    declarations,
    processing,
    customs_registration,
    express,
    export_receipts,
    exports,
):
    api.add_router("", module.router)

# Last of all (add new routers above): any other path under the API answers in the API's error shape,
# not with the screens' HTML 404 page. Django tries URL patterns in order, so real routes win.
_fallback = Router()


@_fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def not_found(request: HttpRequest, rest: str) -> None:
    raise NotFound(Code.NOT_FOUND, _("没有这个接口。"))


api.add_router("", _fallback)


_LOCATIONS = ("body", "query", "path", "form", "file", "header", "cookie")


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str | Promise,
    field: str | None = None,
    details: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": str(message), "field": field}
    if details:
        body["details"] = details
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"error": exc.as_dict()}, status=exc.status)


@api.exception_handler(ValidationError)
def schema_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # Malformed JSON or a missing/mistyped field: 400 naming the field (never a 422 or a 500).
    details: list[dict[str, Any]] = []
    for err in exc.errors:
        # loc is (where, [the view's body parameter,] field...): ("body", "payload", "uscc"), ("query", "page"),
        # ("file", "file"). Strip the leading location words only: a field may itself be called "file".
        loc = [str(x) for x in err.get("loc", ())]
        if loc and loc[0] in _LOCATIONS:
            loc = loc[1:]
        if loc and loc[0] == "payload":
            loc = loc[1:]
        details.append(
            {
                "field": ".".join(loc) or None,
                "code": err.get("type", "invalid"),
                "message": err.get("msg", ""),
            }
        )
    first = details[0] if details else {"field": None}
    kind = "field_required" if any(e.get("type") == "missing" for e in exc.errors) else "invalid_input"
    message = _("请求数据不正确：%(f)s") % {"f": first["field"] or _("请求体")}
    return _error(request, 400, kind, message, first["field"], details)


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "not_authenticated", _("请先登录。"))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
    return _error(request, exc.status_code, codes.get(exc.status_code, "http_error"), str(exc))
