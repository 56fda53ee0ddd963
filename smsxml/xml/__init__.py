"""Build, parse and validate Plivo Message XML.

A message_url answers Plivo with a document like::

    <Response>
      <Message src="12025550000" dst="15671234567" type="sms">Hi</Message>
    </Response>

- :mod:`.build`: :class:`Response` and :class:`Message` write it, byte-identical to the
  plivo SDK's ``ResponseElement.to_string()``.
- :mod:`.check`: :func:`validate` lists what Plivo would object to, :func:`parse` turns a
  document back into a :class:`Response` (DTDs refused: nothing is expanded or fetched).
- :mod:`.problems`: :class:`Problem` and :data:`CATALOGUE`, every code :func:`validate`
  can report with its severity, summary and wording (``catalogue()`` lists it).
"""

from __future__ import annotations

from ..protocol import MAX_TEXT_LENGTH
from .build import Message, Response
from .check import parse, validate
from .problems import (
    CATALOGUE,
    MAX_DOCUMENT_BYTES,
    Problem,
    ProblemCode,
    ProblemKind,
    Severity,
    Wording,
    catalogue,
    summary,
    unwritable_problem,
)

__all__ = [
    "CATALOGUE",
    "MAX_DOCUMENT_BYTES",
    "MAX_TEXT_LENGTH",
    "Message",
    "Problem",
    "ProblemCode",
    "ProblemKind",
    "Response",
    "Severity",
    "Wording",
    "catalogue",
    "parse",
    "unwritable_problem",
    "summary",
    "validate",
]
