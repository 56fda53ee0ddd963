"""The grading state of one learner: how often each exercise was checked and how many times
in a row it failed, held by a :class:`Grader` rather than by the module.

Hints escalate with that state: the first failure of an exercise gets a nudge, the next
ones in a row the solution too; a pass starts over. The notebook-facing ``check_…()``
functions share :data:`DEFAULT_GRADER` (one per kernel, like the learner); a test or an
instructor grading several people gives each their own ``Grader()``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .results import CheckResult

__all__ = ["Grader", "DEFAULT_GRADER"]


@dataclass
class Grader:
    """Turns what a check found into a :class:`CheckResult`, and remembers per exercise
    (by its title) how many times it was checked and how many times in a row it failed."""

    tries: Counter[str] = field(default_factory=Counter)
    failures_in_a_row: Counter[str] = field(default_factory=Counter)

    def grade(self, exercise: str, problems: Sequence[str], success: str) -> CheckResult:
        """Passed when nothing was found (``success`` says what passed), else the problems;
        either way, the try is remembered."""
        self.tries[exercise] += 1
        if problems:
            self.failures_in_a_row[exercise] += 1
            return CheckResult(exercise, False, tuple(problems))
        del self.failures_in_a_row[exercise]
        return CheckResult(exercise, True, (success,))

    def decline(self, exercise: str, reason: str) -> CheckResult:
        """Not yet, without checking: what was given cannot be checked (not a function, not
        a string…). Counted as a try; the hints do not move on for it."""
        self.tries[exercise] += 1
        return CheckResult(exercise, False, (reason,))

    def nudge(self, exercise: str, nudge: str, solution: str) -> str:
        """``nudge`` the first time an exercise fails; with the ``solution`` after it from the
        second failure in a row on (asked before the failure is graded)."""
        if self.failures_in_a_row[exercise] < 1:
            return nudge
        return f"{nudge} Still stuck? {solution}"

    def reset(self) -> None:
        """Forget every try: the hints start over."""
        self.tries.clear()
        self.failures_in_a_row.clear()


#: The grader the notebook-facing checks use unless given another one.
DEFAULT_GRADER = Grader()
