"""HTTP headers looked up without regard to case: :func:`header_map`, the standard
library's :class:`wsgiref.headers.Headers` (no map class of our own), and
:func:`header_index`, a plain dict for the request path's repeated look-ups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from wsgiref.headers import Headers

__all__ = ["header_index", "header_map"]


def header_map(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> Headers:
    """``headers`` (a dict or ``(name, value)`` pairs) as a case-insensitive map:
    ``header_map(h).get("content-type")``."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return Headers([(str(name), str(value)) for name, value in items])


def header_index(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """``headers`` as a dict from each name in lower case to its first value: what
    ``header_map(headers).get(name)`` answers, as ``index.get(name.lower())``, with one
    dict look-up instead of a walk along the headers. Built from ``headers`` each time it is
    called and never changed after, so it cannot fall behind them; the same errors as
    :func:`header_map` for what is not headers."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    index: dict[str, str] = {}
    for name, value in items:
        index.setdefault(str(name).lower(), str(value))
    return index
