"""What a request to the webhook says: the URL it was made to (from the request line,
never a header that could move the signed path), its signature verdict, its form data."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .._http import parse_form
from ..protocol import DEFAULT_PORTS
from ..signature.canonical import checked_host as _checked_host
from ..signature.canonical import public_origin
from ..signature.nonces import MemoryNonceStore
from ..signature.policy import (
    VERDICTS,
    SignatureCheck,
    Verdict,
    check_signature,
    check_signature_v3,
    signature_headers,
)

# Re-exported: the signature rules live in smsxml.signature.policy, form parsing in smsxml._http.
__all__ = [
    "VERDICTS",
    "MemoryNonceStore",
    "SignatureCheck",
    "Verdict",
    "check_signature",
    "check_signature_v3",
    "parse_form",
    "public_origin",
    "request_target",
    "request_url",
    "signature_headers",
    "text_path",
    "wsgi_path",
]

# --- URL and signature -------------------------------------------------------------------

_PATH_SAFE = "/;=,~!$&'()*+:@"


def wsgi_path(value: str) -> str:
    """A PEP 3333 path (percent-decoded bytes in a latin-1 str) percent-encoded again."""
    if type(value) is str:
        return _wsgi_path(value)
    return _quoted_path(value)  # not text: the same error as ever, never remembered


@functools.lru_cache(maxsize=256)
def _wsgi_path(value: str) -> str:
    """:func:`_quoted_path`, remembered: a function of its argument alone (so never stale),
    and bounded (a client sending many paths only pushes the oldest out)."""
    return _quoted_path(value)


def _quoted_path(value: str) -> str:
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:  # a non-compliant server handing over real text
        raw = value.encode("utf-8")
    return quote(raw, safe=_PATH_SAFE)


def text_path(value: str) -> str:
    """A PEP 3333 path as the text it stands for (its bytes read as UTF-8)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _first(value: str | None) -> str:
    """The first item of a comma-separated proxy header (the client-facing one)."""
    return (value or "").split(",", 1)[0].strip()


def request_target(environ: Mapping[str, Any]) -> str:
    """The path and query as the request line carried them: the server's raw request URI
    when it gives one (waitress: ``REQUEST_URI``, gunicorn: ``RAW_URI``), which keeps the
    exact bytes sent (``%2F`` is not ``/``); else rebuilt from PEP 3333's decoded path."""
    raw = str(environ.get("REQUEST_URI") or environ.get("RAW_URI") or "")
    if raw.startswith("/") and not raw.startswith("//"):
        return raw.split("#", 1)[0]
    path = wsgi_path(environ.get("SCRIPT_NAME", "")) + wsgi_path(environ.get("PATH_INFO", ""))
    query = environ.get("QUERY_STRING") or ""
    return path + (f"?{query}" if query else "")


def request_url(
    environ: Mapping[str, Any], trust_proxy: bool = False, origin: str | None = None
) -> str:
    """The full URL a request was made to, rebuilt from a WSGI environ (PEP 3333 recipe).

    The path and query always come from the request line; only the host comes from the
    ``Host`` header, and it must be a plain ``host[:port]`` (``ValueError`` otherwise), so
    that no header can change which path a signature is checked for.
    ``X-Forwarded-Proto`` / ``X-Forwarded-Host`` are honoured only with ``trust_proxy``:
    anyone can send them, so only trust them when a proxy you run sets them.
    ``origin`` (from :func:`public_origin`) replaces scheme and host, and no header is read.
    """
    tail = request_target(environ)
    if origin is not None:
        return origin + tail
    scheme = environ.get("wsgi.url_scheme") or "http"
    host = environ.get("HTTP_HOST") or ""
    if host:
        _checked_host(host, "Host")
    if trust_proxy:
        proto = _first(environ.get("HTTP_X_FORWARDED_PROTO")).lower()
        if proto in ("http", "https"):
            scheme = proto
        forwarded = _first(environ.get("HTTP_X_FORWARDED_HOST"))
        host = _checked_host(forwarded, "X-Forwarded-Host") if forwarded else host
    if not host:
        host = environ.get("SERVER_NAME") or "localhost"
        port = str(environ.get("SERVER_PORT") or "")
        if port and port != str(DEFAULT_PORTS.get(scheme)):
            host = f"{host}:{port}"
    return f"{scheme}://{host}{tail}"
