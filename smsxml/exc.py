"""Every error smsxml raises, in one small tree.

::

    SmsxmlError
    ├── InputError (also a ValueError): something given to smsxml cannot be used as it is
    │   ├── XMLBuildError        a value cannot be written into Message XML
    │   ├── XMLValidationError   a document is not valid Message XML (.problems says why)
    │   ├── SignatureError       inputs to signing are unusable (e.g. a URL without a host)
    │   ├── RequestError         a Plivo request cannot be built from what was given
    │   ├── RecordingError       a recording file (or a line of it) cannot be read
    │   ├── ReplayError          a recording or a target cannot be replayed
    │   ├── SimulatorError       the simulator was given something it cannot use
    │   ├── WidgetError          a widget was given something it cannot use
    │   ├── WebhookError         a local webhook or server cannot be set up as asked
    │   └── CliError             a command cannot do what was asked (exit 2)
    └── DeliveryError (also a ConnectionError): a request could not be delivered

``except ValueError`` and ``except ConnectionError`` keep working for callers that do not
know this package.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ._text import plural

if TYPE_CHECKING:  # pragma: no cover
    from .xml import Problem

__all__ = [
    "SmsxmlError",
    "InputError",
    "WrongTypeError",
    "XMLBuildError",
    "XMLValidationError",
    "SignatureError",
    "RequestError",
    "RecordingError",
    "ReplayError",
    "SimulatorError",
    "WidgetError",
    "WebhookError",
    "CliError",
    "DeliveryError",
    "AnswerTimeout",
]


class SmsxmlError(Exception):
    """Base class of every error smsxml raises on purpose."""


class InputError(SmsxmlError, ValueError):
    """Something given to smsxml cannot be used as it is."""


class WrongTypeError(InputError, TypeError):
    """An argument of the wrong type (a token that is not text, a handler that is not a
    function…). Also a ``TypeError``, for code that caught one before."""


class XMLBuildError(InputError):
    """A value cannot be written into Message XML (e.g. a control character)."""


class XMLValidationError(InputError):
    """A document is not valid Plivo Message XML; ``.problems`` says why."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        shown = "\n".join(f"  {p}" for p in errors[:5])
        more = f"\n  … and {len(errors) - 5} more" if len(errors) > 5 else ""
        super().__init__(
            f"not valid Plivo Message XML ({plural(len(errors), 'error')}):\n{shown}{more}"
        )


class SignatureError(InputError):
    """Inputs to signing are unusable (e.g. a URL without scheme or host)."""


class RequestError(InputError):
    """A request cannot be built from what was given (bad method, URL, missing field…)."""


class RecordingError(InputError):
    """A recording file (or one of its lines) cannot be read."""


class ReplayError(InputError):
    """The recording or the target given to ``replay`` cannot be used."""


class SimulatorError(InputError):
    """The simulator was given something it cannot use (bad numbers, outcomes, target…)."""


class WidgetError(InputError):
    """A widget was given something it cannot use (bad parameters, no entries…)."""


class WebhookError(InputError):
    """A local webhook or the server under it cannot be set up as asked (a port outside
    0–65535, limits that are not positive numbers, options beside a ready app…)."""


class CliError(InputError):
    """A command cannot do what was asked (unreadable file, bad argument…): exit 2."""


class DeliveryError(SmsxmlError, ConnectionError):
    """The request could not be delivered (nothing listening, timeout, bad URL…)."""


class AnswerTimeout(DeliveryError, TimeoutError):
    """The request went out, but no answer came within the time allowed."""
