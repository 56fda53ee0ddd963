"""Phone numbers as Plivo writes them: E.164 digits without the ``+`` (``14155550100``).

People write ``+1 (415) 555-0100``; Plivo's requests, reports and XML carry
``14155550100``. :func:`plivo_number` turns the one into the other and leaves an
alphanumeric sender ID (``ACME``) as it is. Whether a number is *plausible* for its
country is the validator's question (it asks the phonenumbers library).
"""

from __future__ import annotations

import re

__all__ = ["plivo_number"]

_PUNCTUATION = re.compile(r"[\s().\-]")


def plivo_number(value: str | int) -> str:
    """``value`` as Plivo writes a number: digits only, without ``+``, spaces, dashes,
    dots or brackets; anything that is not a phone number is returned stripped."""
    text = str(value).strip()
    digits = _PUNCTUATION.sub("", text).removeprefix("+")
    return digits if digits.isascii() and digits.isdigit() else text
