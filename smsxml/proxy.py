"""Sit between Plivo (or the simulator) and anyone's app, and explain what crosses.

:class:`ProxyApp` is a WSGI app that forwards each request **untouched** to the app at
``upstream`` and its answer untouched back, and for each exchange works out what a person
debugging a webhook needs: which signature headers arrived, whether they validate for the
URL Plivo called (``public_url``) and, if not, why; the app's status, Content-Type, the
problems of its XML (line, column, hint) and how long it took. Delivery reports
(``callbackUrl`` traffic) pass the same way. An upstream that refuses the connection,
times out or is not an HTTP server gets a 502 or 504 in plain words. Every exchange is kept
in :attr:`ProxyApp.exchanges` and, with ``record_to``, appended to a JSON-lines recording
that :func:`smsxml.replay` accepts. No token is ever shown or recorded.

:class:`Proxy` serves it on 127.0.0.1 (like :class:`~smsxml.webhook.LocalWebhook`);
``smsxml proxy`` is the command line.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import recording
from ._html import escape, table
from ._http import environ_headers, parse_form, read_at_most, status_line
from ._text import display_url, shorten
from .diagram import Step, sequence_diagram
from .protocol import ANSWER_TIMEOUT, TEXT_CONTENT_TYPE, XML_MEDIA_TYPES
from .signature.canonical import canonical_path
from .signature.diagnose import Diagnosis
from .signature.nonces import MemoryNonceStore
from .signature.policy import verify
from .tokens import mask, redact, resolve_tokens
from .webhook.limits import ServerLimits, check_port
from .webhook.request import public_origin, request_target, request_url, text_path
from .xml import Problem, summary, validate

if TYPE_CHECKING:  # pragma: no cover
    from .diagram import SVG

__all__ = ["Exchange", "ProxyApp", "Proxy"]

#: Headers that belong to one connection, not to the request (RFC 9110 §7.6.1).
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)
_DIGITS = frozenset("0123456789")


_PLAIN = ("Content-Type", TEXT_CONTENT_TYPE)


class _Refused(Exception):
    """A request the proxy answers itself (bad framing, too large), with a one-line reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _upstream(upstream: object) -> tuple[str, str, int | None, str]:
    """``(scheme, host, port, path prefix)`` of the app's URL; a clear ``ValueError`` for
    anything that is not an http(s) URL with a host."""
    example = "like http://127.0.0.1:5000"
    if not isinstance(upstream, str):
        raise ValueError(f"upstream must be an http(s) URL {example}; got {upstream!r}")
    try:
        parts = urlsplit(upstream)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"upstream {upstream!r} is not a usable URL ({exc}); {example}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"upstream must be an http(s) URL {example}; got {upstream!r}")
    return parts.scheme, parts.hostname, port, parts.path.rstrip("/")


def _forwarded_for(environ: dict[str, Any], headers: dict[str, str]) -> dict[str, str]:
    """The X-Forwarded-* headers a proxy adds (only with ``forwarded_headers=True``)."""
    client = str(environ.get("REMOTE_ADDR") or "")
    before = headers.get("X-Forwarded-For")
    return {
        "X-Forwarded-For": f"{before}, {client}" if before else client,
        "X-Forwarded-Proto": str(environ.get("wsgi.url_scheme") or "http"),
        "X-Forwarded-Host": headers.get("Host", ""),
    }


@dataclass(frozen=True)
class Exchange:
    """One request through the proxy and what was learned about it."""

    time: datetime
    method: str
    path: str
    signature_headers: tuple[str, ...]
    verdict: str
    diagnosis: Diagnosis | None
    status: int
    content_type: str
    problems: tuple[Problem, ...] = ()
    latency: float = 0.0
    #: What went wrong on the way: an upstream that did not answer (502/504), or an answer
    #: Plivo could not use (not XML).
    error: str = ""
    params: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def is_report(self) -> bool:
        """A delivery report (it carries Status and MessageUUID), not an inbound message."""
        return "Status" in self.params and "MessageUUID" in self.params

    def __str__(self) -> str:
        what = "report" if self.is_report else "message"
        line = (
            f"{self.method} {self.path} ({what}) signature {self.verdict} → {self.status}"
            f" {self.content_type or '-'} {self.latency * 1000:.0f} ms"
        )
        if self.error:
            line += f" — {self.error}"
        elif self.problems:
            line += f" — {summary(self.problems)}: {self.problems[0].code}"
        if self.served_unsigned:
            line += " — the app served a request Plivo did not sign: it must refuse it (403)"
        if self.refused_genuine:
            line += (
                " — the app refused a request Plivo signed: it checks another URL than Plivo "
                "called (behind a TLS proxy or tunnel: check the public https URL) or another token"
            )
        if self.diagnosis is not None and not self.diagnosis.valid:
            line += f" — why: {shorten(str(self.diagnosis), 100)}"
        return line

    @property
    def refused_genuine(self) -> bool:
        """The signature is valid for the URL Plivo called, yet the app refused it."""
        return self.verdict.startswith("valid") and self.status in (401, 403)

    @property
    def served_unsigned(self) -> bool:
        """The signature did not validate (or was missing) and the app answered 2xx anyway:
        it does not check signatures, or ignores the result."""
        return self.verdict in ("invalid", "missing") and 200 <= self.status < 300


class ProxyApp:
    """Forward to ``upstream`` (``http://127.0.0.1:5000``), checking on the way (see the
    module docstring). ``public_url``: the message_url configured at Plivo, which the
    signatures are checked against (default: the proxy's own URL as requested).

    Transparent: every end-to-end header, ``Host`` included, reaches the app as the client
    sent it, so the app checks signatures against the same URL as the proxy does;
    ``forwarded_headers=True`` adds ``X-Forwarded-For``/``-Proto``/``-Host``. Bounded: a body
    over ``max_body`` bytes is refused (413), an answer over ``max_answer`` bytes or slower
    than ``timeout`` seconds (Plivo's 8 s by default) is cut off (502/504), each saying its
    limit."""

    def __init__(
        self,
        upstream: str,
        auth_token: str | Sequence[str] | None = None,
        *,
        public_url: str | None = None,
        main_auth_token: str | Sequence[str] | None = None,
        record_to: str | None = None,
        timeout: float = ANSWER_TIMEOUT,
        max_body: int = 65536,
        max_answer: int = 1 << 20,
        forwarded_headers: bool = False,
        keep: int = 1000,
        on_exchange: Callable[[Exchange], Any] | None = None,
    ):
        self._target = _upstream(upstream)
        self.upstream = upstream.rstrip("/")
        self._tokens = resolve_tokens(auth_token)
        self._token = self._tokens[0]
        self._main_tokens = () if not main_auth_token else resolve_tokens(main_auth_token)
        self._main_token = self._main_tokens[0] if self._main_tokens else None
        for name, value in (("timeout", timeout), ("max_body", max_body),
                            ("max_answer", max_answer)):  # fmt: skip
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"{name} must be a positive number; got {value!r}")
        self.max_body, self.max_answer = int(max_body), int(max_answer)
        self.forwarded_headers = forwarded_headers
        self._nonces = MemoryNonceStore()
        self.public_url = public_url
        if public_url is not None:
            public_origin(public_url)  # a clear error now, not at the first request
        self.record_to = record_to
        self.timeout = timeout
        self.on_exchange = on_exchange
        self.exchanges: deque[Exchange] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        public = f", public {self.public_url}" if self.public_url else ""
        return (
            f"<ProxyApp → {display_url(self.upstream)}{public}, token {mask(self._token)}, "
            f"{len(self.exchanges)} exchanges>"
        )

    def _redact(self, text: str) -> str:
        return redact(text, *self._tokens, *self._main_tokens)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        headers = environ_headers(environ)  # Host included: it goes to the app unchanged
        raw_target = request_target(environ)  # forwarded byte for byte: %2F stays %2F
        path, _, query = raw_target.partition("?")
        try:
            origin = None
            if self.public_url is not None:  # the message_url Plivo calls, on that host
                origin = self._public_origin(text_path(str(environ.get("PATH_INFO", ""))))
            url = request_url(environ, origin=origin)
        except ValueError:
            url = f"http://invalid-host{path}"
        try:
            body = self._body(environ, method)
        except _Refused as refused:  # bad or oversized input: answered here, not forwarded
            exchange = Exchange(
                time=datetime.now(timezone.utc), method=method, path=path,
                signature_headers=(), verdict="not checked", diagnosis=None,
                status=refused.status, content_type="text/plain",
                latency=time.perf_counter() - started, error=refused.reason,
            )  # fmt: skip
            self._keep(exchange, method, url, headers, {}, b"")
            start_response(status_line(refused.status), [_PLAIN])
            return [f"{refused.status} {refused.reason}\n".encode()]
        try:
            params = {
                **parse_form(query.encode("latin-1")),
                **(parse_form(body) if method == "POST" else {}),
            }
        except ValueError:  # not form data: forwarded all the same
            params = {}
        result = verify(
            method, url, headers, body, auth_token=self._tokens,
            main_auth_token=self._main_tokens or None, nonces=self._nonces,
        )  # fmt: skip
        forwarded = dict(headers)
        if self.forwarded_headers:
            forwarded.update(_forwarded_for(environ, headers))
        status, answer_headers, answer, error = self._forward(method, path, query, forwarded, body)
        kind = next((v for k, v in answer_headers if k.lower() == "content-type"), "")
        media = kind.split(";")[0].strip().lower()
        report = "Status" in params and "MessageUUID" in params
        problems: tuple[Problem, ...] = ()
        note = ""
        if status == 200 and not report:
            if media in XML_MEDIA_TYPES:
                problems = tuple(validate(answer))
            else:
                note = f"Content-Type is {media or 'missing'}: Plivo needs application/xml"
        verdict = result.verdict + (" (duplicate)" if result.duplicate else "")
        exchange = Exchange(
            time=datetime.now(timezone.utc),
            method=method,
            path=path,
            signature_headers=result.headers,
            verdict=verdict,
            diagnosis=None if result.accepted else result.diagnosis,
            status=status,
            content_type=media,
            problems=problems,
            latency=time.perf_counter() - started,
            error=self._redact(error or note),
            params=params,
        )
        self._keep(exchange, method, url, headers, params, body)
        start_response(status_line(status), answer_headers)
        return [answer]

    def _public_origin(self, path: str) -> str:
        """Where ``public_url`` puts a request for ``path``: under the public URL's prefix
        when the public URL ends with that path (the message_url itself), else at the root
        of its host (a delivery report to /sms_status/ beside /receive_sms/)."""
        assert self.public_url is not None
        origin = public_origin(self.public_url, (path,))
        public_path = urlsplit(self.public_url).path
        if canonical_path(public_path).endswith(canonical_path(path)):
            return origin
        parts = urlsplit(origin)
        return f"{parts.scheme}://{parts.netloc}"

    def _body(self, environ: dict[str, Any], method: str) -> bytes:
        """The request body, read within ``max_body``; bad framing is a one-line refusal."""
        declared = str(environ.get("CONTENT_LENGTH") or "").strip()
        stream = environ.get("wsgi.input")
        if declared:
            if not set(declared) <= _DIGITS:  # "-1", "ten", "5, 7"
                raise _Refused(400, f"Content-Length {declared[:40]!r} is not a number of bytes")
            length = int(declared) if len(declared) < 19 else 10**18
            if length > self.max_body:
                raise _Refused(
                    413, f"a body of {length} bytes is over the proxy's {self.max_body} byte "
                    "limit (max_body)",
                )  # fmt: skip
            return read_at_most(stream, length) if stream is not None and length else b""
        chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
        if method in ("POST", "PUT", "PATCH") and not chunked:
            raise _Refused(400, f"a {method} needs a Content-Length header (or a chunked body)")
        if stream is None or not (chunked or environ.get("wsgi.input_terminated")):
            return b""
        body = read_at_most(stream, self.max_body + 1)
        if len(body) > self.max_body:
            raise _Refused(413, f"the body is over the proxy's {self.max_body} byte limit")
        return body

    def _forward(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes, str]:
        """Send to the upstream with the standard library's http.client, and read its answer
        within ``timeout`` seconds in all (a watchdog closes a connection that drips) and
        ``max_answer`` bytes."""
        import http.client  # lazy: keep `import smsxml` light

        scheme, host, port, prefix = self._target
        connection_class = (
            http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        )
        conn = connection_class(host, port, timeout=self.timeout)
        sent = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
        if not any(k.lower() == "host" for k in sent):  # an HTTP/1.0 client may send none
            sent["Host"] = host if port is None else f"{host}:{port}"
        target = prefix + path + (f"?{query}" if query else "")
        expired = threading.Event()

        def cut_off() -> None:
            expired.set()
            sock = conn.sock
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        watchdog = threading.Timer(self.timeout, cut_off)
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in sent.items():
                conn.putheader(name, value)
            if body or method in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body or None)
            response = conn.getresponse()
            chunks, got = [], 0
            while True:
                chunk = response.read1(65536)
                if not chunk:
                    break
                got += len(chunk)
                if got > self.max_answer:
                    text = (
                        f"the app's answer is over the proxy's {self.max_answer} byte limit "
                        "(max_answer)"
                    )
                    return 502, [_PLAIN], f"502 {text}\n".encode(), text
                chunks.append(chunk)
            if expired.is_set():
                raise TimeoutError
            answer_headers = [
                (k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP
            ]
            return response.status, answer_headers, b"".join(chunks), ""
        except TimeoutError:
            return self._gave_up(504, f"did not answer within {self.timeout:g} s")
        except (OSError, http.client.HTTPException) as exc:
            if expired.is_set():
                return self._gave_up(504, f"did not answer within {self.timeout:g} s")
            return self._gave_up(502, f"could not be reached ({type(exc).__name__})")
        finally:
            watchdog.cancel()
            conn.close()

    def _gave_up(self, status: int, why: str) -> tuple[int, list[tuple[str, str]], bytes, str]:
        """The proxy's own answer when the app did not give one (no password shown)."""
        text = f"the app at {display_url(self.upstream)} {why}"
        return status, [_PLAIN], f"{status} {text}\n".encode(), text

    def _keep(self, exchange: Exchange, method: str, url: str, headers: dict[str, str],
              params: dict[str, str], body: bytes) -> None:  # fmt: skip
        with self._lock:
            self.exchanges.append(exchange)
        if self.record_to:
            recorded = recording.RecordedRequest(
                method=method,
                url=url,
                headers=headers,
                params=params,
                body=recording.RecordedRequest.decode_body(body),
                time=recording.iso_utc(exchange.time),
            )
            recording.append(self.record_to, recorded)
        if self.on_exchange is not None:
            self.on_exchange(exchange)

    def sequence_diagram(self, *, title: str | None = None) -> SVG:
        """The exchanges so far as a sequence diagram: Plivo → your app and back, with the
        proxy's findings as notes (red: a signature that failed or a forgery served, amber:
        an answer Plivo cannot use, XML problems)."""
        steps: list[Step] = []
        for e in list(self.exchanges):
            time = f"{e.time:%H:%M:%S.%f}"[:12]
            label = f"{e.method} {shorten(e.path, 24)} ({e.verdict})"
            steps.append(Step("Plivo", "Your app", label, "arrow", time))
            steps.append(Step("Your app", "Plivo", f"{e.status} {e.content_type or '-'}", "reply"))
            if e.served_unsigned or (e.diagnosis is not None and not e.diagnosis.valid):
                steps.append(Step("Plivo", "Plivo", f"signature {e.verdict}", "error"))
            if e.error or e.problems:
                note = e.error or summary(e.problems)
                steps.append(Step("Your app", "Your app", shorten(note, 40), "warning"))
        return sequence_diagram(["Plivo", "Your app"], steps, title=title)

    def _repr_html_(self) -> str:
        rows = [
            (
                f"{e.method} {e.path}",
                e.verdict,
                e.status,
                e.content_type,
                e.error or summary(e.problems),
            )
            for e in self.exchanges
        ]
        header = ("request", "signature", "status", "type", "notes")
        styles = ("", "", "", "", "text-align:left")
        shown = table(rows, header, row_heads=False, cell_style=styles, header_style="")
        return f"<div><b>{escape(repr(self))}</b>{shown}</div>"


class Proxy:
    """A :class:`ProxyApp` served on ``host:port`` (127.0.0.1, any free port by default)."""

    def __init__(self, upstream: str, auth_token: str | Sequence[str] | None = None,
                 host: str = "127.0.0.1",
                 port: int = 0, **options: Any):  # fmt: skip
        from .webhook.server import Server  # waitress: only when a proxy is served

        check_port(port)
        self.app = ProxyApp(upstream, auth_token, **options)
        self._server = Server(self.app, host, port, ServerLimits(max_body=self.app.max_body))
        self.host, self.port = host, self._server.port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def exchanges(self) -> list[Exchange]:
        return list(self.app.exchanges)

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Proxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        upstream = display_url(self.app.upstream)
        return f"<Proxy {self.url} → {upstream}, {len(self.app.exchanges)} exchanges>"

    def _repr_html_(self) -> str:
        return self.app._repr_html_()

    def sequence_diagram(self, *, title: str | None = None) -> SVG:
        """See :meth:`ProxyApp.sequence_diagram`."""
        return self.app.sequence_diagram(title=title)

    def live(self) -> Any:
        """A notebook view that updates with each exchange (an ipywidgets HTML: the table of
        exchanges and the sequence diagram)."""
        import ipywidgets

        view = ipywidgets.HTML(value=self._live_html())
        previous = self.app.on_exchange

        def refresh(exchange: Exchange) -> None:
            if previous is not None:
                previous(exchange)
            view.value = self._live_html()

        self.app.on_exchange = refresh
        return view

    def _live_html(self) -> str:
        if not self.app.exchanges:
            return f"<i>{escape(repr(self))}: no exchange yet</i>"
        diagram = self.sequence_diagram()
        return self._repr_html_() + f"<img src='{diagram.data_uri}' style='max-width:100%'>"
