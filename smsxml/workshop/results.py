"""What a check returns: :class:`CheckResult` for one exercise, :class:`Score` for all six.

Both read the same on every run for the same code, as text (``str()``) and as HTML in a
notebook (built with :mod:`smsxml._html`, so every piece of text is escaped).
"""

from __future__ import annotations

from dataclasses import dataclass

from .._html import Safe, badge, escape, table
from .._text import shorten

__all__ = ["CheckResult", "Score"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: ``passed``, and ``messages`` in plain words.

    ``str()`` (and the text shown in a notebook) starts with "✓ Passed" or "✗ Not yet",
    then one line per message. It is the same on every run for the same code.
    """

    exercise: str
    passed: bool
    messages: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        head = f"✓ Passed — {self.exercise}" if self.passed else f"✗ Not yet — {self.exercise}"
        return "\n".join([head] + [f"  • {m}" for m in self.messages])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        mark = badge(self.passed, "✓ Passed" if self.passed else "✗ Not yet")
        items = "".join(f"<li>{escape(m)}</li>" for m in self.messages)
        return f"<div class='smsxml-check'>{mark} — {escape(self.exercise)}<ul>{items}</ul></div>"


@dataclass(frozen=True)
class Score:
    """All six checks at once, as a table (for an instructor, or a learner's last cell)."""

    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> int:
        """How many of the checks passed."""
        return sum(r.passed for r in self.results)

    def __str__(self) -> str:
        width = max(len(r.exercise) for r in self.results)
        rows = [
            f"{r.exercise:<{width}}  {'✓ passed' if r.passed else '✗ not yet'}"
            + ("" if r.passed or not r.messages else f"  — {shorten(r.messages[0], 60)}")
            for r in self.results
        ]
        return "\n".join([*rows, f"{self.passed} of {len(self.results)} passed"])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = [
            (
                r.exercise,
                badge(r.passed, "✓ passed" if r.passed else "✗ not yet"),
                "" if r.passed or not r.messages else r.messages[0],
            )
            for r in self.results
        ]
        header = ("exercise", "result", "first thing to fix")
        summary = Safe(f"<p><b>{self.passed} of {len(self.results)} passed</b></p>")
        return table(rows, header, css="smsxml-score") + summary
