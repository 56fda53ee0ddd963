"""A Plivo message_url webhook as a plain WSGI app, and a local server to run it.

:class:`WebhookApp` does what a careful ``message_url`` handler must do, so that your
handler only has to decide what to answer: it rebuilds the URL Plivo called, checks the
``X-Plivo-Signature-V2`` (or ``-Ma-V2``) signature, parses the form data into an
:class:`InboundMessage`, calls ``handler(message)``, validates the XML it returns and answers
``application/xml``. Everything else gets the right status and a short plain-text reason,
and every request is kept in :attr:`WebhookApp.log` (a :class:`RequestLog`) — with a
diagnosis when a signature fails.

With ``status_path="/sms_status/"`` the same app also receives the delivery reports Plivo
sends to a Message's ``callbackUrl``: each is signature-checked, logged, parsed into a
:class:`StatusReport`, passed to ``on_status`` (when given) and answered ``200 OK``.

In a notebook, :class:`LocalWebhook` serves it on 127.0.0.1 from a background thread::

    hook = LocalWebhook(lambda m: Response().add_message("hi", src=m.to, dst=m.from_))
    hook.url   # http://127.0.0.1:PORT/receive_sms/
    hook.log   # every request, as a table

The same app runs unchanged under any WSGI server. An auto-reply demo under gunicorn::

    gunicorn "smsxml.webhook:demo_app()"

(token from ``$PLIVO_AUTH_TOKEN``, else the demo token; add ``--bind 127.0.0.1:8000``).

Order of checks: 404 unknown path → 405 method → 403 signature (and replayed nonce) → 413
body too large → 415 not form data → 400 malformed body or missing From/To/Text → handler
(500 if it raises or returns something unusable). A delivery report at ``status_path``
goes through the same checks, needs MessageUUID and Status instead of From/To/Text, and is
answered ``200 OK`` in plain text. The signature comes before anything that
reads the body: it needs only the URL and headers, so an unsigned request is refused
before its body is read.
"""

from __future__ import annotations

import atexit
import errno
import html
import logging
import re
import threading
import time
import traceback
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, unquote_to_bytes, urlsplit

from . import recording
from .signature import validate_v2
from .tokens import mask, redact, resolve_token

if TYPE_CHECKING:  # pragma: no cover
    from .diagnose import Diagnosis
    from .server import Refusal, ServerLimits

__all__ = [
    "InboundMessage",
    "StatusReport",
    "SignatureCheck",
    "check_signature",
    "request_url",
    "parse_form",
    "WebhookApp",
    "RequestLog",
    "LogEntry",
    "LocalWebhook",
    "demo_app",
]

_log = logging.getLogger(__name__)
_log.addHandler(logging.NullHandler())

SIGNATURE_HEADER = "X-Plivo-Signature-V2"
NONCE_HEADER = "X-Plivo-Signature-V2-Nonce"
MA_SIGNATURE_HEADER = "X-Plivo-Signature-Ma-V2"
XML_CONTENT_TYPE = "application/xml; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
#: How many recent nonces ``reject_replayed_nonces`` remembers.
NONCE_MEMORY = 10_000

VERDICTS = ("valid V2", "valid Ma-V2", "missing", "invalid", "not checked", "replayed nonce")

_STATUS_LINES = {
    200: "200 OK",
    400: "400 Bad Request",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    413: "413 Content Too Large",
    415: "415 Unsupported Media Type",
    500: "500 Internal Server Error",
}


# --- Inbound message ---------------------------------------------------------------------


@dataclass(frozen=True)
class InboundMessage:
    """An SMS that reached your message_url: ``From``, ``To``, ``Text``, ``Type`` and
    ``MessageUUID`` as fields, every other parameter (Units, MessageIntent, …) in
    ``params``. Plivo adds parameters over time, so unknown ones are kept, not refused."""

    from_: str
    to: str
    text: str
    type: str = "sms"
    message_uuid: str = ""
    params: dict[str, str] = field(default_factory=dict, hash=False)

    _FIELDS = {"From": "from_", "To": "to", "Text": "text", "Type": "type",
               "MessageUUID": "message_uuid"}

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> InboundMessage:
        """The message in Plivo's parameters; ``KeyError`` names a missing From/To/Text."""
        for name in ("From", "To", "Text"):
            if name not in params:
                raise KeyError(name)
        return cls(
            from_=params["From"],
            to=params["To"],
            text=params["Text"],
            type=params.get("Type", "sms"),
            message_uuid=params.get("MessageUUID", ""),
            params={k: v for k, v in params.items() if k not in cls._FIELDS},
        )

    @property
    def all_params(self) -> dict[str, str]:
        """Every parameter under Plivo's own names (From, To, Text, …)."""
        named = {"From": self.from_, "To": self.to, "Text": self.text, "Type": self.type}
        if self.message_uuid:
            named["MessageUUID"] = self.message_uuid
        return {**named, **self.params}

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 60 else self.text[:57] + "…"
        extra = f", +{len(self.params)} params" if self.params else ""
        uuid = f", message_uuid={self.message_uuid!r}" if self.message_uuid else ""
        return (
            f"InboundMessage(from_={self.from_!r}, to={self.to!r}, text={text!r}, "
            f"type={self.type!r}{uuid}{extra})"
        )


@dataclass(frozen=True)
class StatusReport:
    """A delivery report that reached your callbackUrl (see the facts sheet): the message it
    is about, its ``status`` (queued, sent, delivered, failed, undelivered, rejected) and,
    for failures, ``error_code``; every other parameter is in ``params``."""

    message_uuid: str
    status: str
    to: str = ""
    from_: str = ""
    error_code: str = ""
    part_info: str = ""
    sequence: str = ""
    params: dict[str, str] = field(default_factory=dict, hash=False)

    _FIELDS = {"MessageUUID": "message_uuid", "Status": "status", "To": "to",
               "From": "from_", "ErrorCode": "error_code", "PartInfo": "part_info",
               "Sequence": "sequence"}

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> StatusReport:
        """The report in Plivo's parameters; ``KeyError`` names a missing MessageUUID/Status."""
        for name in ("MessageUUID", "Status"):
            if name not in params:
                raise KeyError(name)
        named = {attr: params[key] for key, attr in cls._FIELDS.items() if key in params}
        rest = {k: v for k, v in params.items() if k not in cls._FIELDS}
        return cls(**named, params=rest)

    @property
    def all_params(self) -> dict[str, str]:
        """Every parameter under Plivo's own names (MessageUUID, Status, ErrorCode, …)."""
        named = {key: getattr(self, attr) for key, attr in self._FIELDS.items()}
        return {**{k: v for k, v in named.items() if v}, **self.params}

    def __repr__(self) -> str:
        error = f", error_code={self.error_code!r}" if self.error_code else ""
        part = f", part_info={self.part_info!r}" if self.part_info else ""
        return (
            f"StatusReport(status={self.status!r}, message_uuid={self.message_uuid!r}, "
            f"to={self.to!r}{error}{part})"
        )


_Parsed = TypeVar("_Parsed", InboundMessage, StatusReport)


# --- URL and signature -------------------------------------------------------------------

_PATH_SAFE = "/;=,~!$&'()*+:@"


def _wsgi_path(value: str) -> str:
    """A PEP 3333 path (percent-decoded bytes in a latin-1 str) percent-encoded again."""
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:  # a non-compliant server handing over real text
        raw = value.encode("utf-8")
    return quote(raw, safe=_PATH_SAFE)


def _text_path(value: str) -> str:
    """A PEP 3333 path as the text it stands for (its bytes read as UTF-8)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _first(value: str | None) -> str:
    """The first item of a comma-separated proxy header (the client-facing one)."""
    return (value or "").split(",", 1)[0].strip()


#: What a Host (or X-Forwarded-Host) value may be: a DNS name or IPv4 address, or an IPv6
#: address in brackets, then an optional port. Nothing that could carry a path, a query, a
#: fragment, user info or a second host can pass.
_HOST = re.compile(r"(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?", re.ASCII)


def _checked_host(value: str, header: str) -> str:
    if not _HOST.fullmatch(value):
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise ValueError(f"{header} header {shown!r} is not a host[:port]")
    return value


def public_origin(public_url: str, paths: Iterable[str | None] = ()) -> str:
    """``scheme://host[:port][/prefix]`` of the URL Plivo calls (its message_url), to which
    :func:`request_url` adds the request's own path. A trailing app path (one of ``paths``,
    e.g. ``/receive_sms/``) is dropped, so the message_url itself may be given.
    ``ValueError`` when it is not an absolute http(s) URL without query or fragment."""
    if not isinstance(public_url, str):
        raise TypeError(f"public_url must be a URL (text); got {type(public_url).__name__}")
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or \
            parts.fragment or "#" in public_url:
        raise ValueError(
            "public_url must be the absolute http(s) URL Plivo calls, without query or "
            f"fragment, like 'https://abc.ngrok.app/receive_sms/'; got {public_url!r}"
        )
    _checked_host(parts.netloc, "public_url's host")
    prefix = parts.path
    for path in paths:
        if path and prefix.endswith(path):
            prefix = prefix[: -len(path)]
            break
    return f"{parts.scheme}://{parts.netloc}{prefix.rstrip('/')}"


def request_url(environ: Mapping[str, Any], trust_proxy: bool = False,
                origin: str | None = None) -> str:
    """The full URL a request was made to, rebuilt from a WSGI environ (PEP 3333 recipe).

    The path and query always come from the request line; only the host comes from the
    ``Host`` header, and it must be a plain ``host[:port]`` (``ValueError`` otherwise), so
    that no header can change which path a signature is checked for.
    ``X-Forwarded-Proto`` / ``X-Forwarded-Host`` are honoured only with ``trust_proxy``:
    anyone can send them, so only trust them when a proxy you run sets them.
    ``origin`` (from :func:`public_origin`) replaces scheme and host, and no header is read.
    """
    path = _wsgi_path(environ.get("SCRIPT_NAME", "")) + _wsgi_path(environ.get("PATH_INFO", ""))
    query = environ.get("QUERY_STRING") or ""
    tail = path + (f"?{query}" if query else "")
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
        if port and port != {"https": "443", "http": "80"}.get(scheme):
            host = f"{host}:{port}"
    return f"{scheme}://{host}{tail}"


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on a request's signature headers (see :func:`check_signature`).

    ``verdict`` is one of "valid V2", "valid Ma-V2", "missing", "invalid". ``diagnosis``
    (a :class:`~smsxml.diagnose.Diagnosis`, None when valid) says why a signature is not
    valid. It is worked out when first read, not when the request arrives: a diagnosis
    re-signs up to a few hundred variations, and a forger must not be able to make the
    server do that for every forged request.
    """

    verdict: str
    url: str
    nonce: str | None = None
    _diagnose: Callable[[], Diagnosis] | None = field(default=None, repr=False, compare=False)
    _cache: list[Diagnosis] = field(default_factory=list, repr=False, compare=False)

    @property
    def valid(self) -> bool:
        return self.verdict.startswith("valid")

    @property
    def diagnosis(self) -> Diagnosis | None:
        if self._diagnose is None:
            return None
        if not self._cache:  # two threads may both compute it; the result is the same
            self._cache.append(self._diagnose())
        return self._cache[0]

    @property
    def diagnosed(self) -> bool:
        """Whether :attr:`diagnosis` has been worked out yet."""
        return bool(self._cache)

    @property
    def reason(self) -> str:
        """A short reason for a refusal, safe to send back to the caller."""
        if self.valid:
            return "signature valid"
        if self.verdict == "missing":
            return "missing X-Plivo-Signature-V2 / X-Plivo-Signature-V2-Nonce headers"
        return "invalid X-Plivo-Signature-V2 signature"

    def __str__(self) -> str:
        diagnosis = self.diagnosis
        return self.verdict if diagnosis is None else f"{self.verdict}: {diagnosis}"


def _header_lookup(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {str(k).lower(): str(v) for k, v in items}


def check_signature(
    url: str,
    headers: Mapping[str, str],
    auth_token: str,
    main_auth_token: str | None = None,
    *,
    public_url: str | None = None,
) -> SignatureCheck:
    """Check a request's ``X-Plivo-Signature-V2`` (with ``auth_token``) or
    ``X-Plivo-Signature-Ma-V2`` (with ``main_auth_token``, or ``auth_token`` when no main
    token is given) against ``url``, the URL the request was made to.

    Either valid signature is enough. When neither is, the result's ``diagnosis`` comes
    from :func:`~smsxml.diagnose.diagnose_v2`, on first read (``public_url``: the URL Plivo
    was told to call, if it may differ, e.g. behind an untrusted proxy). Comparisons are
    constant-time.
    """
    h = _header_lookup(headers)
    nonce = h.get(NONCE_HEADER.lower())
    v2 = h.get(SIGNATURE_HEADER.lower())
    ma = h.get(MA_SIGNATURE_HEADER.lower())
    ma_token = main_auth_token or auth_token
    if nonce and v2 and validate_v2(url, nonce, v2, auth_token):
        return SignatureCheck("valid V2", url, nonce)
    if nonce and ma and validate_v2(url, nonce, ma, ma_token):
        return SignatureCheck("valid Ma-V2", url, nonce)
    verdict = "invalid" if nonce and (v2 or ma) else "missing"
    if v2 or not ma:
        args = (url, nonce, v2, auth_token, main_auth_token, public_url)
    else:  # only Ma-V2 was sent: diagnose it against the main account's token
        args = (url, nonce, ma, ma_token, None, public_url)
    return SignatureCheck(verdict, url, nonce, lambda: _diagnose(*args))


def _diagnose(url: str, nonce: str | None, signature: str | None, token: str,
              main_token: str | None, public_url: str | None) -> Diagnosis:
    from .diagnose import Diagnosis, diagnose_v2

    try:
        return diagnose_v2(url, nonce, signature, token, main_token, public_url)
    except Exception as exc:  # a diagnosis is a courtesy: never let it break the verdict
        message = redact(f"No diagnosis: {type(exc).__name__}: {exc}", token, main_token)
        return Diagnosis(False, ("unknown",), message, redact(url, token, main_token))


class _NonceMemory:
    """The last ``capacity`` nonces seen, to refuse a request replayed verbatim."""

    def __init__(self, capacity: int = NONCE_MEMORY):
        self.capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def seen_before(self, nonce: str) -> bool:
        """True if ``nonce`` was seen already; remembers it either way (atomically)."""
        with self._lock:
            if nonce in self._seen:
                self._seen.move_to_end(nonce)
                return True
            self._seen[nonce] = None
            if len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return False


# --- Form data -----------------------------------------------------------------------------

_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


class _Refusal(Exception):
    """Answer ``status`` with the short plain-text ``reason``."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_form(data: bytes) -> dict[str, str]:
    """``application/x-www-form-urlencoded`` bytes → dict (first value of a repeated name).

    Strict where :func:`urllib.parse.parse_qsl` is lenient: a ``%`` not followed by two hex
    digits, or bytes that are not UTF-8, are a ``ValueError`` saying which.
    """
    params: dict[str, str] = {}
    for number, piece in enumerate(data.split(b"&"), start=1):
        if not piece:
            continue
        bad = _BAD_PERCENT.search(piece)
        if bad:
            raise ValueError(
                f"bad percent-encoding in field {number}: '%' must be followed by two hex "
                "digits"
            )
        name, _, value = piece.partition(b"=")
        try:
            key = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8")
            text = unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"field {number} is not UTF-8 text") from None
        params.setdefault(key, text)
    return params


# --- Request log ---------------------------------------------------------------------------


#: How much of a reply a log entry shows (a hostile reply can be megabytes).
_SHOWN_REPLY = 4000


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class LogEntry:
    """One request and what became of it. Holds no token (values equal to one are masked).

    ``verdict`` is one of "valid V2", "valid Ma-V2", "missing", "invalid", "not checked",
    "replayed nonce"; ``reason`` the short text sent with a refusal (``""`` for 200);
    ``problems`` the validation problems of the reply; ``latency`` seconds spent in the app;
    ``diagnosis`` why the signature failed (worked out when first read, see
    :class:`SignatureCheck`).
    """

    time: datetime
    method: str
    url: str
    path: str
    status: int
    verdict: str
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    message: InboundMessage | None = None
    signature: SignatureCheck | None = field(default=None, repr=False, compare=False)
    reply: str | None = None
    problems: tuple[Any, ...] = ()
    error: str | None = None
    traceback: str | None = None
    latency: float = 0.0
    body: str = field(default="", repr=False)
    report: StatusReport | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def diagnosis(self) -> Diagnosis | None:
        """Why the signature was refused (None when it was valid or not checked)."""
        return None if self.signature is None else self.signature.diagnosis

    def to_recorded(self) -> recording.RecordedRequest:
        """This request in the recording format (for :func:`smsxml.replay.replay`)."""
        return recording.RecordedRequest(
            method=self.method,
            url=self.url,
            headers=dict(self.headers),
            params=dict(self.params),
            body=self.body,
            time=recording.iso_utc(self.time),
        )

    def __str__(self) -> str:
        ms = self.latency * 1000
        line = f"{self.method} {self.path} {self.status} {self.verdict} {ms:.1f} ms"
        if self.status != 200 and self.reason:
            line += f" — {self.reason}"
        elif self.report is not None:
            line += f" — delivery report: {self.report.status}"
        elif self.problems:
            line += f" — {len(self.problems)} XML problem(s)"
        return line

    def __repr__(self) -> str:
        return f"<LogEntry {self}>"

    def _rows(self) -> list[tuple[str, str]]:
        rows = [
            ("time", self.time.isoformat(timespec="milliseconds")),
            ("request", f"{self.method} {self.url}"),
            ("status", f"{self.status} {self.reason}".strip()),
            ("signature", self.verdict),
        ]
        if self.diagnosis is not None:
            rows.append(("diagnosis", str(self.diagnosis)))
        if self.message is not None:
            rows.append(("message", repr(self.message)))
        elif self.report is not None:
            rows.append(("report", repr(self.report)))
        elif self.params:
            rows.append(("params", ", ".join(f"{k}={v!r}" for k, v in self.params.items())))
        if self.reply is not None:
            shown = self.reply[:_SHOWN_REPLY]
            if len(self.reply) > _SHOWN_REPLY:
                shown += f"\n… ({len(self.reply) - _SHOWN_REPLY:,} more characters)"
            rows.append(("reply", shown))
        rows += [("problem", str(p)) for p in self.problems]
        if self.error:
            rows.append(("error", self.error))
        if self.traceback:
            rows.append(("traceback", self.traceback))
        rows.append(("latency", f"{self.latency * 1000:.1f} ms"))
        rows.append(("headers", "\n".join(f"{k}: {v}" for k, v in self.headers.items())))
        return rows

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><th style='text-align:left;vertical-align:top'>{html.escape(k)}</th>"
            f"<td style='text-align:left'><pre style='margin:0;white-space:pre-wrap'>"
            f"{html.escape(v)}</pre></td></tr>"
            for k, v in self._rows()
        )
        return f"<table>{body}</table>"


class RequestLog:
    """The requests a :class:`WebhookApp` has handled, oldest first; one entry per request.

    Thread-safe, and bounded: it keeps the last ``maxlen`` entries (default 1000) and
    drops the oldest beyond that (``total`` still counts them all). Supports ``len()``,
    iteration, indexing, :attr:`last`, :meth:`clear` and :meth:`wait_for`.
    """

    def __init__(self, maxlen: int = 1000):
        if not isinstance(maxlen, int) or maxlen < 1:
            raise ValueError("log_size must be a positive whole number")
        self.maxlen = maxlen
        self.total = 0
        self._entries: deque[LogEntry] = deque(maxlen=maxlen)
        self._changed = threading.Condition()

    def append(self, entry: LogEntry) -> None:
        with self._changed:
            self._entries.append(entry)
            self.total += 1
            self._changed.notify_all()

    def _snapshot(self) -> list[LogEntry]:
        with self._changed:
            return list(self._entries)

    def __len__(self) -> int:
        with self._changed:
            return len(self._entries)

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(self._snapshot())

    def __getitem__(self, index: int | slice) -> Any:
        return self._snapshot()[index]

    @property
    def last(self) -> LogEntry | None:
        """The most recent entry (None when empty)."""
        with self._changed:
            return self._entries[-1] if self._entries else None

    def clear(self) -> None:
        with self._changed:
            self._entries.clear()
            self._changed.notify_all()

    def wait_for(self, n: int = 1, timeout: float | None = 5.0) -> bool:
        """Block until the log holds at least ``n`` entries; False if ``timeout`` s pass."""
        if n > self.maxlen:
            raise ValueError(f"the log keeps at most {self.maxlen} entries; cannot wait for {n}")
        with self._changed:
            return self._changed.wait_for(lambda: len(self._entries) >= n, timeout)

    def __repr__(self) -> str:
        with self._changed:
            count, last = len(self._entries), (self._entries[-1] if self._entries else None)
        tail = f", last: {last}" if last is not None else ""
        return f"<RequestLog {count} entries (keeps {self.maxlen}){tail}>"

    def _repr_html_(self, limit: int = 50) -> str:
        entries = self._snapshot()
        shown = entries[-limit:]
        head = "".join(
            f"<th style='text-align:left'>{h}</th>"
            for h in ("time", "request", "status", "signature", "text → reply / reason", "latency")
        )
        rows = []
        for e in shown:
            detail = e.reason if e.status != 200 else ""
            if e.status == 200 and e.report is not None:
                detail = f"delivery report: {e.report.status}"
            elif e.status == 200:
                text = e.message.text if e.message is not None else ""
                count = (e.reply or "").count("<Message")
                detail = f"{text[:40]!r} → {count} message(s)"
                if e.problems:
                    detail += f", {len(e.problems)} problem(s)"
            colour = "#1a7f37" if e.status == 200 else "#cf222e"
            rows.append(
                "<tr>"
                f"<td>{e.time.strftime('%H:%M:%S.%f')[:-3]}</td>"
                f"<td>{html.escape(e.method)} {html.escape(e.path)}</td>"
                f"<td style='color:{colour}'>{e.status}</td>"
                f"<td>{html.escape(e.verdict)}</td>"
                f"<td style='text-align:left'>{html.escape(detail)}</td>"
                f"<td>{e.latency * 1000:.1f} ms</td>"
                "</tr>"
            )
        note = ""
        if len(entries) > len(shown):
            note = f"<p>… {len(entries) - len(shown)} earlier entries not shown</p>"
        if not entries:
            return "<p>RequestLog: no requests yet</p>"
        return f"{note}<table><tr>{head}</tr>{''.join(rows)}</table>"


# --- The WSGI app --------------------------------------------------------------------------

Handler = Callable[[InboundMessage], Any]


def _environ_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """The request headers under their usual names (``X-Plivo-Signature-V2``, …)."""
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key
        else:
            continue
        if value in ("", None) and not key.startswith("HTTP_"):
            continue
        headers["-".join(part.capitalize() for part in name.split("_"))] = str(value)
    return headers


@dataclass
class _Exchange:
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
    verdict: str = "not checked"
    signature: SignatureCheck | None = None
    message: InboundMessage | None = None
    reply: str | None = None
    problems: tuple[Any, ...] = ()
    error: str | None = None
    traceback: str | None = None
    body_read: bool = False
    recorded: bool = False
    report: StatusReport | None = None
    bad_request: str = ""


class WebhookApp:
    """A WSGI application (PEP 3333) serving a Plivo ``message_url`` at ``path``.

    ``handler(message: InboundMessage)`` returns a smsxml ``Response``, an XML string or
    bytes; that reply is validated (problems are logged, the reply is still sent) and
    answered as ``application/xml``. ``auth_token`` None: ``$PLIVO_AUTH_TOKEN`` or the demo
    token. See the module docstring for the statuses and their order.

    - ``main_auth_token``: validate ``X-Plivo-Signature-Ma-V2`` with it (else with
      ``auth_token``).
    - ``require_signature=False``: accept unsigned requests (verdict "not checked").
    - ``public_url``: the message_url configured at Plivo (e.g.
      ``"https://abc.ngrok.app/receive_sms/"``), when your app sits behind a tunnel or
      proxy: signatures are checked against it (with the request's own path), and neither
      ``Host`` nor any X-Forwarded header is read.
    - ``trust_proxy=True``: rebuild the URL from X-Forwarded-Proto/-Host.
    - ``max_body``: largest body accepted, in bytes (413 beyond).
    - ``reject_replayed_nonces``: refuse a signed request whose nonce was among the last
      10,000 seen (403 "nonce already used").
    - ``record_to``: a JSON-lines file every request is appended to (refused ones too;
      accepted ones before the handler runs). See :mod:`smsxml.recording`.

    A refused request's body is read only after the refusal is decided (and never beyond
    ``max_body``), so that the log and the recording show what it carried.
    - ``log_size``: how many requests :attr:`log` keeps.
    - ``status_path``: also receive delivery reports there (e.g. ``"/sms_status/"``);
      ``on_status(report: StatusReport)`` is called for each one whose signature is valid.
    """

    def __init__(
        self,
        handler: Handler,
        auth_token: str | None = None,
        *,
        path: str = "/receive_sms/",
        main_auth_token: str | None = None,
        require_signature: bool = True,
        trust_proxy: bool = False,
        public_url: str | None = None,
        max_body: int = 65536,
        reject_replayed_nonces: bool = False,
        record_to: str | None = None,
        log_size: int = 1000,
        status_path: str | None = None,
        on_status: Callable[[StatusReport], Any] | None = None,
    ):
        if not callable(handler):
            raise TypeError(
                "handler must be a function taking an InboundMessage and returning a "
                f"Response, an XML string or bytes; got {type(handler).__name__}"
            )
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"path must start with '/', like '/receive_sms/'; got {path!r}")
        if status_path is not None and (
            not isinstance(status_path, str) or not status_path.startswith("/")
            or status_path == path
        ):
            raise ValueError(
                "status_path must start with '/' and differ from path, like '/sms_status/'; "
                f"got {status_path!r}"
            )
        if on_status is not None and not callable(on_status):
            raise TypeError("on_status must be a function taking a StatusReport")
        if not isinstance(max_body, int) or max_body < 0:
            raise ValueError("max_body must be a whole number of bytes (0 or more)")
        self.handler = handler
        self._token = resolve_token(auth_token)
        self._main_token = main_auth_token or None
        self.path = path
        self.status_path = status_path
        self.on_status = on_status
        self.require_signature = require_signature
        self.trust_proxy = trust_proxy
        self.public_url = public_url
        self._origin = None if public_url is None else public_origin(
            public_url, (path, status_path))
        self.max_body = max_body
        self.reject_replayed_nonces = reject_replayed_nonces
        self.record_to = record_to
        self.log = RequestLog(log_size)
        self._nonces = _NonceMemory()

    # -- plumbing ------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        return redact(text, self._token, self._main_token)

    def _redact_map(self, values: Mapping[str, str]) -> dict[str, str]:
        return {self._redact(k): self._redact(v) for k, v in values.items()}

    def _redact_fields(self, item: _Parsed | None) -> _Parsed | None:
        """An InboundMessage or StatusReport with any token in its values masked."""
        if item is None:
            return None
        changes: dict[str, Any] = {
            f.name: self._redact(getattr(item, f.name))
            for f in fields(item)
            if isinstance(getattr(item, f.name), str)
        }
        changes["params"] = self._redact_map(item.params)
        redacted = replace(item, **changes)
        return item if redacted == item and redacted.params == item.params else redacted

    def __repr__(self) -> str:
        main = f", main token {mask(self._main_token)}" if self._main_token else ""
        name = getattr(self.handler, "__name__", type(self.handler).__name__)
        status = f", reports at {self.status_path}" if self.status_path else ""
        return (
            f"<WebhookApp {self.path} → {name}(){status}, token {mask(self._token)}{main}, "
            f"{len(self.log)} logged>"
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        started = time.perf_counter()
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        bad_request = ""
        try:
            url = request_url(environ, self.trust_proxy, self._origin)
        except ValueError as exc:  # a Host that is not host[:port]: refused with 400
            bad_request = str(exc)
            url = f"{environ.get('wsgi.url_scheme') or 'http'}://invalid-host" + _wsgi_path(
                str(environ.get("PATH_INFO", "")))
        except Exception:  # a broken environ: still answer and log
            url = "http://unknown/"
        ex = _Exchange(
            environ=environ,
            method=method,
            url=url,
            path=_wsgi_path(environ.get("PATH_INFO", "")) or "/",
            headers=_environ_headers(environ),
            started=started,
            time=_utc_now(),
            bad_request=bad_request,
        )
        extra_headers: list[tuple[str, str]] = []
        try:
            body = self._process(ex)
            status, reason = 200, ""
            content_type = XML_CONTENT_TYPE if ex.report is None else TEXT_CONTENT_TYPE
        except _Refusal as refusal:
            status, reason = refusal.status, self._redact(refusal.reason)
            body, content_type = f"{status} {reason}\n".encode(), TEXT_CONTENT_TYPE
            if status == 405:
                extra_headers.append(("Allow", "GET, POST"))
        except Exception as exc:  # a bug in here: answer 500 rather than drop the request
            status, reason = 500, "internal error in the webhook app"
            body, content_type = f"500 {reason}\n".encode(), TEXT_CONTENT_TYPE
            ex.error = self._redact(f"{type(exc).__name__}: {exc}")
            ex.traceback = self._redact(traceback.format_exc())
        finally:
            if not ex.recorded:
                self._salvage(ex)
                self._record(ex)
        entry = self._log_entry(ex, status, reason, time.perf_counter() - started)
        self.log.append(entry)
        self._emit(entry)
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        start_response(_STATUS_LINES[status], headers + extra_headers)
        return [body]

    def log_refusal(self, refusal: Refusal) -> None:
        """Log a request that the server in front of this app refused before the app saw it
        (e.g. waitress's 400 for two Content-Length headers, 408 for a request too slow to
        arrive), so that the log holds every request once. See :mod:`smsxml.server`."""
        target = refusal.target
        path = target.split("?", 1)[0] if target.startswith("/") else target
        entry = LogEntry(
            time=_utc_now(),
            method=self._redact(refusal.method),
            url=self._redact(target),
            path=self._redact(path),
            status=refusal.status,
            verdict="not checked",
            reason=self._redact(refusal.reason),
            headers=self._redact_map(refusal.headers),
        )
        self.log.append(entry)
        self._emit(entry)

    def _log_entry(self, ex: _Exchange, status: int, reason: str, latency: float) -> LogEntry:
        return LogEntry(
            time=ex.time,
            method=ex.method,
            url=self._redact(ex.url),
            path=self._redact(ex.path),
            status=status,
            verdict=ex.verdict,
            reason=reason,
            headers=self._redact_map(ex.headers),
            params=self._redact_map(ex.params),
            message=self._redact_fields(ex.message),
            signature=ex.signature,
            reply=None if ex.reply is None else self._redact(ex.reply),
            problems=ex.problems,
            error=ex.error,
            traceback=ex.traceback,
            latency=latency,
            body=self._redact(recording.RecordedRequest.decode_body(ex.body)),
            report=self._redact_fields(ex.report),
        )

    def _emit(self, entry: LogEntry) -> None:
        if entry.status == 200:
            _log.info("%s", entry)
        elif entry.status == 500:
            _log.error("%s\n%s", entry, entry.traceback or entry.error or "")
        else:
            _log.warning("%s", entry)
            if entry.signature is not None and _log.isEnabledFor(logging.DEBUG):
                _log.debug("why: %s", entry.diagnosis)  # diagnosing costs ~250 HMACs

    def _record(self, ex: _Exchange) -> None:
        ex.recorded = True
        if not self.record_to:
            return
        try:
            recorded = recording.RecordedRequest(
                method=ex.method,
                url=ex.url,
                headers=ex.headers,
                params=ex.params,
                body=recording.RecordedRequest.decode_body(ex.body),
                time=recording.iso_utc(ex.time),
            ).redacted(self._token, self._main_token)
            recording.append(self.record_to, recorded)
        except Exception as exc:  # a full disk must not take the webhook down
            _log.error("could not record the request to %s: %s", self.record_to,
                       self._redact(str(exc)))

    # -- the checks, in order ------------------------------------------------------------

    def _process(self, ex: _Exchange) -> bytes:
        environ = ex.environ
        if ex.bad_request:
            raise _Refusal(400, ex.bad_request)
        raw = str(environ.get("REQUEST_URI") or environ.get("RAW_URI") or "").split("?", 1)[0]
        if raw.startswith("//"):  # servers fold "//receive_sms/" into "/receive_sms/"
            ex.path = raw[:200]
            raise _Refusal(404, f"no webhook at {ex.path} (one '/' at the start, not several)")
        requested = _text_path(environ.get("PATH_INFO", ""))
        if requested not in (self.path, self.status_path):
            hint = ""
            for known in filter(None, (self.path, self.status_path)):
                if ex.path.rstrip("/") == known.rstrip("/"):
                    hint = f" (the webhook is at {known} — mind the trailing slash)"
            raise _Refusal(404, f"no webhook at {ex.path}{hint}")
        if ex.method not in ("GET", "POST"):
            raise _Refusal(405, f"{ex.method} not allowed: Plivo calls with GET or POST")
        self._check_signature(ex)
        query = self._query_params(environ)
        if ex.method == "POST":
            self._check_content_type(environ)
            ex.body_read = True
            ex.body = self._read_body(environ)
            ex.params = {**query, **self._form(ex.body)}
        else:
            ex.params = query
        if requested == self.status_path:
            return self._accept_report(ex)
        for name in ("From", "To", "Text"):
            if name not in ex.params:
                raise _Refusal(400, f"missing {name} parameter")
        for name in ("From", "To"):
            if not ex.params[name].strip():
                raise _Refusal(400, f"empty {name} parameter (a phone number is needed)")
        ex.message = InboundMessage.from_params(ex.params)
        self._record(ex)
        return self._answer(ex)

    def _accept_report(self, ex: _Exchange) -> bytes:
        """A delivery report: parse it, hand it to ``on_status``, answer 200 OK."""
        try:
            ex.report = StatusReport.from_params(ex.params)
        except KeyError as missing:
            raise _Refusal(400, f"missing {missing.args[0]} parameter (not a delivery "
                                "report?)") from None
        self._record(ex)
        if self.on_status is not None:
            try:
                self.on_status(ex.report)
            except BaseException as exc:  # a learner's sys.exit() must not kill the thread
                self._handler_failed(ex, "on_status", exc)
        return b"OK\n"

    def _handler_failed(self, ex: _Exchange, who: str, exc: BaseException) -> None:
        ex.error = self._redact(f"{who} raised {type(exc).__name__}: {exc}")
        ex.traceback = self._redact(traceback.format_exc())
        raise _Refusal(500, f"{who} raised {type(exc).__name__} (see the log)") from None

    def _salvage(self, ex: _Exchange) -> None:
        """For the log and the recording of a refused request: its parameters and body,
        read only now (after the refusal was decided) and within ``max_body``."""
        try:
            if not ex.body_read and ex.method == "POST":
                ex.body_read = True
                ex.body = self._read_body(ex.environ)
            if not ex.params:
                ex.params = {**self._query_params(ex.environ), **parse_form(ex.body)}
        except (_Refusal, ValueError, OSError):
            pass

    def _check_signature(self, ex: _Exchange) -> None:
        if not self.require_signature:
            ex.verdict = "not checked"
            return
        public_url = None
        if not self.trust_proxy and self._origin is None:  # what a proxy says Plivo called:
            # a hint for the diagnosis
            try:
                forwarded = request_url(ex.environ, trust_proxy=True)
            except ValueError:
                forwarded = ex.url
            public_url = forwarded if forwarded != ex.url else None
        check = check_signature(
            ex.url, ex.headers, self._token, self._main_token, public_url=public_url
        )
        ex.verdict, ex.signature = check.verdict, check
        if not check.valid:
            raise _Refusal(403, check.reason)
        if self.reject_replayed_nonces and check.nonce and self._nonces.seen_before(check.nonce):
            ex.verdict = "replayed nonce"
            raise _Refusal(403, "nonce already used")

    def _query_params(self, environ: Mapping[str, Any]) -> dict[str, str]:
        query = environ.get("QUERY_STRING") or ""
        try:
            raw = query.encode("latin-1")
        except UnicodeEncodeError:
            raw = query.encode("utf-8")
        return self._form(raw, what="query string")

    @staticmethod
    def _form(data: bytes, what: str = "body") -> dict[str, str]:
        try:
            return parse_form(data)
        except ValueError as exc:
            raise _Refusal(400, f"malformed {what}: {exc}") from None

    @staticmethod
    def _check_content_type(environ: Mapping[str, Any]) -> None:
        value = str(environ.get("CONTENT_TYPE") or "")
        media, *params = [part.strip() for part in value.split(";")]
        if media.lower() != FORM_CONTENT_TYPE:
            got = media or "no content type"
            raise _Refusal(415, f"expected {FORM_CONTENT_TYPE} (as Plivo sends), got {got}")
        for param in params:
            key, _, charset = param.partition("=")
            charset = charset.strip().strip('"').lower()
            if key.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
                raise _Refusal(415, f"expected UTF-8 form data, got charset={charset}")

    def _read_body(self, environ: Mapping[str, Any]) -> bytes:
        stream = environ.get("wsgi.input")
        declared = str(environ.get("CONTENT_LENGTH") or "").strip()
        if declared:
            if not _DIGITS.fullmatch(declared):  # "5, 7" (two headers), "1\xb9", "-1", "1e3"
                raise _Refusal(400, f"Content-Length {declared[:40]!r} is not a number")
            length = int(declared) if len(declared) < 19 else 10**18  # int() refuses 4,300+
            if length > self.max_body:
                raise _Refusal(413, f"body of {length} bytes is over the {self.max_body} limit")
        elif environ.get("wsgi.input_terminated"):
            length = None  # the server marks the end of the body: read up to the limit
        else:
            return b""  # PEP 3333: no Content-Length means no body
        if stream is None:
            return b""
        want = self.max_body + 1 if length is None else min(length, self.max_body + 1)
        try:
            body = _read_at_most(stream, want)
        except OSError:
            raise _Refusal(400, "could not read the request body (shorter than its "
                                "Content-Length?)") from None
        if len(body) > self.max_body:
            raise _Refusal(413, f"body is over the {self.max_body} byte limit")
        if length is not None and len(body) < length:
            raise _Refusal(400, f"body is shorter than its Content-Length ({len(body)} of "
                                f"{length} bytes)")
        return body

    # -- the handler and its reply -------------------------------------------------------

    def _answer(self, ex: _Exchange) -> bytes:
        assert ex.message is not None
        try:
            result = self.handler(ex.message)
        except BaseException as exc:  # a learner's sys.exit() must not kill the thread
            self._handler_failed(ex, "the handler", exc)
        try:
            xml = self._reply_text(result, ex)
        except _Refusal:
            raise
        except Exception as exc:  # e.g. a Response whose to_xml() refuses a value
            ex.error = self._redact(
                f"the handler's reply could not be written as XML: {type(exc).__name__}: {exc}"
            )
            ex.traceback = self._redact(traceback.format_exc())
            raise _Refusal(500, "the handler's reply could not be written as XML (see the "
                                "log)") from None
        if self._token in xml or (self._main_token and self._main_token in xml):
            xml = self._redact(xml)
            ex.error = "the reply contained the auth token; it was masked before sending"
        ex.reply = xml
        try:
            data = xml.encode("utf-8")
        except UnicodeEncodeError as exc:
            code = ord(xml[exc.start])
            ex.error = (f"the reply holds U+{code:04X} at index {exc.start}, which cannot be "
                        "sent as UTF-8 (a lone surrogate)")
            raise _Refusal(500, ex.error) from None
        from .xml import validate

        try:
            ex.problems = tuple(validate(xml))
        except Exception as exc:  # validation is advice: a bug there must not drop the reply
            ex.error = self._redact(f"could not validate the reply: {type(exc).__name__}: {exc}")
        return data

    def _reply_text(self, result: Any, ex: _Exchange) -> str:
        from .xml import Response

        if isinstance(result, Response):
            return result.to_xml()
        if isinstance(result, str):
            return result
        if isinstance(result, bytes | bytearray):
            try:
                return bytes(result).decode("utf-8")
            except UnicodeDecodeError:
                reason = "the handler returned bytes that are not UTF-8 text"
        elif result is None:
            reason = (
                "the handler returned None; return a Response, an XML string or bytes "
                "(Response() to send no SMS)"
            )
        else:
            kind = type(result).__name__
            hint = " (call .to_string() on a plivo ResponseElement)" if hasattr(
                result, "to_string") else ""
            reason = (
                f"the handler returned a {kind}, not a Response, an XML string or bytes{hint}"
            )
        ex.error = reason
        raise _Refusal(500, reason)


def _read_at_most(stream: Any, limit: int) -> bytes:
    """Read up to ``limit`` bytes, never more, even if the stream would give more."""
    chunks, got = [], 0
    while got < limit:
        chunk = stream.read(min(limit - got, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


# --- Local server ---------------------------------------------------------------------------

_running_lock = threading.RLock()
_running: dict[int, LocalWebhook] = {}


class LocalWebhook:
    """Serve a :class:`WebhookApp` on ``host:port`` (127.0.0.1, a free port by default)
    from a background thread, with waitress (see :mod:`smsxml.server`).

    ``handler_or_app`` is a handler function (a :class:`WebhookApp` is built with
    ``auth_token`` and ``**app_options``) or a ready WebhookApp. Starting one on a port an
    earlier LocalWebhook of this process still holds stops that one first, so re-running a
    notebook cell just works. Use it as a context manager, or call :meth:`stop` (also done
    at interpreter exit).

    ``limits`` (a :class:`~smsxml.server.ServerLimits`) bounds threads, connections, header
    size and the time a request may take to arrive; ``request_timeout`` is a shortcut for
    that last one. The body limit is the app's ``max_body``. Requests the server refuses
    itself (a malformed request line, two Content-Lengths, headers too large, too slow)
    are answered in plain words and logged in :attr:`log` like the others.
    """

    def __init__(
        self,
        handler_or_app: Handler | WebhookApp,
        auth_token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        limits: ServerLimits | None = None,
        request_timeout: float | None = None,
        **app_options: Any,
    ):
        from .server import Server, ServerLimits

        if isinstance(handler_or_app, WebhookApp):
            if auth_token is not None or app_options:
                raise TypeError(
                    "auth_token and app options go to WebhookApp(...) when you pass a ready app"
                )
            app = handler_or_app
        else:
            app = WebhookApp(handler_or_app, auth_token, **app_options)
        limits = replace(limits or ServerLimits(), max_body=max(1, app.max_body))
        if request_timeout is not None:
            limits = replace(limits, request_timeout=request_timeout)
        self.app = app
        self.host = host
        self.limits = limits
        self._stop_lock = threading.Lock()
        with _running_lock:
            previous = _running.get(port) if port else None
            if previous is not None:
                previous.stop()
            try:
                self._server = Server(app, host, port, limits, on_refused=app.log_refusal)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise OSError(
                        exc.errno,
                        f"port {port} on {host} is in use by another program; choose another "
                        "port, or port=0 for any free one",
                    ) from None
                raise
            self.port: int = self._server.port
            _running[self.port] = self

    @property
    def url(self) -> str:
        """The full message_url to call, e.g. ``http://127.0.0.1:PORT/receive_sms/``."""
        return self._url_for(self.app.path)

    @property
    def status_url(self) -> str | None:
        """The callbackUrl for delivery reports, when the app has a ``status_path``."""
        return self._url_for(self.app.status_path) if self.app.status_path else None

    def _url_for(self, path: str) -> str:
        host = self.host
        if host in ("", "0.0.0.0"):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}{path}"

    @property
    def log(self) -> RequestLog:
        return self.app.log

    @property
    def running(self) -> bool:
        return self._server.running

    def stop(self, timeout: float = 1.0) -> None:
        """Stop serving and release the port, sockets and threads. Safe to call more than
        once. Returns within ``timeout`` seconds even when a handler is still busy."""
        with self._stop_lock:
            self._server.stop(timeout)
        with _running_lock:
            if _running.get(self.port) is self:
                del _running[self.port]

    @staticmethod
    def stop_all() -> None:
        """Stop every LocalWebhook still running in this process (e.g. from earlier cells)."""
        _stop_all()

    def __enter__(self) -> LocalWebhook:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return (
            f"<LocalWebhook {self.url} {state}, {len(self.log)} request(s) logged, "
            f"token {mask(self.app._token)}>"
        )


@atexit.register
def _stop_all(timeout: float = 1.0) -> None:
    with _running_lock:
        hooks = list(_running.values())
    for hook in hooks:
        hook.stop(timeout=timeout)


# --- Demo ----------------------------------------------------------------------------------


def _echo(message: InboundMessage) -> Any:
    from .xml import Response

    return Response().add_message(
        f"Thanks! You said: {message.text}"[:1600], src=message.to, dst=message.from_
    )


def demo_app(auth_token: str | None = None, **options: Any) -> WebhookApp:
    """An auto-reply WebhookApp (answers every SMS with "Thanks! You said: …").

    A WSGI app factory for any server: ``gunicorn "smsxml.webhook:demo_app()"``. The token
    comes from ``auth_token``, else ``$PLIVO_AUTH_TOKEN``, else the demo token.
    """
    return WebhookApp(_echo, auth_token, **options)
