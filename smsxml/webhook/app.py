"""The webhook as a plain WSGI application (PEP 3333): :class:`WebhookApp`, and
:func:`demo_app` for gunicorn."""

from __future__ import annotations

import functools
import logging
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from .. import recording
from .._http import status_line
from ..exc import WebhookError, WrongTypeError
from ..inbound import InboundMessage, StatusReport
from ..protocol import (
    MAX_TEXT_LENGTH,
    NONCE_V3_HEADER,
    SIGNATURE_HEADERS,
    TEXT_CONTENT_TYPE,
    XML_CONTENT_TYPE,
)
from ..signature.canonical import canonical_path
from ..signature.nonces import MemoryNonceStore, NonceStore, SQLiteNonceStore
from ..signature.policy import METHODS, verify
from ..tokens import mask, redact, resolve_tokens
from ..xml import Response
from ._incoming import (
    Exchange,
    Refused,
    check_content_type,
    form,
    incoming,
    query_params,
    read_body,
    salvage,
)
from .log import LogEntry, RequestLog, new_entry, utc_now
from .reply import Handler, answer, handler_failed
from .request import public_origin, request_target, request_url, wsgi_path

if TYPE_CHECKING:  # pragma: no cover
    from .limits import Refusal

_log = logging.getLogger("smsxml.webhook")
_log.addHandler(logging.NullHandler())


class WebhookApp:
    """A WSGI application (PEP 3333) serving a Plivo ``message_url`` at ``path``.

    ``handler(message: InboundMessage)`` returns a smsxml ``Response``, an XML string or
    bytes; that reply is validated (problems are logged, the reply is still sent) and
    answered as ``application/xml``. ``auth_token`` None: ``$PLIVO_AUTH_TOKEN`` or the demo
    token. See the module docstring for the statuses and their order.

    Whether a request came from Plivo is decided by :func:`smsxml.verify`, the one
    policy every entry point shares (V3 decides when present, else V2; replay memory).

    - ``auth_token``: a token, or several while you rotate them (any one validates).
    - ``main_auth_token``: validate ``X-Plivo-Signature-Ma-V2``/``-Ma-V3`` with it (else
      with ``auth_token``); one or several.
    - ``require_signature=False``: accept unsigned requests (verdict "not checked").
    - ``signature_versions``: which signatures count. Default ``("V2", "V3")``;
      ``("V3",)`` is strict: only V3 (which covers the method and the body) proves it.
    - ``v3_mismatch="warn"``: a V3 that fails is logged as a warning and V2 decides
      (for traffic where V3 is computed differently); default ``"refuse"``.
    - ``public_url``: the message_url configured at Plivo (e.g.
      ``"https://abc.ngrok.app/receive_sms/"``), when your app sits behind a tunnel or
      proxy: signatures are checked against it (with the request's own path), and neither
      ``Host`` nor any X-Forwarded header is read.
    - ``trust_proxy=True``: rebuild the URL from X-Forwarded-Proto/-Host.
    - ``max_body``: largest body accepted, in bytes (413 beyond).
    - ``reject_replayed_nonces`` (default True): replay memory. A nonce seen before with a
      different method, URL or body is refused (403 "replayed nonce"); an identical repeat
      (a retry) is served and logged as a duplicate. ``nonce_store``: where nonces are
      remembered (default: this process's memory; :class:`smsxml.signature.nonces.SQLiteNonceStore`
      shares them between server processes).
    - ``idempotent=True``: a message whose MessageUUID was answered before (Plivo retries
      a non-2xx or slow answer with the same MessageUUID) gets the reply it got then, and
      the handler is not called again; kept in ``nonce_store`` (or this process's memory)
      for a day, longer than Plivo's retries take.
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
        auth_token: str | Sequence[str] | None = None,
        *,
        path: str = "/receive_sms/",
        main_auth_token: str | Sequence[str] | None = None,
        require_signature: bool = True,
        signature_versions: Iterable[str] = ("V2", "V3"),
        v3_mismatch: Literal["refuse", "warn"] = "refuse",
        trust_proxy: bool = False,
        public_url: str | None = None,
        max_body: int = 65536,
        reject_replayed_nonces: bool = True,
        idempotent: bool = False,
        nonce_store: NonceStore | None = None,
        record_to: str | None = None,
        log_size: int = 1000,
        status_path: str | None = None,
        on_status: Callable[[StatusReport], Any] | None = None,
    ):
        _check_options(handler, path, status_path, on_status, max_body)
        self.handler = handler
        self._tokens = resolve_tokens(auth_token)
        self._token = self._tokens[0]  # signs (e.g. LocalWebhook's curl lines)
        self._main_tokens: tuple[str, ...] = (
            () if not main_auth_token else resolve_tokens(main_auth_token)
        )
        self._main_token = self._main_tokens[0] if self._main_tokens else None
        self.path = path
        self.status_path = status_path
        self._routes = {canonical_path(path): "message"}
        if status_path is not None:
            self._routes[canonical_path(status_path)] = "status"
        self.on_status = on_status
        self.require_signature = require_signature
        self.signature_versions = _signature_versions(signature_versions)
        if v3_mismatch not in ("refuse", "warn"):
            raise WebhookError(f"v3_mismatch is 'refuse' or 'warn'; got {v3_mismatch!r}")
        self.v3_mismatch = v3_mismatch
        self.trust_proxy = trust_proxy
        self.public_url = public_url
        self._origin = (
            None if public_url is None else public_origin(public_url, (path, status_path))
        )
        self.max_body = max_body
        self.reject_replayed_nonces = reject_replayed_nonces
        self.record_to = record_to
        self.log = RequestLog(log_size)
        # "is None", not "or": an empty MemoryNonceStore is falsy (it has a length)
        store = MemoryNonceStore() if nonce_store is None else nonce_store
        self.nonce_store: NonceStore | None = store if reject_replayed_nonces else None
        self.idempotent = bool(idempotent)
        self._replies: NonceStore = store

    # -- plumbing ------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        """Free text from outside smsxml (an exception, a traceback) without this app's
        tokens. Never used on data: URLs, headers, parameters and replies are kept as sent."""
        return redact(text, *self._tokens, *self._main_tokens)

    @property
    def masked_token(self) -> str:
        """The token this app checks with, as shown: masked (it is never shown)."""
        return mask(self._token)

    def __repr__(self) -> str:
        main = f", main token {mask(self._main_token)}" if self._main_token else ""
        name = getattr(self.handler, "__name__", type(self.handler).__name__)
        status = f", reports at {self.status_path}" if self.status_path else ""
        return (
            f"<WebhookApp {self.path} → {name}(){status}, token {mask(self._token)}{main}, "
            f"{len(self.log)} logged>"
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        started = time.perf_counter()
        ex = incoming(environ, self.trust_proxy, self._origin, started)
        extra_headers: list[tuple[str, str]] = []
        try:
            body = self._process(ex)
            status, reason = 200, ""
            content_type = XML_CONTENT_TYPE if ex.report is None else TEXT_CONTENT_TYPE
        except Refused as refusal:
            status, reason = refusal.status, refusal.reason
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
                salvage(ex, self.max_body)
                self._record(ex)
        entry = self._log_entry(ex, status, reason, time.perf_counter() - started)
        claim = environ.get("smsxml.server.claim")  # False: the stopping server answered
        if claim is None or claim():
            self.log.append(entry)
            self._emit(entry)
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        start_response(status_line(status), headers + extra_headers)
        return [body]

    def log_refusal(self, refusal: Refusal) -> None:
        """Log a request that the server in front of this app refused before the app saw it
        (e.g. waitress's 400 for two Content-Length headers, 408 for a request too slow to
        arrive; 503 for one still running when the server stopped), so that the log holds
        every request once; recorded too when ``record_to`` is set (with the body, which the
        server did not read, empty), unless the app saw it (and so recorded it already).
        See :mod:`smsxml.webhook.server`."""
        target = refusal.target
        path = target.split("?", 1)[0] if target.startswith("/") else target
        now = utc_now()
        if self.record_to and not refusal.app_saw:
            try:
                recording.append(
                    self.record_to,
                    recording.RecordedRequest(
                        method=refusal.method,
                        url=refusal.url or target,
                        headers=dict(refusal.headers),
                        time=recording.iso_utc(now),
                    ),
                )
            except Exception as exc:  # a full disk must not take the webhook down
                _log.error(
                    "could not record the request to %s: %s",
                    self.record_to,
                    self._redact(str(exc)),
                )
        entry = LogEntry(
            time=now,
            method=refusal.method,
            url=target,
            path=path,
            status=refusal.status,
            verdict="not checked",
            reason=refusal.reason,
            headers=dict(refusal.headers),
        )
        self.log.append(entry)
        self._emit(entry)

    def _log_entry(self, ex: Exchange, status: int, reason: str, latency: float) -> LogEntry:
        return new_entry(
            time=ex.time,
            method=ex.method,
            url=ex.url,
            path=ex.path,
            status=status,
            verdict=ex.verdict,
            reason=reason,
            headers=ex.headers,
            params=ex.params,
            message=ex.message,
            signature=ex.signature,
            reply=ex.reply,
            problems=ex.problems,
            error=ex.error,
            traceback=ex.traceback,
            latency=latency,
            body=recording.RecordedRequest.decode_body(ex.body),
            report=ex.report,
            detail=ex.detail,
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

    def _record(self, ex: Exchange) -> None:
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
            )
            recording.append(self.record_to, recorded)
        except Exception as exc:  # a full disk must not take the webhook down
            _log.error(
                "could not record the request to %s: %s", self.record_to, self._redact(str(exc))
            )

    # -- the checks, in order ------------------------------------------------------------

    def _process(self, ex: Exchange) -> bytes:
        environ = ex.environ
        if ex.bad_request:
            raise Refused(400, ex.bad_request)
        raw = str(environ.get("REQUEST_URI") or environ.get("RAW_URI") or "").split("?", 1)[0]
        if raw.startswith("//"):  # servers fold "//receive_sms/" into "/receive_sms/"
            ex.path = raw[:200]
            raise Refused(404, f"no webhook at {ex.path} (one '/' at the start, not several)")
        # paths compare in their canonical form (signature/canonical.py): "/ré/" is "/r%C3%A9/"
        target = _canonical(request_target(environ).split("?", 1)[0])
        script = _canonical(wsgi_path(str(environ.get("SCRIPT_NAME", ""))))
        if script and target.startswith(script + "/"):  # mounted under a prefix
            target = target[len(script) :]
        requested = self._routes.get(target)
        if requested is None:
            hint = ""
            for known in filter(None, (self.path, self.status_path)):
                if target.rstrip("/") == canonical_path(known).rstrip("/"):
                    hint = f" (the webhook is at {known} — mind the trailing slash)"
            raise Refused(404, f"no webhook at {ex.path}{hint}")
        if ex.method not in METHODS:  # the policy's first rule, said before any body is read
            ex.verdict = "method not allowed"
            raise Refused(405, f"{ex.method} not allowed: Plivo calls with GET or POST")
        self._check_signature(ex)
        query = query_params(environ)
        if ex.method == "POST":
            if ex.form is None:  # else: read, its content type checked, parsed for V3
                check_content_type(environ)
                if not ex.body_read:
                    ex.body_read = True
                    ex.body = read_body(environ, self.max_body)
                ex.form = form(ex.body)
            ex.params = {**query, **ex.form}
        else:
            ex.params = query
        if requested == "status":
            return self._accept_report(ex)
        try:
            ex.message = InboundMessage.from_params(ex.params)
        except KeyError as missing:
            raise Refused(400, f"missing {missing.args[0]} parameter") from None
        for name in ("From", "To"):
            if not ex.params[name].strip():
                ex.message = None
                raise Refused(400, f"empty {name} parameter (a phone number is needed)")
        self._record(ex)
        return self._answer_once(ex)

    def _answer_once(self, ex: Exchange) -> bytes:
        """The handler's reply; with ``idempotent``, the reply a MessageUUID got before."""
        assert ex.message is not None
        key = f"reply:{ex.message.message_uuid}" if ex.message.message_uuid else ""
        if self.idempotent and key:
            kept = self._replies.recall(key)
            if kept is not None:  # a retry: the same answer, the handler not run again
                ex.reply = kept
                ex.detail = "; ".join(filter(None, (ex.detail, "same reply as before")))
                return kept.encode("utf-8")
        data = answer(ex, self.handler, self._redact)
        if self.idempotent and key and ex.reply is not None:
            self._replies.keep(key, ex.reply)
        return data

    def _accept_report(self, ex: Exchange) -> bytes:
        """A delivery report: parse it, hand it to ``on_status``, answer 200 OK."""
        try:
            ex.report = StatusReport.from_params(ex.params)
        except KeyError as missing:
            raise Refused(
                400, f"missing {missing.args[0]} parameter (not a delivery report?)"
            ) from None
        self._record(ex)
        if self.on_status is not None:
            try:
                self.on_status(ex.report)
            except BaseException as exc:  # a learner's sys.exit() must not kill the thread
                handler_failed(ex, "on_status", exc, self._redact)
        return b"OK\n"

    def _check_signature(self, ex: Exchange) -> None:
        """Ask the policy (:func:`smsxml.verify`); refuse as it says."""
        if not self.require_signature:
            ex.verdict = "not checked"
            return
        public_url = None
        environ = ex.environ
        # what a proxy says Plivo called: a hint for the diagnosis; the URL itself when the
        # request names no proxy (the same URL as request_url's, worked out again)
        if (
            not self.trust_proxy
            and self._origin is None
            and (
                environ.get("HTTP_X_FORWARDED_PROTO")
                or environ.get("HTTP_X_FORWARDED_HOST")
                or not ex.url_read
            )
        ):
            try:
                forwarded = request_url(ex.environ, trust_proxy=True)
            except ValueError:
                forwarded = ex.url
            public_url = forwarded if forwarded != ex.url else None
        # ex.headers names each header once, in the spelling of Plivo's (environ_headers)
        headers = ex.headers
        params = None
        if ex.method == "POST" and any(headers.get(name) for name in SIGNATURE_HEADERS):
            # V3 signs the body and the replay memory remembers it: read it first (bounded)
            v3 = "V3" in self.signature_versions and headers.get(NONCE_V3_HEADER)
            if v3:
                check_content_type(ex.environ)
            ex.body_read = True
            ex.body = read_body(ex.environ, self.max_body)
            if v3:  # parsed once: for V3 here, for the message in _process
                params = ex.form = form(ex.body)
        result = verify(
            ex.method,
            ex.url,
            ex.headers,
            ex.body,
            auth_token=self._tokens,
            main_auth_token=self._main_tokens or None,
            params=params,
            versions=self.signature_versions,
            v3_mismatch=self.v3_mismatch,
            nonces=self.nonce_store,
            public_url=public_url,
        )
        ex.verdict, ex.signature = result.verdict, result
        details = list(result.notes)
        if result.duplicate:
            details.insert(0, "duplicate")
        if result.accepted and len(self._tokens) > 1 and result.token_index:
            details.append(f"token {result.token_index + 1} of {len(self._tokens)}")
        ex.detail = "; ".join(details)
        if result.notes:
            _log.warning("%s %s: %s", ex.method, ex.path, "; ".join(result.notes))
        if not result.accepted:
            raise Refused(result.status, result.reason)


@functools.lru_cache(maxsize=256)
def _canonical(path: str) -> str:
    """:func:`canonical_path`, remembered: a function of its argument alone (so never stale),
    and bounded (a client sending many paths only pushes the oldest out)."""
    return canonical_path(path)


# --- Options -------------------------------------------------------------------------------


def _check_options(
    handler: object,
    path: object,
    status_path: object,
    on_status: object,
    max_body: object,
) -> None:
    """Refuse options that cannot work, each with a sentence saying what is expected."""
    if not callable(handler):
        raise WrongTypeError(
            "handler must be a function taking an InboundMessage and returning a "
            f"Response, an XML string or bytes; got {type(handler).__name__}"
        )
    if not isinstance(path, str) or not path.startswith("/"):
        raise WebhookError(f"path must start with '/', like '/receive_sms/'; got {path!r}")
    if "?" in path or "#" in path or path.startswith("//"):
        raise WebhookError(
            f"path is the path of the message_url only (one '/' at the start, no '?' or "
            f"'#'), like '/receive_sms/'; got {path!r}"
        )
    if status_path is not None and (
        not isinstance(status_path, str) or not status_path.startswith("/") or status_path == path
    ):
        raise WebhookError(
            "status_path must start with '/' and differ from path, like '/sms_status/'; "
            f"got {status_path!r}"
        )
    if on_status is not None and not callable(on_status):
        raise WrongTypeError("on_status must be a function taking a StatusReport")
    if not isinstance(max_body, int) or max_body < 0:
        raise WebhookError("max_body must be a whole number of bytes (0 or more)")


def _signature_versions(signature_versions: Iterable[str]) -> tuple[str, ...]:
    """The signature versions to accept, without repeats: "V2", "V3" or both."""
    versions = (signature_versions,) if isinstance(signature_versions, str) else signature_versions
    accepted = tuple(dict.fromkeys(versions))
    if not accepted or not set(accepted) <= {"V2", "V3"}:
        raise WebhookError(
            "signature_versions names the signatures to accept: 'V2', 'V3' or both; "
            f"got {signature_versions!r}"
        )
    return accepted


# --- Demo ----------------------------------------------------------------------------------


def _echo(message: InboundMessage) -> Any:
    return Response().add_message(
        f"Thanks! You said: {message.text}"[:MAX_TEXT_LENGTH], src=message.to, dst=message.from_
    )


def demo_app(
    auth_token: str | None = None, *, nonce_db: str | None = None, **options: Any
) -> WebhookApp:
    """An auto-reply WebhookApp (answers every SMS with "Thanks! You said: …").

    A WSGI app factory for any server: ``gunicorn "smsxml.webhook:demo_app()"``. The token
    comes from ``auth_token``, else ``$PLIVO_AUTH_TOKEN``, else the demo token. With several
    worker processes, give ``nonce_db`` (a file) so that they share one replay memory:
    ``gunicorn -w 2 "smsxml.webhook:demo_app(nonce_db='/tmp/nonces.db')"``.
    """
    if nonce_db is not None:
        options.setdefault("nonce_store", SQLiteNonceStore(nonce_db))
    return WebhookApp(_echo, auth_token, **options)
