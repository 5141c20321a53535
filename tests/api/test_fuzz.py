"""Fuzzing the JSON API from its own OpenAPI document (schemathesis), in-process, as each kind of caller.

For every operation of /api/v1/openapi.json (loaded from the Django WSGI app, no server) schemathesis
generates requests — valid ones (positive) and ones breaking the schema (negative) — and sends them as:
anonymous, a card-less account (with an entry, an attachment and operators), a reviewer (aic:440300), an RA
officer (ra:5300), a legal card and an operator card. Path parameters are drawn half from generated values
and half from the ids that caller can really reach (its application, card, step…), so the calls get past
the 404 into the operations themselves.

Each answer must be: no 5xx; a status code the operation documents; a body matching the documented schema
(content type included); every error in the API's shape `{"error": {"code", "message", "field"}}`; and
negative data refused with a 4xx (what the schema declares, the API enforces).

Every call runs in a savepoint rolled back after it: the fixture world is the same for each call (a
logout, a void or a delete does not spoil the calls after it), and the run is deterministic
(derandomized Hypothesis, no example database). Bounded: EPORT_FUZZ_EXAMPLES examples per operation, mode
and role (default 8); run longer locally with e.g. `EPORT_FUZZ_EXAMPLES=50 .venv/bin/pytest -s
tests/api/test_fuzz.py`. The counts per role are printed at the end (pytest -s).
"""

import logging
import os
import re
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from eport.accounts.models import UserKind
from eport.accounts.services import token_issue
from eport.api.schemas import CARD_ACTIONS, KINDS, REFDATA_LISTS
from eport.applications.kinds import all_kinds
from eport.cards.models import Card
from tests import factories as f

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("EPORT_FUZZ_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")

CONFIG = schemathesis.Config.from_dict(
    {
        # The caller's own credentials are sent as a header; generated tokens and cookies would only be 401s.
        "generation": {"with-security-parameters": False},
    }
)


@dataclass
class Tally:
    operations: int = 0
    calls: dict = field(default_factory=lambda: {"positive": 0, "negative": 0})
    statuses: dict = field(default_factory=dict)
    by_operation: dict = field(default_factory=dict)  # label -> {status: count}
    failures: list = field(default_factory=list)
    seconds: float = 0.0


SUMMARY: dict[str, Tally] = {}


@pytest.fixture(scope="module", autouse=True)
def _summary():
    yield
    if not SUMMARY:
        return
    lines = [
        "",
        f"API fuzzing (schemathesis {schemathesis.__version__}, {EXAMPLES} examples per operation, "
        "mode and role):",
    ]
    total = 0
    for role, t in SUMMARY.items():
        calls = t.calls["positive"] + t.calls["negative"]
        total += calls
        statuses = " ".join(f"{k}×{v}" for k, v in sorted(t.statuses.items()))
        lines.append(
            f"  {role:<13} {t.operations} operations, {calls} calls ({t.calls['positive']} positive, "
            f"{t.calls['negative']} negative), {len(t.failures)} failures, {t.seconds:.1f} s  [{statuses}]"
        )
    lines.append(f"  total         {total} calls")
    print("\n".join(lines))


_SCHEMA = []


@contextmanager
def _in_process():
    """Requests straight into the WSGI app inside the test's transaction. As Django's test client does, the
    end of a request must not close the test's connection (on PostgreSQL that ends its transaction); the
    expected 4xx warnings are not logged (a 5xx still is, and fails the test)."""
    quiet = logging.getLogger("django.request"), logging.getLogger("axes")
    levels = [lg.level for lg in quiet]
    for lg in quiet:
        lg.setLevel(logging.ERROR)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        for lg, level in zip(quiet, levels, strict=True):
            lg.setLevel(level)


def _schema():
    """The OpenAPI document as the app serves it, loaded once for the module (it takes a second or two)."""
    if not _SCHEMA:
        with _in_process():
            _SCHEMA.append(
                schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler(), config=CONFIG)
            )
    return _SCHEMA[0]


# --- the fixture world ------------------------------------------------------------------------------------


def _world() -> dict:
    """One of everything each caller may reach, and the ids it may name in a path."""
    ra = f.ra_officer()
    reviewer = f.staff(UserKind.REVIEWER, "aic:440300")
    # A card-less account of an enterprise not yet in the network: its entry draft with a document, and a
    # submitted entry of another such account waiting for the reviewer.
    cardless = f.cardless()
    draft = f.attach(cardless, f.draft_entry(cardless), "business_license")
    other = f.cardless()
    submitted = f.submitted_entry(other)
    # An enterprise in the network with operators, a legal card and an operator card, and a card-less account
    # naming it that waits for the legal card's decision.
    e = f.enterprise_in_network()
    op = f.operator(e)
    legal = f.make_card("legal", e, ra)
    opcard = f.make_card("operator", e, ra)
    Card.objects.filter(pk__in=[legal.card.pk, opcard.card.pk]).update(must_change_pin=False)
    pending = f.cardless(uscc=e.uscc, verified=False)
    f.operator(cardless.enterprise)

    steps = list(submitted.steps.values_list("id", flat=True))
    att = draft.attachments.first()
    common = {
        "list_name": REFDATA_LISTS,
        "action": CARD_ACTIONS,  # with a card_no: each action on a real card
        "unit_id": ["aic:440300", "ra:5300", "tax:14403000000"],
        "card_no": [legal.card.card_no, opcard.card.card_no],
        "operator_no": [op.operator_no],
        "step_id": steps,
        "app_id": [draft.id, submitted.id],
        "att_id": [att.id],
        "account_id": [pending.id],
        "uscc": [e.uscc, cardless.enterprise.uscc, f.USCC_SZ],
    }  # the last one is in the demo registry
    return {
        "anonymous": (None, common),
        "cardless": (cardless, common),
        "reviewer": (reviewer, common),
        "ra": (ra, common),
        "legal_card": (legal.card.user, common),
        "operator_card": (opcard.card.user, common),
    }


# --- running ----------------------------------------------------------------------------------------------


def _error_shape(response) -> str | None:
    """What is wrong with an error answer's body, if anything (API.md: one shape for every refusal)."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        return f"not JSON: {response.content[:200]!r}"
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return f"not the error shape: {body!r}"[:300]
    e = body["error"]
    if not (isinstance(e.get("code"), str) and SNAKE.match(e["code"])):
        return f"code not snake_case: {e!r}"[:300]
    if not (isinstance(e.get("message"), str) and e["message"].strip()):
        return f"no message: {e!r}"[:300]
    if "field" not in e or not (e["field"] is None or isinstance(e["field"], str)):
        return f"field missing or not a string: {e!r}"[:300]
    return None


def _strategy(operation, mode, known):
    names = [p.name for p in operation.path_parameters]
    generated = operation.as_strategy(generation_mode=mode)
    if not names or not all(n in known for n in names):
        return generated
    fixed = st.fixed_dictionaries({n: st.sampled_from(known[n]) for n in names})
    return st.one_of(
        generated, fixed.flatmap(lambda pp: operation.as_strategy(generation_mode=mode, path_parameters=pp))
    )


def _examples(role, operation, mode, strategy, headers, tally, server_errors):
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        del server_errors[:]
        with transaction.atomic():
            try:
                response = case.call(headers=headers)
            finally:
                transaction.set_rollback(True)
        tally.calls[mode.value] += 1
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
        seen = tally.by_operation.setdefault(operation.label, {})
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as exc:  # every failed check of this answer, with a curl to reproduce it
            msg = str(exc)
            if server_errors:
                msg += "\n" + server_errors[-1]
            tally.failures.append(f"{role} {operation.label} [{mode.value}]\n{msg}")
        problem = _error_shape(response)
        if problem:
            tally.failures.append(
                f"{role} {operation.label} [{mode.value}] "
                f"{response.status_code}: {problem}\n{case.as_curl_command()}"
            )

    try:
        run()
    except Unsatisfiable:  # nothing to negate (an operation without parameters or body)
        pass


def _operations(role, schema, known, headers, tally, server_errors):
    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                strategy = _strategy(operation, mode, known)
            except Exception as exc:  # a schema schemathesis cannot generate from is a finding too
                tally.failures.append(f"{role} {operation.label} {mode.value}: no strategy: {exc!r}")
                continue
            _examples(role, operation, mode, strategy, headers, tally, server_errors)


def _fuzz(role, user, known):
    schema = _schema()
    headers = {"Authorization": f"Bearer {token_issue(user=user)}"} if user is not None else {}
    tally = SUMMARY.setdefault(role, Tally())
    server_errors: list[str] = []

    def on_exception(sender, request=None, **kw):  # a 5xx's traceback, for the failure report
        server_errors.append(traceback.format_exc())

    started = time.monotonic()
    signals.got_request_exception.connect(on_exception)
    try:
        with _in_process():
            _operations(role, schema, known, headers, tally, server_errors)
    finally:
        signals.got_request_exception.disconnect(on_exception)
        tally.seconds = time.monotonic() - started
    return tally


ROLES = ["anonymous", "cardless", "reviewer", "ra", "legal_card", "operator_card"]


@pytest.mark.parametrize("role", ROLES)
def test_fuzz(role):
    user, known = _world()[role]
    tally = _fuzz(role, user, known)
    assert tally.operations >= 40 and tally.calls["positive"] >= tally.operations
    # The caller was who it should be: signed in (or not) for the whole run.
    me = tally.by_operation["GET /api/v1/me"]
    assert set(me) == ({401} if user is None else {200}), me
    assert not tally.failures, f"{len(tally.failures)} failures:\n\n" + "\n\n".join(tally.failures[:15])


def test_the_document_lists_every_application_kind():
    """The kinds are registered by the apps' ready(): the document's enumeration is taken after that."""
    assert KINDS == sorted(all_kinds()) and len(KINDS) >= 11
