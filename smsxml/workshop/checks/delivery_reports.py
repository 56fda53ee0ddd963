"""Exercise (f): the learner's ``on_report(report)`` records every delivery report, in
order, and acknowledges each with 200.

The reports come from the simulator to a :class:`~smsxml.webhook.WebhookApp` serving both
the message URL and the callbackUrl (``status_path``); it checks their signatures and
hands each one to the learner's function through :class:`_Acknowledgements`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..._text import plural
from ...flow import DeliveryReport
from ...inbound import InboundMessage, StatusReport
from ...simulator import Simulator
from ...tokens import resolve_token
from ...webhook import WebhookApp
from ...xml import Response
from ..exercises import (
    ADVICE,
    CUSTOMER,
    HOST,
    MESSAGE_PATH,
    OUR_NUMBER,
    STATUS_PATH,
    TEAM,
    TITLES,
)
from ..grading import DEFAULT_GRADER, Grader
from ..harness import describe_error
from ..results import CheckResult

__all__ = ["check_delivery_reports"]

_ANSWERED_200 = "answered 200"


class _NotAcknowledged(Exception):
    """``on_report`` did not return 200: the webhook answers Plivo 500, not 200 OK."""


class _Acknowledgements:
    """The ``on_status`` of the check's WebhookApp: calls the learner's ``on_report`` with
    each report and notes, per report, its Status and what the function did with it."""

    def __init__(self, on_report: Callable[..., Any]):
        self.on_report = on_report
        self.outcomes: list[tuple[str, str]] = []  # (Status, what happened) per report

    def __call__(self, report: StatusReport) -> None:
        try:
            status = self.on_report(report)
        except Exception as exc:
            self.outcomes.append((report.status, f"raised {describe_error(exc)}"))
            raise
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status < 600:
            outcome = f"returned {status!r}"
        else:
            outcome = f"answered {status}"
        self.outcomes.append((report.status, outcome))
        if outcome != _ANSWERED_200:  # Plivo must not hear 200 OK for it
            raise _NotAcknowledged(outcome)


def _send_code(message: InboundMessage) -> Response:
    """The reply that makes the reports: the code to two team members, with a callbackUrl."""
    return Response().add_message(
        "Your code is 4821", src=message.to, dst=list(TEAM[:2]), callback_url=HOST + STATUS_PATH
    )


def _answer_problem(outcomes: Sequence[tuple[str, str]], total: int) -> str | None:
    """What is wrong with what the function answered (None when it answered 200 to all)."""
    bad = [(status, what) for status, what in outcomes if what != _ANSWERED_200]
    if not bad:
        return None
    status, what = bad[0]
    problem = (
        f"{len(bad)} of {total} reports were not answered 200 — first, "
        f"Status={status}: your function {what}."
    )
    if "not subscriptable" in what or "has no attribute 'get'" in what:
        problem += (
            " A report is a StatusReport, not a dict: read report.status, "
            f"report.to, {ADVICE['f-error-code']} (empty unless failed or undelivered)."
        )
    elif "returned" in what:
        problem += (
            f" End with {ADVICE['f-return']} (the HTTP status, an int) so Plivo knows it arrived."
        )
    elif "answered" in what:
        problem += f" Answer 200 ({ADVICE['f-return']}) so Plivo knows the report arrived."
    return problem


def _received_problem(new: list[Any], reports: Sequence[DeliveryReport]) -> str | None:
    """What is wrong with what the function appended (None when it is every report)."""
    expected = [(r.message_uuid, r.status) for r in reports]
    statuses = ", ".join(r.status for r in reports)
    if not new:
        return f"Nothing was appended to received: append each report ({ADVICE['f-append']})."
    if len(new) != len(reports):
        return (
            f"received got {plural(len(new), 'new report')}, but Plivo sent {len(reports)} "
            f"({statuses}): append every report — one per status change — not only some: "
            f"{ADVICE['f-append']} for each."
        )
    if not all(isinstance(r, StatusReport) for r in new):
        kind = next(type(r).__name__ for r in new if not isinstance(r, StatusReport))
        return (
            f"received holds {kind} items; append the reports themselves "
            f"(the StatusReport your function is given): {ADVICE['f-append']}."
        )
    if [(r.message_uuid, r.status) for r in new] != expected:
        return (
            "received does not hold the reports as they came (MessageUUID and "
            f"Status, in order): append each report unchanged, {ADVICE['f-append']}."
        )
    return None


def check_delivery_reports(
    on_report: Callable[..., Any], received: list[Any], *, grader: Grader = DEFAULT_GRADER
) -> CheckResult:
    """(f) ``on_report(report)`` is called with each delivery report (a
    :class:`~smsxml.inbound.StatusReport`: ``status``, ``message_uuid``, ``to``,
    ``error_code`` — set only for failed/undelivered —, every other parameter in
    ``params``); it appends the report to ``received`` and returns 200. The check texts
    ``TEAM[0]`` (delivered) and ``TEAM[1]`` (undelivered, ErrorCode 20): six reports in all."""
    exercise = TITLES["f"]
    if not callable(on_report):
        return grader.decline(
            exercise, f"give your function itself (got {type(on_report).__name__})."
        )
    if not isinstance(received, list):
        return grader.decline(
            exercise,
            f"give the list your function appends to (got {type(received).__name__}).",
        )
    start = len(received)
    token = resolve_token(None)
    acknowledgements = _Acknowledgements(on_report)
    app = WebhookApp(
        _send_code, token, path=MESSAGE_PATH, status_path=STATUS_PATH, on_status=acknowledgements
    )
    # one attempt per report: the exercise grades each report's answer (Plivo's retries of a
    # non-2xx answer would count the same mistake four times)
    simulator = Simulator(
        token, numbers=(OUR_NUMBER,), seed=51, outcomes={TEAM[1]: "undelivered"}, retries=0
    )
    flow = simulator.receive_sms(
        app, from_=CUSTOMER, to=OUR_NUMBER, text="CODE", url=HOST + MESSAGE_PATH
    )
    problems = [
        problem
        for problem in (
            _answer_problem(acknowledgements.outcomes, len(flow.reports)),
            _received_problem(received[start:], flow.reports),
        )
        if problem is not None
    ]
    statuses = ", ".join(r.status for r in flow.reports)
    return grader.grade(
        exercise,
        problems,
        f"{len(flow.reports)} delivery reports ({statuses}) recorded in order, each answered 200.",
    )
