"""The card agent (IC卡控件, ``eport-card-agent``): the open counterpart of the E-Port "client control".

A small HTTP service on the user's own computer. It holds one IC card -- a PIN-protected PKCS#12 "card
file" (``--card``) or a PKCS#11 token (``--pkcs11-module`` + ``--token-label``) -- opened once at start-up,
and signs the portal's one-time login challenge for the portal's web page, which calls it with
``fetch()``. The private key never leaves the agent (or the token).

Card identity, from the card certificate's subject: ``C=CN, O=<enterprise name>, organizationIdentifier
(2.5.4.97)=<USCC>, OU=legal|operator, CN=<holder name>, serialNumber (2.5.4.5)=<card number>``.

Protocol (JSON in UTF-8, listening on 127.0.0.1 only)::

    GET  /card   200 {"card_no", "kind", "holder_name", "enterprise_name", "uscc",
                      "not_before", "not_after" (ISO 8601, UTC), "certificate" (PEM)}
    POST /sign   Content-Type: application/json, body {"nonce": "<base64>"}
                 200 {"card_no", "signature": "<base64 of the DER ECDSA-SHA256 signature
                      over the base64-decoded nonce bytes>"}

    POST /sign-document  Content-Type: application/json, body {"signed_attrs": "<base64 of DER CMS
                 signed attributes>"}
                 200 {"card_no", "signature": "<base64 of the DER ECDSA-SHA256 signature over those bytes>"}

Neither is a general signing oracle. ``/sign``: the decoded nonce must start with ``eport-card-challenge:v1:``
and be at most 256 bytes. ``/sign-document``: the bytes must be a DER ``SET OF Attribute`` holding exactly
content-type (data), message-digest (SHA-256), signing-time and signing-certificate-v2 naming this card's
certificate (eport_agent/documents.py); each document signed is logged (digest, signing time, card number).

Errors are ``{"error": {"code": "<snake_case>", "message": "<Chinese text>"}}``:

    400 invalid_json, nonce_required, nonce_invalid (not strict base64), nonce_too_long,
        nonce_not_challenge (no prefix), bad_request; for /sign-document signed_attrs_required,
        signed_attrs_invalid (not base64), not_signed_attributes, attributes_not_exact,
        attributes_too_long, certificate_mismatch
    403 host_not_allowed    Host is not 127.0.0.1:PORT or localhost:PORT (DNS rebinding)
    403 origin_not_allowed  an Origin header that is not an allowed portal origin (no CORS headers)
    404 not_found; 405 method_not_allowed (with Allow)
    411 length_required (no Content-Length); 413 body_too_large (over 8 KiB)
    415 unsupported_media_type (POST without Content-Type: application/json, so a form or any other
        "simple request" never reaches /sign without a CORS preflight)

Browser safety: requests without ``Origin`` (local scripts, curl) are allowed; responses to an allowed
origin carry ``Access-Control-Allow-Origin: <that origin>`` (never ``*``); every response carries
``Vary: Origin``, ``Cache-Control: no-store`` and ``X-Content-Type-Options: nosniff``. ``OPTIONS`` on
``/card`` or ``/sign`` from an allowed origin answers 204 with ``Access-Control-Allow-Methods: GET, POST,
OPTIONS``, ``Access-Control-Allow-Headers: Content-Type``, ``Access-Control-Max-Age: 600`` and
``Access-Control-Allow-Private-Network: true`` (Chrome's Private Network Access preflight).

Start-up prints exactly one line on stdout, ``eport-card-agent listening on http://127.0.0.1:PORT
card=CARD_NO``; requests are logged to stderr as method, path and status only.
"""
