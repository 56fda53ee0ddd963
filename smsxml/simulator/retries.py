"""Plivo's retries: when your message_url (or a callbackUrl) answers anything but 2xx, or
nothing within :data:`~smsxml.protocol.ANSWER_TIMEOUT`, Plivo tries again on a fixed
schedule — :data:`RETRY_DELAYS` — each try signed afresh, with the same MessageUUID. The
simulator plays the schedule on its own clock: nothing waits in real time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cache
from typing import Literal, cast, get_args

from ..exc import SimulatorError
from ..flow import RequestAttempt
from ..inbound import SignedRequest
from ..protocol import RETRY_DELAYS  # Plivo's schedule, written once with its source
from .clock import Clock
from .delivery import Steps
from .signing import Signer

__all__ = [
    "RETRY_DELAYS",
    "ReportOrder",
    "RetryPlan",
    "retry_reason",
    "checked_retries",
    "checked_order",
    "run_attempts",
]


#: The orders delivery reports can be sent in: as they happen (Plivo's usual order), all
#: held back to the end and sent last first, or in a random order (the seed's, if any).
ReportOrder = Literal["sent", "reversed", "shuffled"]


def checked_order(order: object, shuffle: bool) -> ReportOrder:
    """``report_order`` checked (``shuffle_reports=True`` is ``"shuffled"``)."""
    if order not in get_args(ReportOrder):
        choices = ", ".join(map(repr, get_args(ReportOrder)))
        raise SimulatorError(f"report_order must be one of {choices}, not {order!r}")
    if shuffle and order not in ("sent", "shuffled"):
        raise SimulatorError(f"shuffle_reports=True and report_order={order!r}: choose one")
    return cast(ReportOrder, "shuffled" if shuffle else order)


def checked_retries(retries: object) -> int:
    """``retries`` (how many times Plivo tries again, 0 to len(RETRY_DELAYS)) checked."""
    if isinstance(retries, bool) or not isinstance(retries, int):
        raise SimulatorError(f"retries must be a whole number, not {retries!r}")
    if not 0 <= retries <= len(RETRY_DELAYS):
        raise SimulatorError(
            f"retries must be 0 (none) to {len(RETRY_DELAYS)} (Plivo's schedule: "
            f"{', '.join(f'{d:g}' for d in RETRY_DELAYS)} s), not {retries}"
        )
    return retries


def retry_reason(status: int | None, timed_out: bool, timeout: float) -> str | None:
    """Why Plivo tries again after an attempt (None: it does not)."""
    if timed_out:
        return f"no answer within {timeout:g} s"
    if status is not None and not 200 <= status < 300:
        return f"{status}: Plivo retries a non-2xx answer"
    return None


@dataclass(frozen=True)
class RetryPlan:
    """How a simulator retries: ``retries`` more tries at most, ``resign`` each with a new
    nonce (False: the first attempt's request, nonce and all, sent again), an attempt
    abandoned after ``timeout`` seconds."""

    retries: int = 0
    resign: bool = True
    timeout: float = 8.0

    @property
    def offsets(self) -> tuple[float, ...]:
        """When each attempt is made, in seconds after the first: (0, 60, 180, 420)."""
        return _offsets(self.retries)


@cache  # one entry for each number of retries (0 to len(RETRY_DELAYS))
def _offsets(retries: int) -> tuple[float, ...]:
    times = [0.0]
    for delay in RETRY_DELAYS[:retries]:
        times.append(times[-1] + delay)
    return tuple(times)


def run_attempts(
    first: SignedRequest,
    url: str,
    plan: RetryPlan,
    clock: Clock,
    signer: Signer,
    one: Callable[[int, SignedRequest], Steps[RequestAttempt]],
    retrying: Callable[[RequestAttempt, float], None],
) -> Steps[list[RequestAttempt]]:
    """Try ``first`` (to ``url``) with ``one`` until an attempt stands or the plan's tries
    run out; each retry at its time on ``clock``, signed afresh when the plan says so.
    ``retrying(attempt, seconds)`` is told before each retry (the attempt that failed and
    how long until the next). Returns every attempt, the one that stood last. (Steps of a
    conversation: see :mod:`.delivery`.)"""
    start = clock.mark()
    offsets = plan.offsets
    attempts: list[RequestAttempt] = []
    request = first
    for number, offset in enumerate(offsets, 1):
        if number > 1:
            clock.move_to(clock.moment(start) + timedelta(seconds=offset))
            if plan.resign:
                request = signer.sign(first.method, url, first.params)
        tried = yield from one(number, request)
        reason = retry_reason(tried.status, tried.timed_out, plan.timeout)
        if reason is None or number == len(offsets):
            attempts.append(tried)
            break
        attempts.append(replace(tried, retry_reason=reason))
        retrying(attempts[-1], offsets[number] - offset)
    return attempts
