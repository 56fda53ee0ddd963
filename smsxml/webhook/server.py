"""Serve a WSGI app on 127.0.0.1 from a background thread, with waitress and bounded limits.

waitress (a production WSGI server in pure Python) does the HTTP: an asynchronous front
end reads every request in full before a worker thread sees it, so a slow or silent
client costs a socket, never a thread; its parser is strict (one Content-Length of ASCII
digits, headers that end, no smuggling). This module adds only what a notebook and an
attacker need on top:

- :class:`ServerLimits`: the limits, visible and settable (threads, connections, header
  and body size, how long a request may take to arrive, how long an idle connection
  stays open);
- a deadline for the *whole* request (waitress only times out silence, so a client that
  trickles one byte a second would hold its connection for ever): past it the request is
  answered ``408`` and the connection closed;
- ``on_refused``: requests that waitress answers itself (400, 408, 413, 431, 501) are
  reported, so that the app can log them like the ones it answers;
- :meth:`Server.stop`: stops listening at once, lets the requests in flight finish and be
  answered (for at most its ``timeout``), then closes every connection from the server's
  own thread, leaving no socket or file descriptor behind. A request whose app is still
  running at the timeout is answered ``503`` by the server, and reported like a refusal:
  what the client got is what is logged. An app may call
  ``environ["smsxml.server.claim"]()`` before it logs its own answer: False means the
  server answered that request already (it stopped), so the app must not log it again.

And what costs waitress time and buys nothing here (issue 30, "a lean webhook"):

- its loop no longer wakes again and again while a worker is writing an answer (it waits
  for the worker to say it is done), nor once after each answer on a kept connection,
  which it watches for the next request while the worker answers (waitress's
  ``channel_request_lookahead``; a client that has closed its side still gets its answer);
- a worker is woken only when one is needed (:class:`._workers.Workers`): while one keeps
  up, the others sleep, rather than take turns with it for the GIL;
- an answer whose body is one piece goes out with its head in one write (one packet,
  where waitress sends two);
- plain header lines are read in one pass, the same regular expression deciding each
  (anything else is read, and refused, by waitress itself).

Everything waitress-specific lives here (the loop, the deadline, stopping), in
:mod:`._channel` (one connection: its tasks, reading ahead, writing answers), in
:mod:`._parser` (how a request's head is read) and in :mod:`._workers` (its worker
threads); nothing else in smsxml imports waitress.
"""

from __future__ import annotations

import logging
import math
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.utilities import Error

from .._http import status_line
from ..exc import WebhookError
from ..protocol import TEXT_CONTENT_TYPE
from ._channel import Channel, serving
from ._parser import RequestTimeout, first_line
from ._workers import Workers
from .limits import Refusal, ServerLimits, check_host, check_port

__all__ = ["Server"]

#: After stop()'s timeout, how long an answer the app has begun to write may still take.
_GRACE = 0.25


class _TcpServer(TcpWSGIServer):
    """waitress's TCP server, adding the whole-request deadline and the refusal report."""

    channel_class = Channel

    def __init__(
        self,
        app: Callable[..., Any],
        limits: ServerLimits,
        on_refused: Callable[[Refusal], None] | None,
        **kwargs: Any,
    ):
        self.limits = limits
        self.on_refused = on_refused
        self.stopping = False
        self.draining = False
        super().__init__(app, **kwargs)

    def pull_trigger(self) -> None:
        channel = getattr(serving, "channel", None)  # what this thread is answering
        if channel is not None and channel.server is self and channel.loop_has_nothing_to_do():
            return
        try:
            super().pull_trigger()
        except OSError:  # a worker finishing after stop(): nothing is listening any more
            if not self.stopping:
                raise

    def enforce_deadline(self) -> None:
        """Answer 408 to each request that has not arrived in full within request_timeout
        (waitress's own maintenance closes connections idle for longer than idle_timeout)."""
        cutoff = time.monotonic() - self.limits.request_timeout
        for channel in list(self.active_channels.values()):
            request = channel.request
            if request is None or request.started > cutoff or channel.requests:
                continue
            with channel.requests_lock:  # answer it 408 through waitress's error path
                if not request.headers_finished:  # what waitress does for a 431, too
                    method, target = first_line(request.header_plus)
                    request.parse_header(b"GET / HTTP/1.1\r\n")
                    request.command, request.request_uri = method, target
                request.error = RequestTimeout("")
                request.completed = True
                channel.requests.append(request)
                channel.request = None
            self.add_task(channel)

    def explain(self, error: Error) -> str:
        limits = self.limits
        if error.code == 408:
            return f"the request did not arrive in full within {limits.request_timeout:g} s"
        if error.code == 413:
            return f"body is over the {limits.max_body} byte limit"
        if error.code == 431:
            return f"request line and headers are over the {limits.max_header} byte limit"
        return str(error.body).strip() or error.reason

    def report(
        self, request: HTTPRequestParser, status: int, reason: str, app_saw: bool = False
    ) -> None:
        if self.on_refused is None:
            return
        # A request line waitress could not read (a bad method token, no target) leaves no
        # command or target behind: they are taken from the bytes as they arrived.
        raw = getattr(request, "head", b"") or getattr(request, "header_plus", b"") or b""
        method, target = first_line(raw)
        method = getattr(request, "command", None) or method
        target = getattr(request, "request_uri", None) or target
        headers = {k.replace("_", "-").title(): v for k, v in request.headers.items()}
        url = self.url_of(target)
        try:
            self.on_refused(Refusal(method, target, status, reason, headers, url, app_saw))
        except Exception:  # reporting is a courtesy: the answer has gone out already
            logging.getLogger(__name__).exception("on_refused failed")

    def url_of(self, target: str) -> str:
        """The URL a request for ``target`` reached: this server's own address (never the
        request's Host header, which a refused request may have got wrong)."""
        if not target.startswith("/"):
            return ""
        host = str(self.adj.host)
        host = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.effective_port}{target}"


class Server:
    """``app`` served on ``host:port`` (port 0: any free one) until :meth:`stop`.

    ``on_refused(refusal)`` is called (in a server thread) for each request the server
    answers itself. Raises :class:`~smsxml.exc.WebhookError` for arguments it cannot use
    (a port outside 0–65535, a host that is no address), ``OSError`` when the address
    cannot be bound (e.g. in use).
    """

    def __init__(
        self,
        app: Callable[..., Any],
        host: str = "127.0.0.1",
        port: int = 0,
        limits: ServerLimits | None = None,
        on_refused: Callable[[Refusal], None] | None = None,
    ):
        if not callable(app):
            raise WebhookError(f"app must be a WSGI application (a callable), not {app!r}")
        check_host(host)
        check_port(port)
        if limits is not None and not isinstance(limits, ServerLimits):
            raise WebhookError(f"limits must be a ServerLimits, not {type(limits).__name__}")
        if on_refused is not None and not callable(on_refused):
            raise WebhookError("on_refused must be a function taking a Refusal, or None")
        self.limits = limits or ServerLimits()
        try:
            adj = self._adjustments(host, port)
        except socket.gaierror as exc:  # a name that does not resolve
            raise WebhookError(f"host {host!r} is not an address to listen on: {exc}") from None
        self._map: dict[int, Any] = {}
        self._dispatcher = Workers("smsxml-webhook")
        self._stopping = False
        self._deadline = math.inf
        self._waited = 0.0
        self._server = _TcpServer(
            app,
            self.limits,
            on_refused,
            map=self._map,
            adj=adj,
            dispatcher=self._dispatcher,
            sockinfo=adj.listen[0],
        )
        self.host = host
        self.port: int = int(self._server.effective_port)
        self._dispatcher.name = f"smsxml-webhook-{self.port}"
        self._dispatcher.set_thread_count(self.limits.threads)
        self._thread = threading.Thread(
            target=self._loop, name=f"smsxml-webhook-{self.port}", daemon=True
        )
        self._thread.start()

    def _adjustments(self, host: str, port: int) -> Adjustments:
        return Adjustments(
            host=host,
            port=port,
            threads=self.limits.threads,
            connection_limit=self.limits.connection_limit,
            max_request_header_size=self.limits.max_header,
            max_request_body_size=self.limits.max_body + 1,  # waitress refuses at >=
            channel_timeout=max(1, round(self.limits.idle_timeout)),
            cleanup_interval=1,
            asyncore_use_poll=True,  # select() cannot watch descriptors past 1024
            clear_untrusted_proxy_headers=False,  # the app decides whom to trust
            expose_tracebacks=False,
            channel_request_lookahead=1,
        )

    def _loop(self) -> None:
        trigger = self._server.trigger
        tick = min(1.0, self.limits.request_timeout / 4)
        next_check = 0.0
        try:
            while not self._stopping:
                due = self._dispatcher.wake_overdue(time.monotonic())
                wasyncore.poll2(tick if due is None else min(tick, max(due, 0.001)), self._map)
                now = time.monotonic()
                if now >= next_check:
                    next_check = now + tick
                    self._server.enforce_deadline()
            self._drain()
        finally:  # in this thread, so that no other touches the socket map
            for dispatcher in list(self._map.values()):
                if dispatcher is trigger:
                    continue  # workers may still pull it: closed by stop() after them
                try:
                    if isinstance(dispatcher, HTTPChannel):
                        dispatcher.handle_close()
                    else:
                        wasyncore.dispatcher.close(dispatcher)
                except OSError:
                    pass

    def _channels(self) -> list[Channel]:
        return [d for d in list(self._map.values()) if isinstance(d, Channel)]

    def _drain(self) -> None:
        """Stop listening, answer the requests in flight, close the rest (stop's timeout)."""
        server = self._server
        server.draining = True
        self._dispatcher.wake_all()
        try:
            wasyncore.dispatcher.close(server)  # no new connection from now on
        except OSError:
            pass
        while True:
            busy = False
            for channel in self._channels():
                if channel.busy():
                    busy = True
                else:  # idle, half a request (never answered, never logged), or answered
                    channel.handle_close()
            if not busy or time.monotonic() >= self._deadline:
                break
            wasyncore.poll2(0.02, self._map)
        grace = time.monotonic() + _GRACE
        for channel in self._channels():
            self._answer_unavailable(channel)
        while any(c.busy() for c in self._channels()) and time.monotonic() < grace:
            wasyncore.poll2(0.02, self._map)  # answers already on their way: let them go

    def _answer_unavailable(self, channel: Channel) -> None:
        """At stop's timeout: answer ``channel``'s request 503 (after whatever the answer
        before it left unsent; then the connection closes) and report it, unless its app
        has begun to answer (then the requests read ahead behind it are turned away,
        :meth:`_turn_away_read_ahead`). Runs in the loop thread."""
        while True:
            with channel.requests_lock:
                if not channel.requests:
                    return
                request = channel.requests[0]
            with channel.stop_lock:
                task = channel.task
                app_saw = task is not None and task.request is request
                if not app_saw or task is None or task.abandon():
                    channel.abandoned = True  # a queued task will not run the app now
                    break
            if self._turn_away_read_ahead(channel, request):
                return
            # that answer ended meanwhile, and the next request is up: look at it
        self._server.report(request, 503, self._unavailable_reason(), app_saw)
        with channel.requests_lock:
            channel.farewell_due = self._unavailable(close=True)
            channel.close_when_flushed = True
        channel.queue_farewell()  # flushed in the grace, then the channel closes

    def _turn_away_read_ahead(self, channel: Channel, answering: Any) -> bool:
        """The requests a client pipelined behind ``answering``, whose app is answering at
        stop's timeout, are not handed to their app: the grace waits only for answers on
        their way, so theirs would be cut off while their app logged it answered. Each is
        reported 503 and answered so after that answer (the channel's ``farewell``; the
        connection then closes). False when ``answering`` has been answered already (its
        channel has gone on to the next request)."""
        with channel.requests_lock:
            if not channel.requests or channel.requests[0] is not answering:
                return False
            rest = channel.requests[1:]
            del channel.requests[1:]
            # one 503 each; the connection closes after the last
            channel.farewell = b"".join(
                self._unavailable(close=n == len(rest)) for n in range(1, len(rest) + 1)
            )
        for request in rest:
            self._server.report(request, 503, self._unavailable_reason())
        return True

    def _unavailable_reason(self) -> str:
        return f"the server stopped before the app answered (it waited {self._waited:g} s)"

    def _unavailable(self, close: bool) -> bytes:
        """The 503 a request gets when the server stops before its app answers (``close``:
        saying the connection closes after it)."""
        body = f"503 {self._unavailable_reason()}\n".encode()
        connection = "Connection: close\r\n" if close else ""
        head = (
            f"HTTP/1.1 {status_line(503)}\r\nContent-Type: {TEXT_CONTENT_TYPE}\r\n"
            f"Content-Length: {len(body)}\r\n{connection}\r\n"
        ).encode()
        return head + body

    def stop(self, timeout: float = 1.0) -> None:
        """Stop listening at once; let the requests in flight finish and be answered, for
        at most ``timeout`` seconds; then answer any still running ``503`` (reported and
        logged as such), close every connection and end the threads. Idempotent."""
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not 0 <= timeout < math.inf
        ):
            raise WebhookError(f"timeout must be a number of seconds (0 or more), not {timeout!r}")
        if self._stopping:
            return
        started = time.monotonic()
        self._waited = timeout
        self._deadline = started + timeout
        self._stopping = True
        self._server.pull_trigger()  # wake the loop now rather than at its next poll
        self._thread.join(timeout + _GRACE + 1.0)
        self._dispatcher.shutdown(timeout=max(0.0, self._deadline + _GRACE - time.monotonic()))
        self._server.stopping = True
        self._server.trigger.close()
        self._map.clear()

    @property
    def running(self) -> bool:
        return not self._stopping

    def threads(self) -> list[threading.Thread]:
        """The threads serving this port (the loop and the workers), for tests and curiosity."""
        prefix = f"smsxml-webhook-{self.port}"
        return [t for t in threading.enumerate() if t.name.startswith(prefix)]

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Server http://{self.host}:{self.port} {state}, {self.limits}>"


# --- Local server ---------------------------------------------------------------------------
