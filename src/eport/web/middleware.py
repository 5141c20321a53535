"""Refuse NUL characters (and JSON's lone surrogate escapes) in a request up front: PostgreSQL cannot
store them in text or JSON, so letting one through would turn a typing accident or a probe into a
server error deep in a query."""

import re
from urllib.parse import unquote

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from eport.faults import large_upload

# "\ud800" not followed by a low half, or "\udc00" not preceded by a high half: no character at all
# (a pair such as "\ud83d\ude00", an emoji, is fine).
LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            message = _("请求中含有不允许的空字符（NUL）或无效字符。")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "nul_character", "message": message, "field": None}}, status=400
                )
            return render(request, "web/error.html", {"message": message}, status=400)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return True
        if request.method not in ("POST", "PUT", "PATCH"):
            return False
        if request.path.startswith("/pki/"):
            return (
                False  # binary DER bodies (OCSP, RFC 6960), never stored: NUL bytes are their normal content
            )
        if large_upload(request):  # parsed as a stream (faults.RequestParseMiddleware): the fields only
            return any("\x00" in v for values in request.POST.lists() for v in values[1])
        if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
            # Read the raw body first: the form is then parsed from that copy, and a view that reads
            # request.body after us (django-ninja, on a JSON endpoint sent a form) still can.
            request.body  # noqa: B018
            # Form fields only: uploaded files may hold any bytes (their content is checked elsewhere).
            return any("\x00" in v for values in request.POST.lists() for v in values[1])
        body = request.body  # read once; Django keeps it for the view
        return b"\x00" in body or b"\\u0000" in body or b"%00" in body or bool(LONE_SURROGATE.search(body))
