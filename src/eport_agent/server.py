"""The agent's HTTP service: ``GET /card``, ``POST /sign`` and ``POST /sign-document`` on 127.0.0.1, for the portal's page only.

See the package docstring for the protocol. Every request goes through the same gate, in this order:
``Host`` (DNS rebinding), ``Origin`` (which web pages may call), route and method, then the body.
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .cards import Card
from .documents import NotSignedAttributes, read_signed_attributes

CHALLENGE_PREFIX = b"eport-card-challenge:v1:"
MAX_NONCE_BYTES = 256
MAX_BODY_BYTES = 8 * 1024
# An oversized or refused body is read and thrown away up to this size before answering, so the client
# is not cut off (TCP reset) while it is still sending; anything larger just gets the connection closed.
MAX_DRAIN_BYTES = 1024 * 1024

ROUTES = {"/card": "GET", "/sign": "POST", "/sign-document": "POST"}


class AgentServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, card: Card, allowed_origins: set[str], port: int = 0):
        self.card = card
        self.allowed_origins = set(allowed_origins)
        super().__init__(("127.0.0.1", port), AgentHandler)

    def handle_error(self, request, client_address):
        """A client that went away mid-answer: one line, not the stdlib's traceback."""
        error = sys.exc_info()[1]
        sys.stderr.write(f"eport-card-agent: connection error: {type(error).__name__}\n")
        sys.stderr.flush()

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def allowed_hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}


class Refusal(Exception):
    def __init__(self, status: HTTPStatus, code: str, message: str, headers: dict | None = None):
        super().__init__(code)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class AgentHandler(BaseHTTPRequestHandler):
    server: AgentServer
    server_version = "eport-card-agent"
    timeout = 15  # seconds a client may take to send its request

    def version_string(self):
        return self.server_version

    # --- entry points -------------------------------------------------------------------------------

    def _handle(self):
        self._cors_origin = None
        self._body_consumed = False
        try:
            self._check_host()
            self._cors_origin = self._check_origin()
            path = urlsplit(self.path).path
            method = ROUTES.get(path)
            if method is None:
                raise Refusal(HTTPStatus.NOT_FOUND, "not_found", "未找到该地址")
            if self.command == "OPTIONS":
                return self._preflight(method)
            if self.command != method:
                raise Refusal(
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    "不支持该请求方法",
                    {"Allow": f"{method}, OPTIONS"},
                )
            if path == "/card":
                self._send_json(HTTPStatus.OK, self.server.card.info())
            elif path == "/sign-document":
                self._sign_document()
            else:
                self._sign()
        except Refusal as r:
            self._send_error(r.status, r.code, r.message, r.headers)
        except Exception as e:  # never leak a traceback (or anything in it) to the caller
            self.log_message("internal error: %s", type(e).__name__)
            self._send_error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "IC卡控件内部错误")

    do_GET = do_POST = do_OPTIONS = do_HEAD = do_PUT = do_DELETE = do_PATCH = _handle

    # --- the gate -----------------------------------------------------------------------------------

    def _check_host(self) -> None:
        host = (self.headers.get("Host") or "").strip().lower()
        if host not in self.server.allowed_hosts:
            raise Refusal(HTTPStatus.FORBIDDEN, "host_not_allowed", "请求的主机名不被允许")

    def _check_origin(self) -> str | None:
        origin = self.headers.get("Origin")
        if origin is None:
            return None  # not a browser page: a local script or curl
        if origin.strip() not in self.server.allowed_origins:
            raise Refusal(HTTPStatus.FORBIDDEN, "origin_not_allowed", "该网页无权调用IC卡控件")
        return origin.strip()

    def _preflight(self, method: str) -> None:
        headers = {"Allow": f"{method}, OPTIONS"}
        if self._cors_origin:
            headers.update(
                {
                    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                    "Access-Control-Allow-Headers": "Content-Type",
                    "Access-Control-Max-Age": "600",
                    "Access-Control-Allow-Private-Network": "true",
                }
            )
        self._send(HTTPStatus.NO_CONTENT, b"", headers)

    # --- POST /sign ---------------------------------------------------------------------------------

    def _read_json_body(self) -> object:
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise Refusal(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求内容类型必须是 application/json",
            )
        if self.headers.get("Transfer-Encoding"):
            raise Refusal(HTTPStatus.LENGTH_REQUIRED, "length_required", "请求必须带 Content-Length")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise Refusal(
                HTTPStatus.LENGTH_REQUIRED, "length_required", "请求必须带 Content-Length"
            ) from None
        if length < 0:
            raise Refusal(HTTPStatus.BAD_REQUEST, "bad_request", "Content-Length 无效")
        if length > MAX_BODY_BYTES:
            raise Refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large", "请求内容过大")
        body = self.rfile.read(length)
        self._body_consumed = True
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise Refusal(HTTPStatus.BAD_REQUEST, "invalid_json", "请求内容不是有效的 JSON") from None

    def _sign(self) -> None:
        data = self._read_json_body()
        nonce = data.get("nonce") if isinstance(data, dict) else None
        if not isinstance(nonce, str) or not nonce:
            raise Refusal(HTTPStatus.BAD_REQUEST, "nonce_required", "缺少挑战值 nonce")
        try:
            challenge = base64.b64decode(nonce, validate=True)
        except (binascii.Error, ValueError):
            raise Refusal(HTTPStatus.BAD_REQUEST, "nonce_invalid", "挑战值 nonce 不是有效的 Base64") from None
        if len(challenge) > MAX_NONCE_BYTES:
            raise Refusal(HTTPStatus.BAD_REQUEST, "nonce_too_long", "挑战值过长")
        if not challenge.startswith(CHALLENGE_PREFIX):
            raise Refusal(HTTPStatus.BAD_REQUEST, "nonce_not_challenge", "该内容不是门户的登录挑战，拒绝签名")
        card = self.server.card
        signature = card.sign(challenge)
        self._send_json(
            HTTPStatus.OK, {"card_no": card.card_no, "signature": base64.b64encode(signature).decode("ascii")}
        )

    # --- POST /sign-document -------------------------------------------------------------------------

    def _sign_document(self) -> None:
        data = self._read_json_body()
        encoded = data.get("signed_attrs") if isinstance(data, dict) else None
        if not isinstance(encoded, str) or not encoded:
            raise Refusal(
                HTTPStatus.BAD_REQUEST, "signed_attrs_required", "缺少待签名的签名属性 signed_attrs"
            )
        try:
            der = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise Refusal(
                HTTPStatus.BAD_REQUEST, "signed_attrs_invalid", "签名属性 signed_attrs 不是有效的 Base64"
            ) from None
        card = self.server.card
        try:
            attrs = read_signed_attributes(der, card.certificate)
        except NotSignedAttributes as e:
            raise Refusal(HTTPStatus.BAD_REQUEST, e.code, str(e)) from None
        signature = card.sign(der)
        # What was signed, for the holder's own record: never the signature.
        self.log_message(
            "signed document digest=%s time=%s card=%s",
            attrs.digest.hex(),
            attrs.signing_time.isoformat(),
            card.card_no,
        )
        self._send_json(
            HTTPStatus.OK, {"card_no": card.card_no, "signature": base64.b64encode(signature).decode("ascii")}
        )

    # --- responses ----------------------------------------------------------------------------------

    def _send_json(self, status: HTTPStatus, payload: dict, headers: dict | None = None) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})

    def _send_error(self, status: HTTPStatus, code: str, message: str, headers: dict | None = None) -> None:
        self._send_json(status, {"error": {"code": code, "message": message}}, headers)

    def _send(self, status: HTTPStatus, body: bytes, headers: dict) -> None:
        self._drain_body()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if self._cors_origin:
            self.send_header("Access-Control-Allow-Origin", self._cors_origin)
        self.send_header("Vary", "Origin")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if body or status != HTTPStatus.NO_CONTENT:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

    def _drain_body(self) -> None:
        """Read and drop a request body nobody looked at, so the client sees the answer, not a reset."""
        if getattr(self, "_body_consumed", True) or self.headers is None:
            return
        self._body_consumed = True
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            return
        if 0 < length <= MAX_DRAIN_BYTES:
            try:
                self.rfile.read(length)
            except OSError:
                pass

    def send_error(self, code, message=None, explain=None):
        """Errors found by the stdlib itself (malformed request line, unknown verb...) are JSON too."""
        self._cors_origin = None
        self._body_consumed = True
        self.close_connection = True
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = ""
        code_name = phrase.lower().replace(" ", "_").replace("-", "_") or "error"
        if code == HTTPStatus.NOT_IMPLEMENTED:
            code, code_name = HTTPStatus.METHOD_NOT_ALLOWED, "method_not_allowed"
        self.log_error("%s", code)
        body = json.dumps(
            {"error": {"code": code_name, "message": "无效的请求"}}, ensure_ascii=False
        ).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    # --- logging: method, path, status; never the query, the body or a header -------------------------

    def log_request(self, code="-", size="-"):
        path = urlsplit(self.path).path if getattr(self, "path", None) else "-"
        self.log_message("%s %s %s", self.command or "-", path, int(code) if isinstance(code, int) else code)

    def log_error(self, format, *args):
        pass  # the response line that follows (log_request) says enough

    def log_message(self, format, *args):
        sys.stderr.write("eport-card-agent: " + (format % args) + "\n")
        sys.stderr.flush()
