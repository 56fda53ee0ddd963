"""HTTP headers looked up without regard to case, with the standard library's
:class:`wsgiref.headers.Headers` (no map of our own)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from wsgiref.headers import Headers

__all__ = ["header_map"]


def header_map(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> Headers:
    """``headers`` (a dict or ``(name, value)`` pairs) as a case-insensitive map:
    ``header_map(h).get("content-type")``."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return Headers([(str(name), str(value)) for name, value in items])
