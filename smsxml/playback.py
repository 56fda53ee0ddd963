"""Send recorded webhook requests again — freshly signed, or exactly as recorded.

A recording (JSON lines, see :mod:`smsxml.recording`) keeps what Plivo sent to your app.
:func:`replay` sends those requests to a URL or a WSGI app:

* ``resign=True`` (the default) signs each one anew for the target URL with a fresh nonce,
  as Plivo would if it sent the same message there today — your app should accept it;
* ``resign=False`` sends the recorded signature headers unchanged. The signature was made
  for the URL it was recorded at and with a nonce already used, so an app that checks
  signatures (against the URL it is reached at) and refuses replayed nonces rejects it —
  which is how you see that replay protection works.

``edit`` changes the parameters before sending: a dict of values to override, or a
function given the parameters and returning the new ones. ``seed`` makes the fresh nonces
(and so the new signatures) the same on every run, as ``Simulator(seed=…)`` does — for
notebooks and tests only: a seeded nonce repeats, and an app that remembers nonces refuses
the second replay with the same seed.

``str(result)`` and the HTML view put the recorded request and the one sent side by side.
They leave out the recording's wall-clock time (it is ``result.original.time``), so the
view is the same on every run when the recording, the target URL and the seed are.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from ._headers import header_map
from ._html import code, escape, table
from .exc import DeliveryError, RecordingError, ReplayError
from .inbound import SignedRequest, resigned
from .protocol import FORM_CONTENT_TYPE, NONCE_HEADER, SIGNATURE_HEADER
from .recording import RecordedRequest, load
from .signature import make_nonce
from .tokens import resolve_token
from .transport import Reply, WSGIApp, resolve_target, send

__all__ = ["replay", "ReplayResult", "ReplayError"]

# Headers that describe one connection, not the request: never replayed as recorded.
_CONNECTION_HEADERS = frozenset({
    "host", "content-length", "connection", "keep-alive", "transfer-encoding", "te",
    "upgrade", "proxy-connection", "accept-encoding",
})  # fmt: skip


@dataclass(frozen=True)
class ReplayResult:
    """One replayed request: what was sent (``request``), what came back (``reply``,
    ``status``) and what had been recorded (``original``). ``error`` says why nothing came
    back when the target could not be reached."""

    original: RecordedRequest
    request: SignedRequest
    reply: Reply | None
    resigned: bool
    error: str | None = None

    @property
    def status(self) -> int | None:
        """The HTTP status of the reply (None when the request could not be delivered)."""
        return self.reply.status if self.reply is not None else None

    @property
    def ok(self) -> bool:
        return self.reply is not None and self.reply.ok

    @property
    def outcome(self) -> str:
        """``200 OK``, or ``not delivered: …`` when no answer came."""
        if self.reply is None:
            return f"not delivered: {self.error}"
        return f"{self.reply.status} {self.reply.reason}".rstrip()

    def _rows(self) -> list[tuple[str, str, str]]:
        original, sent = self.original, self.request
        nonce = _header(original.headers, NONCE_HEADER) or "(none)"
        signature = _header(original.headers, SIGNATURE_HEADER) or "(none)"
        changed = sorted(
            k
            for k in set(original.params) | set(sent.params)
            if original.params.get(k) != sent.params.get(k)
        )
        return [
            ("method", original.method, sent.method),
            ("URL", original.url, sent.url),
            ("nonce", nonce, sent.nonce or "(none)"),
            (SIGNATURE_HEADER, signature, sent.signature or "(none)"),
            (
                "params",
                f"{len(original.params)}",
                f"{len(sent.params)}" + (f" (changed: {', '.join(changed)})" if changed else ""),
            ),
        ]

    def __str__(self) -> str:
        how = "re-signed" if self.resigned else "as recorded"
        lines = [f"ReplayResult: {self.request.method} {self.request.url} ({how}) → {self.outcome}"]
        width = max(len(label) for label, _, _ in self._rows())
        for label, before, after in self._rows():
            mark = "=" if before == after else "→"
            lines.append(f"  {label:<{width}}  {before}  {mark}  {after}")
        if self.reply is not None and self.reply.body:
            body = self.reply.text.strip()
            lines.append(f"  reply body: {body[:200]}{'…' if len(body) > 200 else ''}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        how = "re-signed" if self.resigned else "as recorded"
        return f"ReplayResult({self.request.method} {self.request.url}, {how}, {self.outcome})"

    def _repr_html_(self) -> str:
        how = "re-signed" if self.resigned else "as recorded"
        rows = [(label, code(before), code(after)) for label, before, after in self._rows()]
        sides = table(rows, ("", "recorded", "replayed"), header_style="")
        body = ""
        if self.reply is not None and self.reply.body:
            body = f"<pre>{escape(self.reply.text[:2000])}</pre>"
        return (
            f"<div><b>Replay</b> ({escape(how)}) → <b>{escape(self.outcome)}</b>{sides}{body}</div>"
        )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return header_map(headers).get(name)


def _as_recorded(entry: Any) -> RecordedRequest:
    """A RecordedRequest from a RecordedRequest, a webhook LogEntry or a similar object."""
    if isinstance(entry, RecordedRequest):
        return entry
    for name in ("to_recorded", "recorded"):
        convert = getattr(entry, name, None)
        if callable(convert):
            entry = convert()
        elif isinstance(convert, RecordedRequest):
            entry = convert
        if isinstance(entry, RecordedRequest):
            return entry
    if isinstance(entry, Mapping):
        return RecordedRequest.from_dict({"version": 1, **entry})
    method, url = getattr(entry, "method", None), getattr(entry, "url", None)
    if not isinstance(method, str) or not isinstance(url, str):
        raise ReplayError(
            f"cannot replay a {type(entry).__name__}: give a recording file, RecordedRequest "
            "objects or webhook log entries"
        )
    body = getattr(entry, "body", b"") or b""
    if isinstance(body, bytes | bytearray):
        body = RecordedRequest.decode_body(bytes(body))
    when = getattr(entry, "time", None)
    if isinstance(when, datetime):
        when = when.isoformat()
    request = RecordedRequest(
        method=method,
        url=url,
        headers={str(k): str(v) for k, v in dict(getattr(entry, "headers", {}) or {}).items()},
        params={str(k): str(v) for k, v in dict(getattr(entry, "params", {}) or {}).items()},
        body=str(body),
    )
    return replace(request, time=when) if isinstance(when, str) and when else request


def _entries(source: Any) -> list[RecordedRequest]:
    if isinstance(source, str | os.PathLike):
        try:
            return load(source)
        except RecordingError:
            raise
        except (ValueError, TypeError) as exc:  # a NUL or a lone surrogate in the file name
            raise ReplayError(f"cannot read a recording named {source!r}: {exc}") from None
    if isinstance(source, RecordedRequest) or not isinstance(source, Iterable):
        return [_as_recorded(source)]
    return [_as_recorded(entry) for entry in source]


def _edited(params: dict[str, str], edit: Any) -> dict[str, str]:
    if edit is None:
        return params
    if isinstance(edit, Mapping):
        return {**params, **{str(k): str(v) for k, v in edit.items()}}
    if callable(edit):
        result = edit(dict(params))
        if not isinstance(result, Mapping):
            raise ReplayError(
                f"edit must return the parameters (a dict), not {type(result).__name__}"
            )
        return {str(k): str(v) for k, v in result.items()}
    raise ReplayError("edit must be a dict of parameters to override, or a function")


def _target(url: object) -> tuple[WSGIApp | None, str | None]:
    app, target_url = resolve_target(url)
    if app is None and target_url is None:
        raise ReplayError(
            f"url must be the URL to send to or a WSGI application, not {type(url).__name__}"
        )
    return app, None if app is not None else target_url


def _destination(recorded_url: str, target_url: str | None) -> str:
    """Where a recorded request goes: its own URL, or ``target_url`` with the recorded query
    kept (unless ``target_url`` has a query of its own)."""
    if target_url is None:
        return recorded_url
    target, recorded = urlsplit(target_url), urlsplit(recorded_url)
    if target.query or not recorded.query:
        return target_url
    return urlunsplit(target._replace(query=recorded.query, fragment=""))


def _as_recorded_request(original: RecordedRequest, url: str, edit: Any) -> SignedRequest:
    """The recorded request, headers and all, aimed at ``url``: its body (and a GET's query)
    byte for byte, unless ``edit`` changes parameters — then they are written again."""
    headers = {k: v for k, v in original.headers.items() if k.lower() not in _CONNECTION_HEADERS}
    method = original.method.upper()
    params = dict(original.params)
    written = not original.body and not urlsplit(url).query and params  # made by hand
    if edit is None and not written:
        return SignedRequest(method, url, headers, params, original.body_bytes)
    params = _edited(params, edit)
    if method == "POST" and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = FORM_CONTENT_TYPE
    if method == "GET":
        parts = urlsplit(url)
        return SignedRequest(method, urlunsplit(parts._replace(query=urlencode(params))),
                             headers, params, b"")  # fmt: skip
    return SignedRequest(method, url, headers, params, urlencode(params).encode())


def _rng(seed: int | None) -> random.Random | None:
    """A generator seeded with ``seed`` for reproducible nonces (None: :mod:`secrets`)."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ReplayError(f"seed must be a whole number (or None), not {seed!r}")
    return random.Random(seed)


def _timeout(timeout: object) -> float:
    """``timeout`` checked: a number of seconds above 0 (not a bool, not NaN or infinity)."""
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise ReplayError(f"timeout must be a number of seconds above 0, not {timeout!r}")
    return float(timeout)


def _token(auth_token: object, what: str) -> str | None:
    if auth_token is not None and not isinstance(auth_token, str):
        raise ReplayError(
            f"{what} is text (str), like the one in the Plivo console, or None; got "
            f"{type(auth_token).__name__}"
        )
    return auth_token


def _path(url: str) -> str:
    """The path and query of ``url``: what a seeded nonce is bound to besides the
    parameters (not the host and port, which change from run to run)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def replay(
    path_or_entries: Any,
    url: Any,
    auth_token: str | None = None,
    *,
    resign: bool = True,
    edit: Mapping[str, object] | Callable[[dict[str, str]], Mapping[str, object]] | None = None,
    main_auth_token: str | None = None,
    timeout: float = 10.0,
    seed: int | None = None,
) -> list[ReplayResult]:
    """Send each recorded request to ``url`` and return what happened, in order.

    ``path_or_entries``: a JSON-lines recording, or RecordedRequest / webhook LogEntry
    objects. ``url``: where to send them (an http(s) URL, an object with a ``.url`` such
    as a LocalWebhook, or a WSGI app — then each request goes in-process to its recorded
    URL). ``auth_token`` (default: ``$PLIVO_AUTH_TOKEN`` or the demo token) signs fresh
    requests when ``resign`` is true. A target that cannot be reached gives results with
    ``status`` None and ``error`` set rather than an exception. ``seed``: draw the fresh
    nonces from ``random.Random(seed)`` so that a re-signed replay is the same on every run
    (default: unpredictable nonces, as Plivo's).
    """
    rng = _rng(seed)
    timeout = _timeout(timeout)
    main_auth_token = _token(main_auth_token, "main_auth_token")
    token = resolve_token(_token(auth_token, "auth_token"))  # signs fresh requests
    entries = _entries(path_or_entries)
    app, target_url = _target(url)
    results = []
    for original in entries:
        method = original.method.upper()
        destination = _destination(original.url, target_url)
        if method not in ("GET", "POST"):  # reported on its own line; the rest go on
            request = SignedRequest(method, destination, dict(original.headers),
                                    dict(original.params), original.body_bytes)  # fmt: skip
            why = f"not sent: cannot replay a {method} request (Plivo sends GET or POST)"
            results.append(ReplayResult(original, request, None, resign, why))
            continue
        request = _as_recorded_request(original, destination, edit)
        if resign:
            nonce = make_nonce(rng, binds=(method, _path(request.url), request.body))
            request = resigned(request, token, nonce=nonce, main_auth_token=main_auth_token)
        reply: Reply | None = None
        error: str | None = None
        try:
            reply = send(request, app, timeout=timeout)
        except DeliveryError as exc:
            error = str(exc)
        results.append(ReplayResult(original, request, reply, resign, error))
    return results
