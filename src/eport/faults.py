"""What the product answers when a request cannot be served the normal way: the database is
unreachable, Django refuses the request before any view (a foreign Host, a body over the limit,
malformed multipart), a method is not allowed, or a bug escapes a view.

Every such answer has the shape of the place asked: the API's error JSON under /api/, plain text
under /pki/ (read by other systems and `openssl`), the portal's error page on the screens.
A database outage is 503 with Retry-After everywhere; the connection is checked before reuse
(CONN_HEALTH_CHECKS), so the product recovers by itself when the database is back.
"""

import json
import logging
import sys

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.errors import Code

API_PREFIX = "/api/"
PKI_PREFIX = "/pki/"
RETRY_AFTER_SECONDS = 5

# PostgreSQL SQLSTATEs of a server that went away or cannot take us now: class 08 (connection
# exception), 57P01-57P03 (shut down by an administrator, crashed, starting up or shutting down),
# 53300 (too many connections). Never a bad query, a constraint, a deadlock or a statement timeout:
# those are bugs or conflicts, and must not hide behind "try again later".
_SERVER_GONE = ("57P01", "57P02", "57P03", "53300")


def database_unavailable(exc: BaseException | None) -> bool:
    """True when `exc` says the database connection itself failed (refused, lost, server shutting down)."""
    try:  # loaded only when a database error is to be told apart (never on SQLite)
        import psycopg
    except ImportError:  # SQLite only: an embedded file has no outage to tell apart
        return False
    if isinstance(exc, OperationalError | InterfaceError):
        exc = exc.__cause__  # Django wraps the driver's exception
    # psycopg 3 reports every failed, closed or lost connection as an OperationalError; its
    # InterfaceError means misuse (a closed cursor), a bug, and so does an aborted pipeline.
    if not isinstance(exc, psycopg.OperationalError) or isinstance(exc, psycopg.errors.PipelineAborted):
        return False
    state = exc.sqlstate
    # No SQLSTATE: raised by the client library itself (connection refused, timed out, closed, lost mid-query).
    return state is None or state.startswith("08") or state in _SERVER_GONE


# --- answers --------------------------------------------------------------------------------------------


def error_response(request, status: int, code: str, message, *, field=None) -> HttpResponse:
    path = request.path
    if path.startswith(API_PREFIX):
        return JsonResponse({"error": {"code": code, "message": str(message), "field": field}}, status=status)
    if path.startswith(PKI_PREFIX):
        return HttpResponse(str(message), status=status, content_type="text/plain; charset=utf-8")
    if status >= 500:
        # The page must not need the database, which may be what failed: no signed-in user, no messages.
        # Not at the top: the logging configuration imports this module before the apps are loaded.
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
        return render(request, "web/error.html", {"message": message, "messages": ()}, status=status)
    return render(request, "web/error.html", {"message": message}, status=status)


def unavailable(request) -> HttpResponse:
    response = error_response(request, 503, "database_unavailable", _("系统数据库暂时无法连接，请稍后再试。"))
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _refusal(exc) -> tuple[int, str, str]:
    """Status, code and message for a request Django cannot accept."""
    if isinstance(exc, RequestDataTooBig):
        mb = 1024 * 1024
        return (
            413,
            "request_too_large",
            _("请求数据超过%(limit)d MB的上限；单个附件不能超过%(file)d MB。")
            % {
                "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // mb,
                "file": settings.ATTACHMENT_MAX_BYTES // mb,
            },
        )
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return 400, "too_many_fields", _("请求中的字段或文件过多。")
    if isinstance(exc, MultiPartParserError):
        return 400, "invalid_multipart", _("上传的表单数据格式不正确，请重新选择文件后提交。")
    if isinstance(exc, DisallowedHost):
        return 400, "host_not_allowed", _("本系统不接受这个主机名的请求。")
    return 400, "bad_request", _("请求格式不正确。")


# --- Django's error handlers (urls.py) ------------------------------------------------------------------


def bad_request(request, exception=None):
    return error_response(request, *_refusal(exception))


def permission_denied(request, exception=None):
    return error_response(request, 403, "forbidden", _("您没有使用这个功能的权限。"))


def not_found(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return error_response(request, 404, Code.NOT_FOUND, _("没有这个接口。"))
    return error_response(request, 404, Code.NOT_FOUND, _("页面不存在或您无权查看。"))


def server_error(request):
    # Django calls this inside its `except` block (also for exceptions django-ninja passes on), so the
    # exception is at hand: an outage answers 503, anything else is a bug and stays a 500.
    if database_unavailable(sys.exc_info()[1]):
        return unavailable(request)
    return error_response(request, 500, "server_error", _("系统暂时无法处理，请稍后再试。"))


# --- middleware -----------------------------------------------------------------------------------------


class ApiErrorShapeMiddleware:
    """Outermost: an error under /api/ that did not come from the API's own handlers (django-ninja's
    405, another middleware's plain answer) gets the API's error shape as its body. The response
    itself is kept, with its status and headers (Allow, Retry-After, the security headers)."""

    CODES = {
        400: ("bad_request", gettext_lazy("请求格式不正确。")),
        401: ("not_authenticated", gettext_lazy("请先登录。")),
        403: ("forbidden", gettext_lazy("您没有使用这个功能的权限。")),
        404: (Code.NOT_FOUND, gettext_lazy("没有这个接口。")),
        405: ("method_not_allowed", gettext_lazy("这个接口不支持该请求方法。")),
        413: ("request_too_large", gettext_lazy("请求数据过大。")),
        415: ("unsupported_media_type", gettext_lazy("不支持的请求数据类型。")),
        429: ("throttled", gettext_lazy("请求过于频繁，请稍后再试。")),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        if (
            status < 400
            or not request.path.startswith(API_PREFIX)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        code, message = self.CODES.get(status) or (
            ("server_error", _("系统暂时无法处理，请稍后再试。"))
            if status >= 500
            else ("bad_request", _("请求格式不正确。"))
        )
        body = json.dumps({"error": {"code": code, "message": str(message), "field": None}}).encode()
        if response.streaming:
            response.streaming_content = [body]
            del response["Content-Length"]
        else:
            response.content = body
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(body))
        response["Content-Type"] = "application/json"
        return response


def large_upload(request) -> bool:
    """A multipart POST to a path that takes documents larger than the body limit (settings.LARGE_UPLOAD_PATHS)."""
    return (
        request.method == "POST"
        and request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data")
        and bool(settings.LARGE_UPLOAD_PATHS.match(request.path))
    )


class RequestParseMiddleware:
    """Check the Host and read the body before anything else does: what Django cannot accept (a
    foreign Host, a body over DATA_UPLOAD_MAX_MEMORY_SIZE, malformed multipart, too many fields)
    is answered here as a 4xx in the place's shape, logged as one line, never a traceback from deep
    inside a view or a 400 for what is a 413. Django keeps what was read for the view."""

    FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.get_host()
            if large_upload(request):
                # A document of up to 20 MB (settings.LARGE_UPLOAD_PATHS): the form is parsed as a stream (the
                # file into a temporary file), the body never read whole; over the larger limit, refused unread.
                if int(request.META.get("CONTENT_LENGTH") or 0) > settings.LARGE_UPLOAD_MAX_BYTES:
                    mb = 1024 * 1024
                    per_file = next(
                        n for p, n in settings.LARGE_UPLOAD_FILE_MAX_BYTES if p.match(request.path)
                    )
                    return error_response(
                        request,
                        413,
                        "request_too_large",
                        _("请求数据超过%(limit)d MB的上限；每个文件不能超过%(file)d MB。")
                        % {"limit": settings.LARGE_UPLOAD_MAX_BYTES // mb, "file": per_file // mb},
                    )
                request.POST  # noqa: B018
            elif request.method in ("POST", "PUT", "PATCH", "DELETE"):
                request.body  # noqa: B018
                if request.method == "POST" and request.content_type in self.FORMS:
                    request.POST  # noqa: B018
        except (
            DisallowedHost,
            RequestDataTooBig,
            TooManyFieldsSent,
            TooManyFilesSent,
            MultiPartParserError,
        ) as e:
            return error_response(request, *_refusal(e))
        return self.get_response(request)


# --- logging --------------------------------------------------------------------------------------------


class OutageLogFilter(logging.Filter):
    """During an outage every request fails the same way: one line each naming the cause, not a traceback each."""

    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and database_unavailable(exc):
            message = record.getMessage().replace("%", "%%")
            record.msg, record.args = message + " (database unavailable: %s)", (" ".join(str(exc).split()),)
            record.exc_info = record.exc_text = None
        return True
