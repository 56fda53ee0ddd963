"""Exercise (d): repair ``BROKEN_XML`` so that Plivo accepts it and it still sends the same
text, from the same number, to the same two numbers, with the same callbackUrl."""

from __future__ import annotations

from typing import Any

from ...xml import Message, Problem, parse, validate
from ..exercises import ADVICE, FIXED_CALLBACK, FIXED_TEXT, OUR_NUMBER, TEAM, TITLES
from ..grading import DEFAULT_GRADER, Grader
from ..harness import quote, run_handler
from ..results import CheckResult

__all__ = ["check_fixed_xml"]

_LISTED = 5  # errors shown at once: fixing one can reveal the next


def _refusals(errors: list[Problem]) -> list[str]:
    """Plivo's refusals of the document, said for a learner who is repairing it."""
    lines = []
    for p in errors[:_LISTED]:
        line = str(p)
        if p.code == "bad-number" and "," in p.message and "&lt;" not in line:
            line += (
                " — several numbers in one dst are separated by '<', which inside "
                "an attribute is written &lt;"
            )
        lines.append(f"Plivo would refuse it: {line}")
    lines.append("Fix, then run the check again: fixing one error can reveal the next.")
    return lines


def _changes(messages: list[Message]) -> list[str]:
    """What the repair changed that it should have kept (nothing when it kept it all)."""
    if len(messages) != 1:
        return [
            f"The document has {len(messages)} <Message> elements; keep the one "
            "<Message> (one element can send to several numbers)."
        ]
    m = messages[0]
    wanted = list(TEAM[:2])
    found = []
    if m.text != FIXED_TEXT:
        found.append(
            f"The text reads {quote(m.text)}; it should still read "
            f"{quote(FIXED_TEXT)} — write & as {ADVICE['d-ampersand']} rather than "
            "removing it."
        )
    if m.src != OUR_NUMBER:
        found.append(f"src is {m.src!r}; keep {OUR_NUMBER}.")
    if m.dsts != wanted:
        found.append(
            f"dst gives {m.dsts}; it should send to {' and '.join(wanted)} — "
            "one dst, numbers separated by &lt;."
        )
    if m.callback_url != FIXED_CALLBACK:
        found.append(
            f"callbackUrl is {m.callback_url!r}; keep {FIXED_CALLBACK} "
            "(attribute names are camelCased: callbackUrl)."
        )
    return found


def _simulated_problems(xml: str | bytes) -> list[str]:
    """What goes wrong when the simulator executes the document as a reply."""
    run = run_handler(lambda _message: xml, "CODE", seed=31)
    failed = run.reply_failed
    sent = [o.dst for o in run.flow.outbound]
    wanted = list(TEAM[:2])
    if failed:
        return [f"Through the simulator: {failed}"]
    if sent != wanted:
        return [f"Through the simulator it sent to {sent}, not {wanted}."]
    return []


def check_fixed_xml(xml: Any, *, grader: Grader = DEFAULT_GRADER) -> CheckResult:
    """(d) ``xml`` is ``BROKEN_XML`` repaired: valid Message XML that still sends the same
    text from ``OUR_NUMBER`` to the first two ``TEAM`` numbers with the same callbackUrl."""
    exercise = TITLES["d"]
    if not isinstance(xml, str | bytes):
        return grader.decline(
            exercise, f"Give the repaired document as a string; got {type(xml).__name__}."
        )
    errors = [p for p in validate(xml) if p.severity == "error"]
    if errors:
        return grader.grade(exercise, _refusals(errors), "")
    found = _changes(parse(xml).messages) or _simulated_problems(xml)
    return grader.grade(
        exercise,
        found,
        "Valid, and through the simulator it sends the code to "
        f"{' and '.join(TEAM[:2])} with its callbackUrl.",
    )
