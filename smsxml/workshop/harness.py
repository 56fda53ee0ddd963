"""Running a learner's code the way Plivo would: a signed inbound SMS from the offline
:class:`~smsxml.simulator.Simulator` into their handler, wrapped in a
:class:`~smsxml.webhook.WebhookApp`, in-process (no ports, no times, seeded).

Also the two wordings every check shares: a quoted text and an error without the token.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..flow import Flow
from ..simulator import Simulator
from ..tokens import redact, resolve_token
from ..webhook import LogEntry, WebhookApp
from ..xml import Message, parse
from .exercises import CUSTOMER, MESSAGE_PATH, OUR_NUMBER

__all__ = ["Run", "run_handler", "quote", "describe_error"]


@dataclass
class Run:
    """One simulated inbound SMS through a handler: the flow and the webhook's log entry."""

    flow: Flow
    entry: LogEntry | None

    @property
    def reply_failed(self) -> str | None:
        """Why the handler's reply could not be used, in plain words (None when it could)."""
        entry, flow = self.entry, self.flow
        if entry is not None and entry.status == 500:
            error = entry.error or entry.reason
            error = error.replace("the handler", "your function", 1)
            return f"{error}."
        if flow.reply is None or flow.reply.status != 200:
            status = flow.reply.status if flow.reply is not None else "no reply"
            return f"the webhook answered {status} instead of 200 with XML."
        if flow.errors:
            return "Plivo would refuse your reply: " + "; ".join(
                str(p) for p in flow.errors if getattr(p, "code", "") != "nothing-sent"
            )
        return None

    def messages(self) -> list[Message]:
        """The ``<Message>`` elements of the reply (none when it is not Message XML)."""
        reply = self.flow.reply
        try:
            return [] if reply is None else parse(reply.text).messages
        except Exception:
            return []


def run_handler(
    handler: Callable[..., Any],
    text: str,
    *,
    from_: str = CUSTOMER,
    seed: int = 6,
    outcomes: Mapping[str, object] | None = None,
) -> Run:
    """``text`` from ``from_`` to your number, through ``handler`` in a WebhookApp that
    checks signatures with the environment's token (as the learner's own app would)."""
    token = resolve_token(None)
    app = WebhookApp(handler, token, path=MESSAGE_PATH)
    simulator = Simulator(token, numbers=(OUR_NUMBER,), seed=seed, outcomes=outcomes)
    flow = simulator.receive_sms(app, from_=from_, to=OUR_NUMBER, text=text)
    return Run(flow, app.log.last)


def quote(text: str, limit: int = 60) -> str:
    """``text`` as Python writes it, cut with "…" to at most ``limit`` characters."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)


def describe_error(exc: BaseException) -> str:
    """``KeyError: 'Lang'``: an exception in a message, without the auth token."""
    return redact(f"{type(exc).__name__}: {exc}", resolve_token(None))
