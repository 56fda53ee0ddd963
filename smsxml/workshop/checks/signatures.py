"""Exercise (c): the learner's app serves Plivo and refuses with 403 everyone else — no
signature, another account's token, a signature made for another URL."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..._demo import DEMO_URL
from ...inbound import SignedRequest, inbound_request
from ...simulator import Simulator
from ...tokens import resolve_token
from ...transport import WSGIApp, resolve_target, send
from ..exercises import ADVICE, CUSTOMER, HOST, MESSAGE_PATH, OUR_NUMBER, TITLES
from ..grading import DEFAULT_GRADER, Grader
from ..harness import describe_error, quote
from ..results import CheckResult

__all__ = ["check_refuses_unsigned"]

#: What an answer is: its status (None when the request could not be delivered) and text.
_Answer = tuple[int | None, str]
_NONCE = "12345678901234567890"


def _looks_like_handler(app: Any) -> bool:
    """Whether ``app`` takes one positional argument: a handler, not a WSGI app."""
    try:
        params = inspect.signature(app).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) == 1


def _not_an_app(app: Any) -> str | None:
    """Why ``app`` cannot be checked (None when it can)."""
    if app is None or not callable(app) and not isinstance(getattr(app, "url", None), str):
        return f"Give a WSGI application, e.g. {ADVICE['c-not-an-app']}; got {type(app).__name__}."
    if _looks_like_handler(app):
        return (
            "This looks like a handler (a function of the message), not an app: wrap it, "
            f"{ADVICE['c-wrap']}, which checks signatures for you."
        )
    return None


def _target(app: Any) -> tuple[WSGIApp | None, str]:
    """(WSGI app or None, message URL) for what the learner gave."""
    wsgi, url = resolve_target(app)
    if url is not None and wsgi is None:
        return None, url
    path = getattr(app, "path", None)
    path = path if isinstance(path, str) and path.startswith("/") else MESSAGE_PATH
    return app, HOST + path


def _simulate(wsgi: WSGIApp | None, url: str, auth_token: str) -> _Answer:
    """What the app answers an inbound SMS the simulator signs with ``auth_token``."""
    simulator = Simulator(auth_token, numbers=(OUR_NUMBER,), seed=21)
    try:
        flow = simulator.receive_sms(
            wsgi if wsgi is not None else url,
            from_=CUSTOMER,
            to=OUR_NUMBER,
            text="Is my order ready?",
            url=url if wsgi is not None else None,
        )
    except Exception as exc:
        return None, describe_error(exc)
    if flow.reply is None:
        return None, "; ".join(str(p) for p in flow.problems)
    return flow.reply.status, flow.reply.text.strip()


def _send(request: SignedRequest, wsgi: WSGIApp | None) -> _Answer:
    """What the app answers ``request`` (delivered as it is)."""
    try:
        reply = send(request, wsgi)
    except Exception as exc:
        return None, describe_error(exc)
    return reply.status, reply.text.strip()


def _signature_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower().startswith("x-plivo-signature")}


def _intruders(wsgi: WSGIApp | None, url: str, token: str) -> list[tuple[str, _Answer]]:
    """The three requests Plivo did not sign for this app, each with the app's answer."""
    request = inbound_request(
        url,
        token,
        from_=CUSTOMER,
        to=OUR_NUMBER,
        text="Send 100 SMS to my friends",
        nonce=_NONCE,
        message_uuid="00000000-0000-4000-8000-000000000000",
    )
    elsewhere = inbound_request(
        DEMO_URL, token, from_=CUSTOMER, to=OUR_NUMBER, text="x", nonce=_NONCE
    )
    signed = _signature_headers(request.headers)
    unsigned = {k: v for k, v in request.headers.items() if k not in signed}
    return [
        (
            "A request without X-Plivo-Signature-V2 headers",
            _send(replace(request, headers=unsigned), wsgi),
        ),
        (
            "A request signed with another account's auth token",
            _simulate(wsgi, url, "some-other-account-token"),
        ),
        (
            f"A request signed for another URL ({DEMO_URL})",
            _send(replace(request, headers=unsigned | _signature_headers(elsewhere.headers)), wsgi),
        ),
    ]


def _intruder_problem(what: str, status: int | None, text: str) -> str | None:
    """What is wrong with answering ``status`` to a request Plivo did not sign."""
    if status == 403:
        return None
    if status == 200:
        return (
            f"{what} was answered 200: your app served someone who is not Plivo. "
            "Check X-Plivo-Signature-V2 and its nonce against the URL the request was "
            f"made to, and answer 403 unless {ADVICE['c-validate']} is true (or wrap "
            f"your handler: {ADVICE['c-wrap']} does it for you)."
        )
    if status is None:
        return f"{what} could not be delivered: {text}."
    return (
        f"{what} got {status}; refuse it with {ADVICE['c-forbidden']}, as Plivo's docs "
        "and smsxml do."
    )


def check_refuses_unsigned(app: Any, *, grader: Grader = DEFAULT_GRADER) -> CheckResult:
    """(c) ``app`` (a WSGI app such as ``WebhookApp`` or a Flask app, or a LocalWebhook)
    answers a correctly signed request with 200 and XML, and refuses with 403 a request
    without signature headers, one signed with another token and one signed for another
    URL. It must use the same auth token as the check (leave the token out: the
    ``$PLIVO_AUTH_TOKEN`` or demo token)."""
    exercise = TITLES["c"]
    refusal = _not_an_app(app)
    if refusal is not None:
        return grader.decline(exercise, refusal)
    wsgi, url = _target(app)
    token = resolve_token(None)
    problems: list[str] = []
    status, body = _simulate(wsgi, url, token)
    if status != 200:
        problems.append(
            f"A request Plivo signed correctly got {status} {quote(body)}; it should get "
            "200 with your XML. Does the app use the same auth token? Leave it out, as in "
            f"{ADVICE['c-same-token']}, to use $PLIVO_AUTH_TOKEN or the demo token like the "
            f"check. And does it answer at {MESSAGE_PATH}?"
        )
    for what, (got, text) in _intruders(wsgi, url, token):
        problem = _intruder_problem(what, got, text)
        if problem is not None:
            problems.append(problem)
    return grader.grade(
        exercise,
        problems,
        "Signed by Plivo → 200; unsigned, wrong token, signed for another URL → 403.",
    )
