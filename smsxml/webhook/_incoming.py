"""One incoming request, read once: what the app learns about it while it is processed
(:class:`Exchange`), its query and form parameters, its content type and its body within
``max_body``. A request that cannot be read is :class:`Refused` with a status and a reason."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .._http import environ_headers, read_at_most
from ..inbound import InboundMessage, StatusReport
from ..protocol import FORM_CONTENT_TYPE
from ..signature.policy import SignatureCheck, Verdict, Verification
from .log import utc_now
from .request import parse_form, request_url, wsgi_path

if TYPE_CHECKING:  # pragma: no cover
    from ..xml import Problem

__all__ = [
    "Exchange",
    "Refused",
    "check_content_type",
    "form",
    "incoming",
    "query_params",
    "read_body",
    "salvage",
]

_DIGITS = re.compile(r"[0-9]+", re.ASCII)


class Refused(Exception):
    """Answer ``status`` with the short plain-text ``reason``."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class Exchange:
    """Everything learned about one request while it is processed."""

    environ: Mapping[str, Any]
    method: str
    url: str
    path: str
    headers: dict[str, str]
    started: float
    time: datetime
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)
    verdict: Verdict = "not checked"
    signature: SignatureCheck | Verification | None = None
    detail: str = ""
    message: InboundMessage | None = None
    reply: str | None = None
    problems: tuple[Problem, ...] = ()
    error: str | None = None
    traceback: str | None = None
    body_read: bool = False
    recorded: bool = False
    report: StatusReport | None = None
    bad_request: str = ""
    #: The body's form fields, once read and parsed (its content type checked first).
    form: dict[str, str] | None = None
    #: False when the URL could not be worked out from the environ (a broken one).
    url_read: bool = True


def incoming(
    environ: Mapping[str, Any], trust_proxy: bool, origin: str | None, started: float
) -> Exchange:
    """The request in ``environ`` as an :class:`Exchange`: its method, URL, path and headers
    (a Host that is not host[:port] is kept as ``bad_request``, refused with 400 later)."""
    method = str(environ.get("REQUEST_METHOD", "GET")).upper()
    bad_request = ""
    url_read = True
    try:
        url = request_url(environ, trust_proxy, origin)
    except ValueError as exc:  # a Host that is not host[:port]: refused with 400
        bad_request = str(exc)
        url = f"{environ.get('wsgi.url_scheme') or 'http'}://invalid-host" + wsgi_path(
            str(environ.get("PATH_INFO", ""))
        )
    except Exception:  # a broken environ: still answer and log
        url, url_read = "http://unknown/", False
    return Exchange(
        environ=environ,
        method=method,
        url=url,
        path=wsgi_path(environ.get("PATH_INFO", "")) or "/",
        headers=environ_headers(environ),
        started=started,
        time=utc_now(),
        bad_request=bad_request,
        url_read=url_read,
    )


def query_params(environ: Mapping[str, Any]) -> dict[str, str]:
    """The query string's parameters (400 when malformed)."""
    query = environ.get("QUERY_STRING") or ""
    if not query:
        return {}  # what reading no form data gives
    try:
        raw = query.encode("latin-1")
    except UnicodeEncodeError:
        raw = query.encode("utf-8")
    return form(raw, what="query string")


def form(data: bytes, what: str = "body") -> dict[str, str]:
    """Form data as a dict (400 when malformed, naming ``what``)."""
    try:
        return parse_form(data)
    except ValueError as exc:
        raise Refused(400, f"malformed {what}: {exc}") from None


def check_content_type(environ: Mapping[str, Any]) -> None:
    """Refuse (415) a body that is not UTF-8 form data, the only kind Plivo sends."""
    reason = _content_type_problem(str(environ.get("CONTENT_TYPE") or ""))
    if reason:
        raise Refused(415, reason)


@functools.lru_cache(maxsize=64)
def _content_type_problem(value: str) -> str:
    """Why a Content-Type of ``value`` is refused ("" when it is UTF-8 form data).
    Remembered: a function of its argument alone (so never stale), and bounded."""
    media, *params = [part.strip() for part in value.split(";")]
    if media.lower() != FORM_CONTENT_TYPE:
        got = media or "no content type"
        return f"expected {FORM_CONTENT_TYPE} (as Plivo sends), got {got}"
    for param in params:
        key, _, charset = param.partition("=")
        charset = charset.strip().strip('"').lower()
        if key.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
            return f"expected UTF-8 form data, got charset={charset}"
    return ""


def read_body(environ: Mapping[str, Any], max_body: int) -> bytes:
    """The body, as long as its Content-Length says and never over ``max_body`` (413)."""
    stream = environ.get("wsgi.input")
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if declared:
        if not _DIGITS.fullmatch(declared):  # "5, 7" (two headers), "1\xb9", "-1", "1e3"
            raise Refused(400, f"Content-Length {declared[:40]!r} is not a number")
        length = int(declared) if len(declared) < 19 else 10**18  # int() refuses 4,300+
        if length > max_body:
            raise Refused(413, f"body of {length} bytes is over the {max_body} limit")
    elif environ.get("wsgi.input_terminated"):
        length = None  # the server marks the end of the body: read up to the limit
    else:
        return b""  # PEP 3333: no Content-Length means no body
    if stream is None:
        return b""
    want = max_body + 1 if length is None else min(length, max_body + 1)
    try:
        body = read_at_most(stream, want)
    except OSError:
        raise Refused(
            400, "could not read the request body (shorter than its Content-Length?)"
        ) from None
    if len(body) > max_body:
        raise Refused(413, f"body is over the {max_body} byte limit")
    if length is not None and len(body) < length:
        raise Refused(
            400, f"body is shorter than its Content-Length ({len(body)} of {length} bytes)"
        )
    return body


def salvage(ex: Exchange, max_body: int) -> None:
    """For the log and the recording of a refused request: its parameters and body,
    read only now (after the refusal was decided) and within ``max_body``."""
    try:
        if not ex.body_read and ex.method == "POST":
            ex.body_read = True
            ex.body = read_body(ex.environ, max_body)
        if not ex.params:
            ex.params = {**query_params(ex.environ), **parse_form(ex.body)}
    except (Refused, ValueError, OSError):
        pass
