"""HTTP plumbing shared by every part that reads a request (the webhook, the proxy, the
policy): WSGI headers under their usual names, bounded body reading, strict form data; and
the one table of status reason phrases every part that answers or reports one uses."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_to_bytes

__all__ = ["environ_headers", "parse_form", "read_at_most", "reason_phrase", "status_line"]

#: Reason phrases by status: the standard library's, with RFC 9110's newer names where
#: Python's differ by version (413 is "Request Entity Too Large" before Python 3.13).
REASON_PHRASES: dict[int, str] = {
    **{status.value: status.phrase for status in HTTPStatus},
    413: "Content Too Large",
}


def reason_phrase(status: int, default: str = "") -> str:
    """The reason phrase of ``status`` (``"Not Found"``), or ``default`` for one unknown."""
    return REASON_PHRASES.get(status, default)


def status_line(status: int) -> str:
    """``"404 Not Found"``: a WSGI status line (``"599 Status"`` for an unknown status)."""
    return f"{status} {reason_phrase(status, 'Status')}"


def environ_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """A WSGI request's headers under their usual names (``Host``,
    ``X-Plivo-Signature-V2``, ``Content-Type``…), as the client sent them."""
    headers = {}
    for key, value in environ.items():
        name = _header_name(key)  # None for a key that is no header
        if name is not None and (value not in ("", None) or key[:5] == "HTTP_"):
            headers[name] = str(value)
    return headers


@functools.lru_cache(maxsize=512)
def _header_name(key: str) -> str | None:
    """The header a WSGI environ key stands for (``HTTP_X_PLIVO_SIGNATURE_V2`` →
    ``X-Plivo-Signature-V2``, ``CONTENT_TYPE`` → ``Content-Type``), None for a key that is
    none. Remembered: a function of its argument alone, so never stale, and bounded, so a
    client inventing names only pushes the oldest out; an environ holds the same few keys
    request after request."""
    if key.startswith("HTTP_"):
        key = key[5:]
    elif key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        return None
    return "-".join(part.capitalize() for part in key.split("_"))


def read_at_most(stream: Any, limit: int) -> bytes:
    """Read up to ``limit`` bytes, never more, even if the stream would give more."""
    chunks, got = [], 0
    while got < limit:
        chunk = stream.read(min(limit - got, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def parse_form(data: bytes) -> dict[str, str]:
    """``application/x-www-form-urlencoded`` bytes → dict (first value of a repeated name).

    Strict where :func:`urllib.parse.parse_qsl` is lenient: a ``%`` not followed by two hex
    digits, or bytes that are not UTF-8, are a ``ValueError`` saying which.
    """
    # (bytes.find, not "in", which on Python 3.11 formats and drops a TypeError first)
    if data.find(b"%") < 0:  # nothing to unquote: decoded at once (the usual form, Plivo's)
        try:
            text = data.replace(b"+", b" ").decode("utf-8")
        except UnicodeDecodeError:
            pass  # the field by field reading below says which field
        else:
            # "&" and "=" are ASCII: no UTF-8 sequence holds their bytes, so splitting the
            # text is splitting the bytes
            params: dict[str, str] = {}
            for piece in text.split("&"):
                if piece:
                    name, _, value = piece.partition("=")
                    params.setdefault(name, value)
            return params
    return _parse_fields(data)


def _parse_fields(data: bytes) -> dict[str, str]:
    """:func:`parse_form` field by field, unquoting each."""
    params: dict[str, str] = {}
    for number, piece in enumerate(data.split(b"&"), start=1):
        if not piece:
            continue
        bad = _BAD_PERCENT.search(piece)
        if bad:
            raise ValueError(
                f"bad percent-encoding in field {number}: '%' must be followed by two hex digits"
            )
        name, _, value = piece.partition(b"=")
        try:
            key = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8")
            text = unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"field {number} is not UTF-8 text") from None
        params.setdefault(key, text)
    return params
