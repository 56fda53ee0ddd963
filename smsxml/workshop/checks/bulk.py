"""Exercise (b): forward the manager's text to the whole team with one bulk ``<Message>``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..exercises import ADVICE, MANAGER, TEAM, TITLES
from ..grading import DEFAULT_GRADER, Grader
from ..harness import Run, quote, run_handler
from ..results import CheckResult

__all__ = ["check_bulk_notify"]

#: What the manager texts, one run each.
_ALERTS = ("Stand-up moved to 10:30 today", "Server room is locked")


def _reply_problems(text: str, run: Run, grader: Grader) -> list[str]:
    """What is wrong with the reply to the manager's ``text`` (nothing when it is right)."""
    exercise = TITLES["b"]
    failed = run.reply_failed
    if failed:
        if "bad-number" in failed and "," in failed:
            failed += (
                ". Several numbers in one dst are separated by '<' (written &lt; "
                f"inside XML): pass the numbers themselves, {ADVICE['b-commas']}, and "
                "the builder does it."
            )
        return [f"For {quote(text)}: {failed}"]
    messages = run.messages()
    if not messages:
        return [
            grader.nudge(
                exercise,
                "Your reply has no <Message>, so nothing was sent. Build ONE <Message> "
                "that goes to every number in TEAM at once (what can dst be?).",
                f"Return {ADVICE['b-solution']}: a list (or tuple) of numbers for dst "
                "becomes one bulk <Message>.",
            )
        ]
    if len(messages) > 1:
        return [
            f"Your reply has {len(messages)} <Message> elements, one per person. Send "
            f"ONE <Message> with every number in dst ({ADVICE['b-one-message']}, or "
            f"{ADVICE['b-one-message-joined']}): one element, and Plivo sends the copies."
        ]
    return _delivery_problems(text, run)


def _delivery_problems(text: str, run: Run) -> list[str]:
    """Who got the alert that should not have, who did not that should, and with what."""
    problems = []
    reached = [m.dst for m in run.flow.outbound]
    missing = [n for n in TEAM if n not in reached]
    extra = [n for n in reached if n not in TEAM]
    if missing:
        problems.append(
            f"{', '.join(missing)} did not get the alert: put every number of TEAM in "
            f"dst, {ADVICE['b-missing']}."
        )
    if extra:
        problems.append(
            f"{', '.join(extra)} is not on the team but got the alert "
            f"(the manager is {MANAGER}): send only to TEAM, {ADVICE['b-extra']}."
        )
    wrong = [m for m in run.flow.outbound if text not in m.text]
    if wrong:
        problems.append(
            f"The team got {quote(wrong[0].text)}; forward the manager's text "
            f"({quote(text)}) — use {ADVICE['b-text']}."
        )
    return problems


def check_bulk_notify(
    handler: Callable[..., Any], *, grader: Grader = DEFAULT_GRADER
) -> CheckResult:
    """(b) when the manager texts your number, ``handler(message)`` forwards the text to
    every number in ``TEAM`` with ONE bulk ``<Message>`` (``dst`` joined with ``<``)."""
    exercise = TITLES["b"]
    if not callable(handler):
        return grader.decline(
            exercise, f"give your handler function itself (got {type(handler).__name__})."
        )
    problems: list[str] = []
    for number, text in enumerate(_ALERTS, 1):
        run = run_handler(handler, text, from_=MANAGER, seed=10 + number)
        problems = _reply_problems(text, run, grader)
        if problems:
            break
    return grader.grade(
        exercise,
        problems,
        f"One <Message> reached all {len(TEAM)} team members "
        f"({', '.join(TEAM)}) with the manager's text.",
    )
