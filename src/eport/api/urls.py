"""The JSON API (API.md): one NinjaAPI, routers per domain, one error shape for every refusal."""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from eport.errors import DomainError

from . import accounts, applications, refdata, reviews

api = NinjaAPI(title="E-Port Identity Authentication API", version="1", urls_namespace="api",
               docs_url="/docs", openapi_url="/openapi.json")
for module in (accounts, refdata, applications, reviews):
    api.add_router("", module.router)


def _error(request, status, code, message, field=None, details=None):
    body = {"code": code, "message": str(message), "field": field}
    if details:
        body["details"] = details
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, {"error": exc.as_dict()}, status=exc.status)


@api.exception_handler(ValidationError)
def schema_error(request, exc: ValidationError):
    # Malformed JSON or a missing/mistyped field: 400 naming the field (never a 422 or a 500).
    details = []
    for err in exc.errors:
        loc = [str(x) for x in err.get("loc", ()) if x not in ("body", "payload", "query", "path", "form", "file")]
        details.append({"field": ".".join(loc) or None, "code": err.get("type", "invalid"), "message": err.get("msg", "")})
    first = details[0] if details else {"field": None}
    kind = "field_required" if any(e.get("type") == "missing" for e in exc.errors) else "invalid_input"
    message = _("请求数据不正确：%(f)s") % {"f": first["field"] or _("请求体")}
    return _error(request, 400, kind, message, first["field"], details)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return _error(request, 401, "not_authenticated", _("请先登录。"))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    codes = {403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
    return _error(request, exc.status_code, codes.get(exc.status_code, "http_error"), str(exc))
