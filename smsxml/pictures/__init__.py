"""Pictures for what a learner would rather look at than read.

- :func:`signing_steps_v2`: how X-Plivo-Signature-V2 is made from a URL and a nonce, with
  the real strings, and where a TLS proxy or a tunnel changes the URL.
- :func:`proxy_path`: Plivo → tunnel (or TLS proxy) → your app: what each hop sees, and
  which URL the signature was made over.
- :func:`segment_bar`: how a text is cut into SMS units, and why 161 GSM-7 characters
  cost two units of 153.

Each returns an :class:`~smsxml.diagram.SVG`, drawn with the primitives of
:mod:`smsxml.diagram`: plain SVG (no script, stylesheet or external resource, so it shows
in an untrusted notebook too), the same input giving the same bytes, every text escaped.
Text is measured with Helvetica's widths (the font asked for first; Arial and Liberation
Sans share them) so that it stays inside its box; values are set in a monospace font and
long ones are shortened in the middle with "…". An auth token is never drawn.
"""

from __future__ import annotations

from .route import proxy_path
from .signing import signing_steps_v2
from .units import segment_bar

__all__ = ["signing_steps_v2", "proxy_path", "segment_bar"]
