"""One attempt to deliver a signed request: into an in-process app, or over HTTP — given
at most ``timeout`` seconds, as Plivo gives your URL (:data:`~smsxml.protocol.ANSWER_TIMEOUT`):
an attempt that takes longer is abandoned and its late answer ignored."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .._runtime import in_browser
from ..exc import DeliveryError
from ..inbound import SignedRequest
from ..protocol import TEXT_CONTENT_TYPE
from ..transport import Reply, WSGIApp, send

__all__ = ["Attempt", "TimedOut", "deliver", "attempt", "HTTP_GRACE"]

#: Seconds an HTTP request may run past the deadline before the connection itself gives up
#: (the attempt is abandoned at the deadline; this only lets the abandoned thread end).
HTTP_GRACE = 1.0


class TimedOut(DeliveryError):
    """No answer within the time Plivo waits: the attempt was abandoned."""


@dataclass(frozen=True)
class Attempt:
    """How one delivery went: the server's ``status``, or ``error`` when nothing came back
    (``timed_out`` when that was because no answer came in time)."""

    status: int | None = None
    error: str | None = None
    timed_out: bool = False


def _deliver_now(
    request: SignedRequest, app: WSGIApp | None, timeout: float, redact: Callable[[str], str]
) -> Reply:
    if app is None:
        return send(request, timeout=timeout + HTTP_GRACE)
    try:
        return send(request, app)
    except DeliveryError:
        raise
    except Exception as exc:  # the app crashed: a real server answers 500
        body = redact(f"{type(exc).__name__}: {exc}").encode("utf-8", "replace")
        return Reply(500, {"Content-Type": TEXT_CONTENT_TYPE}, body, 0.0)


def deliver(
    request: SignedRequest,
    app: WSGIApp | None,
    timeout: float,
    redact: Callable[[str], str],
) -> Reply:
    """Send ``request`` to ``app`` in-process, or over HTTP when ``app`` is None (raising
    DeliveryError when it cannot). An exception inside an in-process app is what a server
    would answer with 500 (its message passed through ``redact``).

    The call runs in a worker thread given ``timeout`` seconds, in-process as over HTTP:
    past that it is abandoned (left to finish on its own, its answer ignored) and
    :class:`TimedOut` raised. (In the browser, with no threads, it runs to its end.)"""
    if in_browser():
        return _deliver_now(request, app, timeout, redact)
    outcome: list[Reply | BaseException] = []
    context = contextvars.copy_context()

    def run() -> None:
        try:
            outcome.append(context.run(_deliver_now, request, app, timeout, redact))
        except BaseException as exc:  # handed to the caller below
            outcome.append(exc)

    worker = threading.Thread(target=run, name="smsxml-attempt", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        raise TimedOut(f"no answer within {timeout:g} s")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def attempt(
    request: SignedRequest,
    app: WSGIApp | None,
    timeout: float,
    redact: Callable[[str], str],
) -> Attempt:
    """:func:`deliver` once, the answer's status kept, a failure to deliver as its error."""
    try:
        return Attempt(status=deliver(request, app, timeout, redact).status)
    except TimedOut as exc:
        return Attempt(error=str(exc), timed_out=True)
    except DeliveryError as exc:
        return Attempt(error=str(exc))
