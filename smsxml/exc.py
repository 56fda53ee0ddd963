"""The small exception hierarchy of smsxml.

Every error smsxml raises on bad input is a :class:`SmsxmlError`, and also a
:class:`ValueError`, so ``except ValueError`` keeps working for callers that do
not know this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .xml import Problem

__all__ = ["SmsxmlError", "XMLBuildError", "XMLValidationError", "SignatureError"]


class SmsxmlError(ValueError):
    """Base class: something given to smsxml cannot be used as it is."""


class XMLBuildError(SmsxmlError):
    """A value cannot be written into Message XML (e.g. a control character)."""


class XMLValidationError(SmsxmlError):
    """A document is not valid Plivo Message XML; ``.problems`` says why."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        shown = "\n".join(f"  {p}" for p in errors[:5])
        more = f"\n  … and {len(errors) - 5} more" if len(errors) > 5 else ""
        super().__init__(f"not valid Plivo Message XML ({len(errors)} error(s)):\n{shown}{more}")


class SignatureError(SmsxmlError):
    """Inputs to signing are unusable (e.g. a URL without scheme or host)."""
