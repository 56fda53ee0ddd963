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
- :meth:`Server.stop`: closes every connection from the server's own thread, so it
  returns within a second and leaves no thread, socket or file descriptor behind.

Everything waitress-specific lives here; nothing else in smsxml imports waitress.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher
from waitress.utilities import Error

from .limits import Refusal, ServerLimits

__all__ = ["Server"]

# waitress warns (e.g. "Task queue depth is 2") through its own loggers; without a handler
# of their own those lines would reach stderr through logging's last resort. They still
# propagate to any handler the user configures.
logging.getLogger("waitress").addHandler(logging.NullHandler())


class _RequestTimeout(Error):
    code = 408
    reason = "Request Timeout"


class _Parser(HTTPRequestParser):
    """waitress's parser, knowing when its request's first byte arrived."""

    def __init__(self, adj: Adjustments):
        super().__init__(adj)
        self.started = time.monotonic()


def _first_line(header: bytes) -> tuple[str, str]:
    """The method and target of a request line that may not have arrived in full."""
    line = header.lstrip().split(b"\r\n", 1)[0].decode("latin-1")
    method, _, rest = line.partition(" ")
    target = rest.rpartition(" HTTP/")[0] if " HTTP/" in rest else rest
    return (method[:16] or "?"), (target[:200] or "?")


class _ErrorTask(ErrorTask):
    """Answers a request waitress refused in smsxml's plain words, and reports it."""

    def execute(self) -> None:
        server: _TcpServer = self.channel.server
        error = self.request.error
        reason = server.explain(error)
        body = f"{error.code} {reason}\n".encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "text/plain; charset=utf-8"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)
        server.report(self.request, error.code, reason)


class _Channel(HTTPChannel):
    parser_class = _Parser
    error_task_class = _ErrorTask


class _TcpServer(TcpWSGIServer):
    """waitress's TCP server, adding the whole-request deadline and the refusal report."""

    channel_class = _Channel

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
        super().__init__(app, **kwargs)

    def pull_trigger(self) -> None:
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
                    method, target = _first_line(request.header_plus)
                    request.parse_header(b"GET / HTTP/1.1\r\n")
                    request.command, request.request_uri = method, target
                request.error = _RequestTimeout("")
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

    def report(self, request: HTTPRequestParser, status: int, reason: str) -> None:
        if self.on_refused is None:
            return
        target = request.request_uri if getattr(request, "request_uri", None) else "?"
        headers = {k.replace("_", "-").title(): v for k, v in request.headers.items()}
        try:
            self.on_refused(Refusal(request.command or "?", target, status, reason, headers))
        except Exception:  # reporting is a courtesy: the answer has gone out already
            logging.getLogger(__name__).exception("on_refused failed")


class _Dispatcher(ThreadedTaskDispatcher):
    """waitress's thread pool, with threads named after the port they serve."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name

    def start_new_thread(self, target: Callable[[int], None], thread_no: int) -> None:
        thread = threading.Thread(
            target=target, name=f"{self.name}-worker-{thread_no}", args=(thread_no,), daemon=True
        )
        thread.start()


class Server:
    """``app`` served on ``host:port`` (port 0: any free one) until :meth:`stop`.

    ``on_refused(refusal)`` is called (in a worker thread) for each request the server
    answers itself. Raises ``OSError`` when the address cannot be bound.
    """

    def __init__(
        self,
        app: Callable[..., Any],
        host: str = "127.0.0.1",
        port: int = 0,
        limits: ServerLimits | None = None,
        on_refused: Callable[[Refusal], None] | None = None,
    ):
        self.limits = limits or ServerLimits()
        adj = Adjustments(
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
        )
        self._map: dict[int, Any] = {}
        self._dispatcher = _Dispatcher("smsxml-webhook")
        self._stopping = False
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

    def _loop(self) -> None:
        trigger = self._server.trigger
        tick = min(1.0, self.limits.request_timeout / 4)
        next_check = 0.0
        try:
            while not self._stopping:
                wasyncore.poll2(tick, self._map)
                now = time.monotonic()
                if now >= next_check:
                    next_check = now + tick
                    self._server.enforce_deadline()
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

    def stop(self, timeout: float = 1.0) -> None:
        """Close every connection and the listening socket, end the threads. Idempotent."""
        if self._stopping:
            return
        self._stopping = True
        deadline = time.monotonic() + timeout
        self._server.pull_trigger()  # wake the loop now rather than at its next poll
        self._thread.join(max(0.0, deadline - time.monotonic()))
        self._dispatcher.shutdown(timeout=max(0.0, deadline - time.monotonic()))
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
