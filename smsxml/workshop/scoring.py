"""All six checks at once on what a workshop notebook defines: :func:`score`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .checks import (
    check_bulk_notify,
    check_delivery_reports,
    check_fixed_xml,
    check_language_reply,
    check_one_unit,
    check_refuses_unsigned,
)
from .exercises import NOTEBOOK_NAMES, TITLES
from .grading import DEFAULT_GRADER, Grader
from .harness import describe_error
from .results import CheckResult, Score

__all__ = ["score"]


def _checks(grader: Grader) -> dict[str, Callable[..., CheckResult]]:
    """Each exercise's check, called with the notebook's names (in :data:`NOTEBOOK_NAMES`)."""
    return {
        "a": lambda handler: check_language_reply(handler, grader=grader),
        "b": lambda handler: check_bulk_notify(handler, grader=grader),
        "c": lambda build: check_refuses_unsigned(build(), grader=grader),
        "d": lambda xml: check_fixed_xml(xml, grader=grader),
        "e": lambda fit: check_one_unit(fit, grader=grader),
        "f": lambda on_report, received: check_delivery_reports(on_report, received, grader=grader),
    }


def score(namespace: Mapping[str, Any], *, grader: Grader = DEFAULT_GRADER) -> Score:
    """Run the six checks on what a workshop notebook defines: ``score(globals())``.

    An exercise whose names are not defined yet (``reply_in_language``, ``notify_team``,
    ``build_app``, ``fixed_xml``, ``fit_one_sms``, ``on_delivery_report`` and ``received``)
    is "not yet", with the name to define."""
    results = []
    for key, check in _checks(grader).items():
        exercise, names = TITLES[key], NOTEBOOK_NAMES[key]
        missing = [name for name in names if name not in namespace]
        if missing:
            results.append(CheckResult(exercise, False, (f"define {missing[0]} first.",)))
            continue
        try:
            results.append(check(*(namespace[name] for name in names)))
        except Exception as exc:  # e.g. build_app() itself raising
            results.append(CheckResult(exercise, False, (f"it raised {describe_error(exc)}.",)))
    return Score(tuple(results))
