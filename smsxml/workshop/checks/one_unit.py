"""Exercise (e): the learner's ``fit(text)`` makes every reply cost one SMS unit, without
losing what fits and cutting the rest by :data:`~smsxml.workshop.exercises.CUT_RULE`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...inbound import InboundMessage
from ...units import segments
from ...xml import Response
from ..exercises import (
    ADVICE,
    CUT_RULE,
    EURO_TEXT,
    LONG_TEXT,
    ORDER_UPDATE,
    SHORT_TEXT,
    TITLES,
)
from ..grading import DEFAULT_GRADER, Grader
from ..harness import describe_error, quote, run_handler
from ..results import CheckResult

__all__ = ["check_one_unit"]

#: The texts the check gives ``fit``, each with the label its messages use.
_CASES = (
    ("A short text", SHORT_TEXT),
    ("ORDER_UPDATE", ORDER_UPDATE),
    ("A long reminder", LONG_TEXT),
    ("A sale text with €", EURO_TEXT),
)
_KEPT_IN_ORDER_UPDATE = ("#4821", "https://example.com/t/4821")


def _unit_problem(label: str, text: str) -> str | None:
    """Why ``text`` costs more than one unit, and what to do (None when it costs one)."""
    seg = segments(text)
    if seg.units == 1:
        return None
    if seg.encoding == "UCS-2":
        shown = " ".join(seg.non_gsm_characters[:6])
        return (
            f"{label}: your text needs {seg.units} units — it is UCS-2 because of "
            f"{shown}, and one UCS-2 unit holds only 70 characters. Replace them with "
            f"GSM-7 characters ({ADVICE['e-gsm']}) and drop those with no equivalent "
            "(emoji): then one unit holds 160."
        )
    if seg.extension_characters:
        shown = " ".join(seg.extension_characters)
        return (
            f"{label}: {len(text)} characters but {seg.length} septets, so "
            f"{seg.units} units: {shown} count twice (escape + character). Measure with "
            f"{ADVICE['e-measure']} (≤ 160), not len(text)."
        )
    return (
        f"{label}: {seg.length} characters, {seg.units} units; one GSM-7 unit holds 160 "
        f"— cut it: {CUT_RULE}."
    )


def _cut_problems(label: str, text: str, out: str) -> list[str]:
    """What breaks :data:`CUT_RULE` in ``out``, a cut version of ``text``: one problem per
    part of the rule, each saying what was found."""
    problems = []
    if not out.startswith(text[:100]):
        at = next(
            (i for i, (a, b) in enumerate(zip(out, text[:100], strict=False)) if a != b),
            min(len(out), 100),
        )
        problems.append(
            f"{label} must be cut: keep its first 100 characters as they are; yours "
            f"differs from character {at + 1} on ({quote(out[at:], 40)} instead of "
            f"{quote(text[at:100], 40)}). Cut at the end, not in the middle."
        )
    if not out.endswith("..."):
        problems.append(f"{label} must be cut: end it with '...' to show that it was.")
    length = segments(out).length
    if length < 140:
        problems.append(
            f"{label} must be cut, but not that much: use at least 140 of the 160 septets "
            f"(yours has {length})."
        )
    return problems


def _content_problems(label: str, text: str, out: str) -> list[str]:
    """What ``out``, one unit long, lost or changed of ``text`` that it should not have."""
    if label == "A short text":
        if out == text:
            return []
        return [
            f"{label} {quote(text)} already fits one unit; return it unchanged (got {quote(out)})."
        ]
    if label == "ORDER_UPDATE":
        lost = [bit for bit in _KEPT_IN_ORDER_UPDATE if bit not in out]
        if not lost:
            return []
        return [
            f"{label}: {' and '.join(lost)} got lost ({quote(out, 80)}). Replace "
            f"its typographic characters first ({ADVICE['e-gsm']}) and drop the "
            "emoji: then it fits one unit whole, with nothing to cut."
        ]
    return _cut_problems(label, text, out)


def _fitted_problems(label: str, text: str, fit: Callable[[str], str], seed: int) -> list[str]:
    """What is wrong with ``fit(text)``, sent as the reply to ``text`` through the simulator."""
    seen: dict[str, Any] = {}

    def handler(message: InboundMessage) -> Response:
        try:
            seen["out"] = fit(message.text)
        except Exception as exc:
            seen["error"] = describe_error(exc)
            raise
        if not isinstance(seen["out"], str):
            return Response()
        return Response().add_message(seen["out"], src=message.to, dst=message.from_)

    run = run_handler(handler, text, seed=seed)
    if "error" in seen:
        return [f"{label}: your function raised {seen['error']}."]
    out = seen.get("out")
    if not isinstance(out, str):
        return [
            f"{label}: your function returned {type(out).__name__}; return "
            "the text to send (a str)."
        ]
    if not out.strip():
        return [f"{label}: your function returned an empty text."]
    failed = run.reply_failed
    if failed:
        return [f"{label}: {failed}"]
    unit = _unit_problem(label, out)
    if unit:
        return [unit]
    return _content_problems(label, text, out)


def check_one_unit(fit: Callable[[str], str], *, grader: Grader = DEFAULT_GRADER) -> CheckResult:
    """(e) ``fit(text)`` returns a text that costs ONE SMS unit: a text that already fits
    comes back unchanged; ``ORDER_UPDATE`` keeps its order number and tracking link; a
    text that must be cut follows :data:`CUT_RULE`: it keeps its first 100 characters,
    ends with ``...`` and uses at least 140 septets."""
    exercise = TITLES["e"]
    if not callable(fit):
        return grader.decline(exercise, f"give your function itself (got {type(fit).__name__}).")
    problems: list[str] = []
    for number, (label, text) in enumerate(_CASES, 1):
        problems.extend(_fitted_problems(label, text, fit, seed=40 + number))
    return grader.grade(
        exercise, problems, f"All {len(_CASES)} replies cost one unit, with nothing lost that fits."
    )
