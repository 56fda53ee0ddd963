"""Build, parse and validate Plivo Message XML.

A message_url answers Plivo with a document like::

    <Response>
      <Message src="12025550000" dst="15671234567" type="sms">Hi</Message>
    </Response>

- :mod:`.message` and :mod:`.build`: :class:`Message` and :class:`Response` write it,
  byte-identical to the plivo SDK's ``ResponseElement.to_string()``; :func:`parse` turns a
  document back into a :class:`Response`.
- :mod:`.check`: :func:`validate` lists what Plivo would object to (DTDs refused: nothing
  is expanded or fetched); :mod:`.malformed` explains XML that is not well-formed.
- :mod:`.problems`: :class:`Problem` and :data:`CATALOGUE`, every code :func:`validate`
  can report with its severity, summary and wording (``catalogue()`` lists it).
"""

from __future__ import annotations

from ..protocol import MAX_TEXT_LENGTH
from .build import Message, Response, parse
from .check import validate
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
