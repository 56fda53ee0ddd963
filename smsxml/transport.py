"""Deliver a :class:`~smsxml.inbound.SignedRequest` and collect the reply.

Two ways, same result: over real HTTP with :mod:`requests` (to a running server), or
in-process to a WSGI application (a Flask app, a :class:`~smsxml.webhook.WebhookApp`, …)
with a proper PEP 3333 environ and no socket at all — handy in notebooks and tests.

A URL whose origin has an app :func:`mount`-ed on it is delivered in-process too: that is
how a :class:`~smsxml.webhook.LocalWebhook` answers at its URL where nothing can listen
(the browser), for every smsxml tool that sends (simulator, replay, check, widgets).
"""

from __future__ import annotations

import base64
import functools
import io
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus, unquote_to_bytes, urlsplit

from ._http import reason_phrase
from ._runtime import in_browser
from ._text import display_url
from .exc import AnswerTimeout, DeliveryError

if TYPE_CHECKING:  # pragma: no cover
    from .inbound import SignedRequest

__all__ = [
    "Reply",
    "form_encode",
    "header_value",
    "send",
    "wsgi_environ",
    "resolve_target",
    "mount",
    "mounted",
    "unmount",
    "WSGIApp",
    "IN_PROCESS_HOST",
]

WSGIApp = Callable[..., Iterable[bytes]]

#: Where an in-process WSGI app is called when nothing says otherwise.
IN_PROCESS_HOST = "http://testserver"


def resolve_target(given: object) -> tuple[WSGIApp | None, str | None]:
    """What to send to: ``(None, url)`` for a URL or an object with an http(s) ``url``
    (a LocalWebhook); ``(app, url)`` for a WSGI app, ``url`` at ``http://testserver`` with
    the app's own ``path`` when it has one (a WebhookApp), else None; ``(None, None)`` for
    anything else (the caller says what it wanted)."""
    if isinstance(given, str):
        return None, given
    url = getattr(given, "url", None)
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        return None, url
    if callable(given):
        path = getattr(given, "path", None)
        ok = isinstance(path, str) and path.startswith("/")
        return given, f"{IN_PROCESS_HOST}{path}" if ok else None
    return None, None


def header_value(
    headers: Mapping[str, object], name: str, default: str | None = None
) -> str | None:
    """The value of header ``name`` in ``headers`` (any case; the first, as
    :func:`~smsxml._headers.header_map` finds it), or ``default``: one look along the
    headers, no map built for it."""
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            return str(value)
    return default


@dataclass(frozen=True)
class Reply:
    """What the app answered: status, headers, body, and how long it took (seconds)."""

    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float

    def header(self, name: str, default: str | None = None) -> str | None:
        """The value of header ``name`` (any case), or ``default``."""
        return header_value(self.headers, name, default)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case (``"text/xml"``), or ``""``."""
        value = self.header("Content-Type") or ""
        return value.split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str:
        """The charset named in Content-Type, else UTF-8."""
        for param in (self.header("Content-Type") or "").split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"')
        return "utf-8"

    @property
    def text(self) -> str:
        """The body as text (undecodable bytes replaced)."""
        try:
            return self.body.decode(self.charset, errors="replace")
        except LookupError:  # an unknown charset name
            return self.body.decode("utf-8", errors="replace")

    @property
    def ok(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status < 300

    @property
    def reason(self) -> str:
        """The standard reason phrase of the status (``"OK"``), or ``""``."""
        return reason_phrase(self.status)

    def __repr__(self) -> str:
        kind = self.content_type or "no content type"
        return (
            f"Reply({self.status} {self.reason}, {kind}, {len(self.body)} bytes, "
            f"{self.elapsed * 1000:.1f} ms)"
        )


def send(
    request: SignedRequest,
    target: WSGIApp | None = None,
    *,
    timeout: float = 10.0,
) -> Reply:
    """Deliver ``request``: over HTTP to ``request.url`` when ``target`` is None, else
    in-process to the WSGI application ``target`` (``timeout`` then does not apply).

    Redirects are not followed (Plivo does not follow them either): a 3xx comes back as
    the reply. Failure to deliver raises :class:`DeliveryError`.
    """
    if target is None:
        answering = _mounted.get(_origin(request.url))
        if answering is not None:
            return _send_wsgi(request, answering)
        if in_browser():
            raise DeliveryError(
                f"cannot reach {display_url(request.url)}: Python in the browser opens no "
                "connections; send to a LocalWebhook's url, or pass the WSGI app itself"
            )
        return _send_http(request, timeout)
    if not callable(target):
        raise DeliveryError(
            f"target must be a WSGI application (a callable), not {type(target).__name__}"
        )
    return _send_wsgi(request, target)


# --- apps answering at a URL without a socket ----------------------------------------------

_mounted: dict[str, WSGIApp] = {}
_mounted_lock = threading.Lock()


def _origin(url: str) -> str:
    """``http://127.0.0.1:8000`` for any URL on that scheme, host and port."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"


def mount(url: str, app: WSGIApp) -> None:
    """Answer every request to ``url``'s origin (scheme, host, port) with ``app``,
    in-process, until :func:`unmount`. Raises :class:`DeliveryError` if another app holds
    that origin."""
    origin = _origin(url)
    with _mounted_lock:
        held = _mounted.get(origin)
        if held is not None and held is not app:
            raise DeliveryError(f"{origin} already answers in-process with another app")
        _mounted[origin] = app


def unmount(url: str, app: WSGIApp) -> None:
    """Stop answering ``url``'s origin with ``app`` (nothing happens if it no longer does)."""
    origin = _origin(url)
    with _mounted_lock:
        if _mounted.get(origin) is app:
            del _mounted[origin]


def mounted(url: str) -> bool:
    """True when ``url``'s origin is answered in-process."""
    return _origin(url) in _mounted


def _send_http(request: SignedRequest, timeout: float) -> Reply:
    import requests  # lazy: keep `import smsxml` light

    shown = display_url(request.url)
    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc from the environment: talk to the URL
    started = time.perf_counter()
    try:
        response = session.request(
            request.method,
            request.url,
            headers=request.headers,
            data=request.body or None,
            timeout=timeout,
            allow_redirects=False,
        )
        body = response.content
    except requests.exceptions.Timeout:
        raise AnswerTimeout(
            f"no reply from {shown} within {timeout:g} s (is the app stuck?)"
        ) from None
    except requests.exceptions.ConnectionError as exc:
        raise DeliveryError(
            f"could not connect to {shown}: {_reason(exc)}; is your server running "
            "and listening on that host and port?"
        ) from None
    except requests.exceptions.RequestException as exc:
        raise DeliveryError(f"could not send the request to {shown}: {_reason(exc)}") from None
    finally:
        session.close()
    elapsed = time.perf_counter() - started
    return Reply(
        status=response.status_code,
        headers=dict(response.headers.items()),
        body=body,
        elapsed=elapsed,
    )


def _reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, in a few words."""
    text = str(exc)
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        reason = getattr(current, "reason", None)
        current = (
            reason
            if isinstance(reason, BaseException)
            else (current.__cause__ or current.__context__)
        )
    if "refused" in text.lower():
        return "connection refused"
    if "Name or service not known" in text or "getaddrinfo" in text:
        return "host name not found"
    return text


# --- the form body ---------------------------------------------------------------------------


#: ``quote_plus`` of each ASCII character, as a table for ``str.translate``: the characters
#: ``urlencode`` leaves as they are map to themselves, the space to "+", the rest to "%XX".
_FORM_QUOTED = {
    code: "+" if code == 0x20 else f"%{code:02X}"
    for code in range(128)
    if not (chr(code).isalnum() or chr(code) in "_.-~")
}
#: A character ``urlencode`` quotes (anything but letters, digits and "_.-~").
_NEEDS_QUOTING = re.compile(r"[^A-Za-z0-9_.~-]")
_TIME_LIKE = re.compile(r"[A-Za-z0-9_.~: -]*")
#: ``name=value`` pairs quoted lately (as ``quote_plus`` quotes each side), by the pair:
#: what Plivo sends repeats (names, numbers, statuses, a message's UUID and its times in
#: each of its reports). A pure function's results: forgetting them costs only time.
_PAIRS: dict[tuple[str, str], str] = {}
_PAIRS_KEPT, _PAIR_LENGTH = 1024, 96  # how many are kept, and the longest pair kept


def _form_quoted(text: str) -> str:
    """``quote_plus(text)``: at once for what needs no quoting or, like the times Plivo
    sends (``2026-01-01 12:00:00.000000``), only its spaces and colons quoted; by the table
    for other ASCII text."""
    if _NEEDS_QUOTING.search(text) is None:
        return text
    if _TIME_LIKE.fullmatch(text):
        return text.replace(":", "%3A").replace(" ", "+")
    return text.translate(_FORM_QUOTED) if text.isascii() else quote_plus(text)


def _pair(item: tuple[str, str]) -> str:
    """``name=value`` quoted, kept for next time when it is short."""
    name, text = item
    pair = f"{_form_quoted(name)}={_form_quoted(text)}"
    if len(name) + len(text) <= _PAIR_LENGTH:
        if len(_PAIRS) >= _PAIRS_KEPT:
            _PAIRS.clear()
        _PAIRS[item] = pair
    return pair


def form_encode(values: Mapping[str, str]) -> str:
    """``values`` as ``application/x-www-form-urlencoded`` UTF-8 text: byte for byte what
    ``urllib.parse.urlencode(values, encoding="utf-8")`` gives, each name and value quoted
    as ``quote_plus`` quotes it (the pairs seen lately looked up, not quoted again)."""
    pairs = list(map(_PAIRS.get, values.items()))
    if None in pairs:
        pairs = [pair or _pair(item) for pair, item in zip(pairs, values.items(), strict=True)]
    return "&".join(pairs)  # type: ignore[arg-type]


# --- WSGI ----------------------------------------------------------------------------------


def wsgi_environ(request: SignedRequest) -> dict[str, Any]:
    """A PEP 3333 environ for ``request``, as a server on the URL's host would build it."""
    path_info, query, target, host, port, netloc, scheme, authorization = _url_environ(request.url)
    body = request.body or b""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "REQUEST_URI": target,
        "SERVER_NAME": host,
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": netloc,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    if body or request.method == "POST":
        environ["CONTENT_LENGTH"] = str(len(body))
    if authorization is not None:  # requests sends URL credentials as Basic auth
        environ["HTTP_AUTHORIZATION"] = authorization
    for name, value in request.headers.items():
        environ[_environ_key(name)] = value
    return environ


@functools.lru_cache(maxsize=256)
def _url_environ(url: str) -> tuple[str, str, str, str, str, str, str, str | None]:
    """What an environ takes from the URL alone (cached: the same few URLs all along):
    PATH_INFO, QUERY_STRING, REQUEST_URI, SERVER_NAME, SERVER_PORT, Host, the scheme and
    the Basic Authorization the URL's credentials make (None without any)."""
    parts = urlsplit(url)
    scheme = parts.scheme
    port = parts.port or (443 if scheme == "https" else 80)
    authorization = None
    if parts.username is not None:
        creds = f"{unquote_to_bytes(parts.username).decode('latin-1')}:" + (
            unquote_to_bytes(parts.password or "").decode("latin-1")
        )
        authorization = f"Basic {base64.b64encode(creds.encode('latin-1')).decode('ascii')}"
    return (
        # PEP 3333: the path is percent-decoded bytes, carried in a latin-1 str
        unquote_to_bytes(parts.path or "/").decode("latin-1"),
        parts.query,
        # the request target as sent, as waitress gives it (the bytes a signature is over)
        (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
        parts.hostname or "",
        str(port),
        parts.netloc.rsplit("@", 1)[-1],
        scheme,
        authorization,
    )


@functools.lru_cache(maxsize=256)
def _environ_key(header: str) -> str:
    """Where a header goes in an environ: ``X-Plivo-Signature-V2`` → ``HTTP_X_PLIVO_…``;
    Content-Type and Content-Length without the prefix, Host as HTTP_HOST."""
    key = header.upper().replace("-", "_")
    if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        return key
    return "HTTP_HOST" if key == "HOST" else f"HTTP_{key}"


def _send_wsgi(request: SignedRequest, app: WSGIApp) -> Reply:
    environ = wsgi_environ(request)
    state: dict[str, Any] = {"status": None, "headers": []}
    chunks: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None:
            try:
                if chunks:  # headers already "sent": PEP 3333 says re-raise
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif state["status"] is not None:
            raise AssertionError("start_response called twice without exc_info")
        state["status"], state["headers"] = status, list(headers)
        return _write

    def _write(data: bytes) -> None:
        chunks.append(_bytes(data))

    started = time.perf_counter()
    result = app(environ, start_response)
    try:
        for chunk in result:
            chunks.append(_bytes(chunk))
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    elapsed = time.perf_counter() - started
    if state["status"] is None:
        raise DeliveryError("the WSGI app returned without calling start_response()")
    try:
        status = int(str(state["status"]).split(None, 1)[0])
    except ValueError:
        raise DeliveryError(f"the WSGI app gave a bad status line: {state['status']!r}") from None
    headers: dict[str, str] = {}
    for name, value in state["headers"]:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return Reply(status=status, headers=headers, body=b"".join(chunks), elapsed=elapsed)


def _bytes(data: object) -> bytes:
    if not isinstance(data, bytes | bytearray):
        raise DeliveryError(
            f"the WSGI app produced {type(data).__name__}, not bytes (PEP 3333 requires bytes)"
        )
    return bytes(data)
