"""The pages that talk to the card agent on this computer: its address, the CSP that lets the page reach
it, and the one page on which a card signs a prepared document (三方协议, 代理报关委托).

A document is signed in two steps (eport/cards/documents.py): a domain service prepares it and answers
(sign_id, to_sign); `sign_page` shows what is signed and a form whose script has the agent sign `to_sign`
(`POST /sign-document`) and posts `sign_id` + `signature` to the domain's completing view."""

import base64
from urllib.parse import urlsplit

from csp.constants import SELF
from django.conf import settings
from django.shortcuts import render


def agent_origin() -> str:
    parts = urlsplit(settings.CARD_AGENT_URL)
    return f"{parts.scheme}://{parts.netloc}"


def agent() -> dict:
    """The agent's address for the page, and its port for the 'run the agent' hint when it does not answer."""
    return {"agent_url": settings.CARD_AGENT_URL, "agent_port": urlsplit(settings.CARD_AGENT_URL).port}


def with_agent(response):
    """Pages that talk to the card agent may connect to it (CSP connect-src), and to nothing else new."""
    response._csp_update = {"connect-src": [SELF, agent_origin()]}
    return response


def sign_page(
    request,
    *,
    title: str,
    intro: str,
    rows: list[tuple[str, str]],
    sign_id: str,
    to_sign: bytes,
    action: str,
    back_url: str,
    button: str,
):
    """The card's signature of a prepared document: what is signed (rows), the card expected (the signed-in
    card), and 签名 — which the agent performs; the completing view at `action` takes sign_id + signature."""
    card = getattr(request.user, "card", None)
    return with_agent(
        render(
            request,
            "web/document_sign.html",
            {
                "title": title,
                "intro": intro,
                "rows": rows,
                "sign_id": sign_id,
                "to_sign": base64.b64encode(to_sign).decode("ascii"),
                "action": action,
                "back_url": back_url,
                "button": button,
                "card": card,
                **agent(),
            },
        )
    )
