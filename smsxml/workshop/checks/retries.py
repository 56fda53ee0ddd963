"""Notebook 08's exercise: an app that takes a booking by SMS answers 200 within Plivo's 8 s
and books once per MessageUUID, even when Plivo sends the same text again."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

from ..._text import plural
from ...flow import Flow
from ...protocol import ANSWER_TIMEOUT
from ...simulator import Simulator
from ...tokens import resolve_token
from ...transport import WSGIApp
from ...webhook import WebhookApp
from ..exercises import (
    BOOKING_TEXTS,
    CUSTOMER,
    HOST,
    MESSAGE_PATH,
    OUR_NUMBER,
    RETRIES_TITLE,
    RETRY_ADVICE,
)
from ..grading import DEFAULT_GRADER, Grader
from ..harness import describe_error, quote
from ..results import CheckResult

__all__ = ["check_retries"]


def _is_handler(answer: Any) -> bool:
    """Whether ``answer`` takes one positional argument: a handler, not a WSGI app."""
    try:
        params = inspect.signature(answer).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) == 1


def _losing_first_answer(app: WSGIApp) -> WSGIApp:
    """``app``, except that its first answer never reaches Plivo: the app runs and does its
    work, and the proxy in front of it answers 502 instead, so Plivo sends the text again."""
    calls = [0]

    def lossy(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        calls[0] += 1
        if calls[0] > 1:
            return app(environ, start_response)
        body = app(environ, lambda *args, **kwargs: None)
        try:
            b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        start_response("502 Bad Gateway", [("Content-Type", "text/plain")])
        return [b"bad gateway"]

    return lossy


def _attempt_problems(text: str, flow: Flow, timeout: float, wsgi: WSGIApp) -> list[str]:
    """What went wrong with Plivo's attempts for ``text`` (nothing when the last one stood)."""
    problems = []
    slow = [str(a.number) for a in flow.attempts if a.timed_out]
    if slow:
        which = slow[0] if len(slow) == 1 else f"{', '.join(slow[:-1])} and {slow[-1]}"
        problems.append(
            f"For {quote(text)}: {'attempt' if len(slow) == 1 else 'attempts'} {which} got "
            f"no answer within {timeout:g} s (Plivo waits {ANSWER_TIMEOUT:g} s), so Plivo "
            "abandoned each and sent the text again. Answer at once: keep slow work out of "
            "the handler."
        )
    reply = flow.reply
    if reply is None or reply.status != 200:
        status = "no answer" if reply is None else f"{reply.status}"
        entry = getattr(getattr(wsgi, "log", None), "last", None)
        error = getattr(entry, "error", None)
        why = f" (your handler raised {error.replace('the handler raised ', '')})" if error else ""
        problems.append(
            f"For {quote(text)}: all {len(flow.attempts)} of Plivo's attempts got {status}"
            f"{why}, so Plivo gave up and sent nothing. Plivo retries a non-2xx answer 60, "
            "180 and 420 s after the first: answer 200 with XML."
        )
    elif flow.errors:
        problems.append(
            f"For {quote(text)}: Plivo would refuse your reply: "
            + "; ".join(str(p) for p in flow.errors)
        )
    return problems


def _booking_problems(text: str, booked: int, flow: Flow, lost: bool, grader: Grader) -> list[str]:
    """What is wrong with how many times ``text`` was booked (nothing when once)."""
    if booked == 1:
        return []
    tries = len(flow.attempts)
    if booked == 0 and lost:
        return [
            f"For {quote(text)}: nothing was added to bookings. Book each text once: "
            f"{RETRY_ADVICE['r-book']}."
        ]
    if booked == 0:
        return [
            f"For {quote(text)}: nothing was added to bookings, though it is a new text "
            f"(a new MessageUUID) from the same customer. Tell texts apart by "
            f"{RETRY_ADVICE['r-per-text']}, not by who sent them or what they say."
        ]
    if not lost:
        return [
            f"For {quote(text)}: booked {booked} times from "
            f"{plural(tries, 'attempt')}. Book once per text: {RETRY_ADVICE['r-book']}."
        ]
    return [
        grader.nudge(
            RETRIES_TITLE,
            f"For {quote(text)}: booked {booked} times. Your first answer was lost on the "
            "way back (a proxy answered 502), so Plivo sent the same text, with the same "
            f"MessageUUID, {plural(tries - 1, 'more time')}, and your handler booked it again. "
            "What can WebhookApp do with a MessageUUID it has answered before?",
            f"Wrap the handler so that a retry gets the first reply without running it "
            f"again: {RETRY_ADVICE['r-idempotent']}.",
        )
    ]


def check_retries(
    app: Any,
    bookings: list[Any],
    *,
    timeout: float = ANSWER_TIMEOUT,
    grader: Grader = DEFAULT_GRADER,
) -> CheckResult:
    """(08) ``app`` (a WSGI app such as ``WebhookApp(take_booking)``, or the handler itself)
    takes a booking by SMS: each text adds ONE entry to ``bookings``, and every text is
    answered 200 with XML within ``timeout`` (Plivo's 8 s) — even when the first answer is
    lost and Plivo sends the same text (the same MessageUUID) again."""
    if bookings is None or not isinstance(bookings, list):
        return grader.decline(
            RETRIES_TITLE,
            f"give the list your handler books into as well (got {type(bookings).__name__}).",
        )
    if not callable(app):
        return grader.decline(
            RETRIES_TITLE,
            f"give your app, e.g. {RETRY_ADVICE['r-idempotent']} (got {type(app).__name__}).",
        )
    token = resolve_token(None)
    wsgi: WSGIApp = WebhookApp(app, token, path=MESSAGE_PATH) if _is_handler(app) else app
    path = getattr(wsgi, "path", None)
    url = HOST + (path if isinstance(path, str) and path.startswith("/") else MESSAGE_PATH)
    # a new seed for each try, so that an app kept from an earlier try (and what it
    # remembers) meets new MessageUUIDs, as it would new texts
    seed = 8 + grader.tries[RETRIES_TITLE]
    simulator = Simulator(token, numbers=(OUR_NUMBER,), seed=seed, retries=3)
    problems: list[str] = []
    for number, text in enumerate(BOOKING_TEXTS):
        lost = number == 0  # the first text's first answer is lost; the second goes through
        target = _losing_first_answer(wsgi) if lost else wsgi
        before = len(bookings)
        try:
            flow = simulator.receive_sms(
                target, from_=CUSTOMER, to=OUR_NUMBER, text=text, timeout=timeout, url=url
            )
        except Exception as exc:
            problems.append(f"For {quote(text)}: it raised {describe_error(exc)}.")
            break
        problems += _attempt_problems(text, flow, timeout, wsgi)
        if not problems:
            problems += _booking_problems(text, len(bookings) - before, flow, lost, grader)
        if problems:
            break
    return grader.grade(
        RETRIES_TITLE,
        problems,
        f"Each of {len(BOOKING_TEXTS)} texts was booked once and answered 200 in time, "
        "though Plivo sent the first one twice.",
    )
