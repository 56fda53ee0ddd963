"""Plivo calls your message_url: one attempt, or more when it retries (a non-2xx answer,
or none within the time it waits), each on the flow's timeline and in ``flow.attempts``."""

from __future__ import annotations

from ..exc import DeliveryError
from ..flow import Flow, RequestAttempt
from ..inbound import SignedRequest
from ..transport import Reply
from . import timeline
from .clock import STEPS, Clock
from .delivery import Delivery, Steps, TimedOut
from .retries import RetryPlan, run_attempts
from .signing import Signer
from .targets import Target

__all__ = ["call_message_url"]


def call_message_url(
    flow: Flow, target: Target, plan: RetryPlan, clock: Clock, signer: Signer
) -> Steps[Reply | DeliveryError]:
    """Call ``target`` with ``flow.inbound`` (the first attempt's request event is on the
    timeline already), retrying as ``plan`` says: the reply that stood, or why none came.
    Steps of a conversation (see :mod:`.delivery`), each attempt given ``plan.timeout``."""
    replies: dict[int, Reply] = {}
    failures: list[DeliveryError] = []

    def one(number: int, request: SignedRequest) -> Steps[RequestAttempt]:
        if number > 1:
            event = timeline.message_request(clock.stamp(), request.method, target.url, number)
            flow.timeline.append(event)
        time = clock.stamp()
        try:
            reply = yield Delivery(request, target.app, signer.redact)
        except TimedOut as exc:
            clock.advance(plan.timeout * 1000)
            flow.timeline.append(timeline.timed_out(clock.stamp(), plan.timeout))
            failures.append(exc)
            return RequestAttempt(number, time, request, error=str(exc), timed_out=True)
        except DeliveryError as exc:
            failures.append(exc)
            return RequestAttempt(number, time, request, error=str(exc))
        clock.advance(STEPS.app)
        flow.timeline.append(timeline.app_reply(clock.stamp(), reply))
        replies[number] = reply
        return RequestAttempt(number, time, request, status=reply.status)

    def retrying(failed: RequestAttempt, seconds: float) -> None:
        reason = failed.retry_reason or ""
        flow.timeline.append(timeline.retry(clock.stamp(), failed.number, reason, seconds))

    flow.attempts = yield from run_attempts(
        flow.inbound, target.url, plan, clock, signer, one, retrying
    )
    return replies.get(flow.attempts[-1].number) or failures[-1]
