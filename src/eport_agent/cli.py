"""``eport-card-agent``: open the IC card once, then serve the portal's page on 127.0.0.1 until stopped.

Exit status: 0 after SIGTERM / SIGINT, 2 when the card cannot be opened (wrong password or PIN, bad file,
missing token...) or the command line is wrong; the reason is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import sys
from urllib.parse import urlsplit

from .cards import Card, CardError, FileCard, TokenCard
from .server import AgentServer

DEFAULT_PORT = 8765
DEFAULT_ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
PASSWORD_PROMPT = "IC卡文件密码 / card file password: "
PIN_PROMPT = "令牌用户PIN / token user PIN: "


def normalise_origin(value: str) -> str:
    """``scheme://host[:port]`` as a browser sends it in ``Origin``: lower case, no default port, no slash."""
    text = value.strip()
    if text.endswith("/"):
        text = text[:-1]
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
    ):
        raise ValueError(f"not an origin (scheme://host[:port]): {value!r}")
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    if scheme == "http" and host not in LOOPBACK_HOSTS:
        # A portal on the network must be reached over TLS: over plain http anyone on the way could
        # serve a page from that origin and have the card sign for it.
        raise ValueError(f"a portal on another host must use https: {value!r}")
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == {"http": 80, "https": 443}[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _origin_arg(value: str) -> str:
    try:
        return normalise_origin(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _port_arg(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {value!r}")
    return port


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="eport-card-agent",
        description="IC卡控件: holds an IC card (PKCS#12 card file or PKCS#11 token) and signs the "
        "E-Port portal's login challenge and the CMS signed attributes of documents (POST /sign-document) "
        "for the portal's web page, on 127.0.0.1 only.",
    )
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--card", metavar="FILE.p12", help="PKCS#12 card file")
    source.add_argument("--pkcs11-module", metavar="LIB.so", help="PKCS#11 module of the card reader / token")
    p.add_argument(
        "--password-file",
        metavar="F",
        help="card file password in the first line (else $EPORT_CARD_PASSWORD, else a prompt)",
    )
    p.add_argument("--token-label", metavar="LABEL", help="label of the PKCS#11 token")
    p.add_argument(
        "--pin-file",
        metavar="F",
        help="token user PIN in the first line (else $EPORT_TOKEN_PIN, else a prompt)",
    )
    p.add_argument(
        "--key-label", metavar="L", help="label of the EC private key (when the token has several)"
    )
    p.add_argument("--cert", metavar="FILE.pem", help="card certificate, when the token holds none")
    p.add_argument(
        "--port",
        type=_port_arg,
        default=DEFAULT_PORT,
        help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    p.add_argument(
        "--origin",
        action="append",
        type=_origin_arg,
        metavar="URL",
        help="portal origin allowed to call the agent (repeatable; default $EPORT_PORTAL_ORIGIN, "
        "comma-separated, else " + " and ".join(DEFAULT_ORIGINS) + ")",
    )
    return p


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.card:
        wrong = [
            o
            for o, v in (
                ("--token-label", args.token_label),
                ("--pin-file", args.pin_file),
                ("--key-label", args.key_label),
                ("--cert", args.cert),
            )
            if v
        ]
        if wrong:
            parser.error(f"{', '.join(wrong)}: only with --pkcs11-module")
    else:
        if not args.token_label:
            parser.error("--pkcs11-module needs --token-label")
        if args.password_file:
            parser.error("--password-file: only with --card (use --pin-file for a token)")
    return args


def allowed_origins(args: argparse.Namespace) -> set[str]:
    if args.origin:
        return set(args.origin)
    env = os.environ.get("EPORT_PORTAL_ORIGIN", "")
    if env.strip():
        try:
            return {normalise_origin(item) for item in env.split(",") if item.strip()}
        except ValueError as e:
            raise CardError(f"EPORT_PORTAL_ORIGIN: {e}") from None
    return set(DEFAULT_ORIGINS)


def read_secret(path: str | None, env: str, prompt: str) -> str:
    """From the file's first line, else the environment variable, else an interactive prompt."""
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                return f.readline().strip()
        except (OSError, UnicodeDecodeError) as e:
            raise CardError(
                f"无法读取密码文件 / cannot read the password file {path}: "
                f"{getattr(e, 'strerror', None) or e}"
            ) from None
    if env in os.environ:
        return os.environ[env]
    try:
        return getpass.getpass(prompt)
    except (EOFError, KeyboardInterrupt):
        print(file=sys.stderr)  # end the prompt's line
        raise CardError(f"未输入密码 / no password given (use a file or ${env})") from None


def open_card(args: argparse.Namespace) -> Card:
    if args.card:
        data = FileCard.read(args.card)
        return FileCard(
            data, read_secret(args.password_file, "EPORT_CARD_PASSWORD", PASSWORD_PROMPT), args.card
        )
    pin = read_secret(args.pin_file, "EPORT_TOKEN_PIN", PIN_PROMPT)
    return TokenCard(args.pkcs11_module, args.token_label, pin, key_label=args.key_label, cert_file=args.cert)


class _Stop(BaseException):
    """Raised by the SIGTERM / SIGINT handler to leave ``serve_forever``. Not an Exception: socketserver
    takes any Exception raised while it hands a request to its thread for that request's error."""


def _stop(signum, frame):
    raise _Stop


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        origins = allowed_origins(args)
        card = open_card(args)
    except CardError as e:
        print(f"eport-card-agent: {e}", file=sys.stderr)
        return 2
    try:
        server = AgentServer(card, origins, args.port)
    except OSError as e:
        card.close()
        print(
            f"eport-card-agent: 无法监听 / cannot listen on 127.0.0.1:{args.port}: {e.strerror or e}",
            file=sys.stderr,
        )
        return 2
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        print(f"eport-card-agent listening on http://127.0.0.1:{server.port} card={card.card_no}", flush=True)
        server.serve_forever()
    except _Stop:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        server.server_close()
        card.close()
    return 0
