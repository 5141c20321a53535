"""Public PKI endpoints: anyone (a customs or bank subsystem, `openssl`) may fetch these, unauthenticated."""

import base64
import binascii
from functools import wraps

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from .ca import CaNotReady, issuing_ca
from .ocsp import ocsp_answer
from .services import crl_current

MAX_OCSP_REQUEST = 8 * 1024


def _ca_ready(view):
    """Without a usable CA key there is nothing to publish: 503 with the reason, never a stack trace."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except CaNotReady as e:
            return HttpResponse(str(e.message), status=503, content_type="text/plain; charset=utf-8")

    return wrapper


def _file(data: bytes, content_type: str, filename: str, max_age: int = 0) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = f"public, max-age={max_age}" if max_age else "no-cache"
    return response


@require_GET
@_ca_ready
def ca_pem(request):
    """The chain: the issuing CA, then the root (`openssl verify -CAfile` and `openssl ocsp -issuer` take it)."""
    return _file(issuing_ca().chain_pem(), "application/x-pem-file", "eport-ca.pem", max_age=3600)


@require_GET
@_ca_ready
def ca_der(request, which):
    ca = issuing_ca()
    cert = ca.root if which == "root" else ca.certificate
    return _file(
        cert.public_bytes(serialization.Encoding.DER),
        "application/pkix-cert",
        f"eport-{which}.cer",
        max_age=3600,
    )


@require_GET
@_ca_ready
def crl_der(request, delta=False):
    return _file(crl_current(delta), "application/pkix-crl", "eport-delta.crl" if delta else "eport.crl")


@require_GET
@_ca_ready
def crl_pem(request, delta=False):
    crl = x509.load_der_x509_crl(crl_current(delta))
    return _file(
        crl.public_bytes(serialization.Encoding.PEM),
        "application/x-pem-file",
        "eport-delta-crl.pem" if delta else "eport-crl.pem",
    )


def _ocsp_response(der: bytes) -> HttpResponse:
    response = HttpResponse(der, content_type="application/ocsp-response")
    response["Cache-Control"] = "no-cache"
    return response


@_ca_ready
@csrf_exempt
@require_http_methods(["POST"])
def ocsp_post(request):
    """RFC 6960 §A.1: the DER request as the body, content type application/ocsp-request."""
    if request.content_type != "application/ocsp-request":
        return HttpResponse(status=415)
    body = request.body
    if len(body) > MAX_OCSP_REQUEST:
        return HttpResponse(status=413)
    return _ocsp_response(ocsp_answer(body))


@require_GET
@_ca_ready
def ocsp_get(request, encoded):
    """RFC 6960 §A.1: GET {url}/{url-encoding of base-64 encoding of the DER request}."""
    try:
        der = base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError):
        return HttpResponseBadRequest()
    if len(der) > MAX_OCSP_REQUEST:
        return HttpResponse(status=413)
    return _ocsp_response(ocsp_answer(der))
