"""One attempt to deliver a signed request: into an in-process app, or over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..exc import DeliveryError
from ..inbound import SignedRequest
from ..protocol import TEXT_CONTENT_TYPE
from ..transport import Reply, WSGIApp, send

__all__ = ["Attempt", "deliver", "attempt"]


@dataclass(frozen=True)
class Attempt:
    """How one delivery went: the server's ``status``, or ``error`` when nothing came back."""

    status: int | None = None
    error: str | None = None


def deliver(
    request: SignedRequest,
    app: WSGIApp | None,
    timeout: float,
    redact: Callable[[str], str],
) -> Reply:
    """Send ``request`` to ``app`` in-process, or over HTTP when ``app`` is None (raising
    DeliveryError when it cannot). An exception inside an in-process app is what a server
    would answer with 500 (its message passed through ``redact``)."""
    if app is None:
        return send(request, timeout=timeout)
    try:
        return send(request, app)
    except DeliveryError:
        raise
    except Exception as exc:  # the app crashed: a real server answers 500
        body = redact(f"{type(exc).__name__}: {exc}").encode("utf-8", "replace")
        return Reply(500, {"Content-Type": TEXT_CONTENT_TYPE}, body, 0.0)


def attempt(
    request: SignedRequest,
    app: WSGIApp | None,
    timeout: float,
    redact: Callable[[str], str],
) -> Attempt:
    """:func:`deliver` once, the answer's status kept, a failure to deliver as its error."""
    try:
        return Attempt(status=deliver(request, app, timeout, redact).status)
    except DeliveryError as exc:
        return Attempt(error=str(exc))
