"""Serve a :class:`~smsxml.webhook.app.WebhookApp` on 127.0.0.1 from a background thread, for
notebooks and tests: :class:`LocalWebhook`. Re-running a cell on the same port is safe, and
every LocalWebhook stops at interpreter exit. The server itself is :mod:`.server`
(waitress), imported only when the first one starts, so ``import smsxml`` stays light.

Where nothing can listen (Python in the browser), a LocalWebhook answers in-process at the
same kind of URL instead: smsxml's own senders reach it (see :func:`smsxml.transport.mount`)."""

from __future__ import annotations

import atexit
import errno
import sys
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

from .._runtime import in_browser
from .._text import plural
from ..exc import WebhookError
from ..signature.canonical import canonical_url
from ..transport import mount, unmount
from .app import WebhookApp
from .limits import ServerLimits, check_host, check_port
from .log import RequestLog
from .reply import Handler

__all__ = ["LocalWebhook"]


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

    ``in_process=True`` starts no server: the app answers at :attr:`url` in-process, for
    smsxml's senders (the simulator, replay, check, the widgets) but not for other HTTP
    clients. It is the default where no socket can listen (the browser), said in one line.
    """

    def __init__(
        self,
        handler_or_app: Handler | WebhookApp,
        auth_token: str | Sequence[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        limits: ServerLimits | None = None,
        request_timeout: float | None = None,
        in_process: bool | None = None,
        **app_options: Any,
    ):
        check_host(host)
        check_port(port)
        if limits is not None and not isinstance(limits, ServerLimits):
            raise WebhookError(f"limits must be a ServerLimits, not {type(limits).__name__}")
        if isinstance(handler_or_app, WebhookApp):
            if auth_token is not None or app_options:
                raise WebhookError(
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
        self.in_process: bool = in_browser() if in_process is None else bool(in_process)
        self._stop_lock = threading.Lock()
        with _running_lock:
            previous = _running.get(port) if port else None
            if previous is not None:
                previous.stop()
            try:
                self._server = self._start(port)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise OSError(
                        exc.errno,
                        f"port {port} on {host} is in use by another program; choose another "
                        "port, or port=0 for any free one",
                    ) from None
                raise
            self.port: int = self._server.port
            if isinstance(self._server, _InProcess):
                self._server.mount(self.url)  # may raise: then nothing is registered
            _running[self.port] = self
        if self.in_process and in_process is None:
            _say_once_in_browser(self.url)

    def _start(self, port: int) -> _Server:
        if self.in_process:
            return _InProcess(self.app, port or _unused_port())
        from .server import Server  # waitress, imported when the first server starts

        return Server(self.app, self.host, port, self.limits, on_refused=self.app.log_refusal)

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
        # the canonical form: what smsxml's signers sign and its app checks (a path such as
        # "/ré/" or "/my hook/" is handed out percent-encoded, as it travels)
        return canonical_url(f"http://{host}:{self.port}{path}")

    @property
    def log(self) -> RequestLog:
        return self.app.log

    @property
    def running(self) -> bool:
        return self._server.running

    def stop(self, timeout: float = 1.0) -> None:
        """Stop serving and release the port, sockets and threads. Safe to call more than
        once. Requests in flight are answered first (for at most ``timeout`` seconds); one
        whose handler is still busy then is answered 503 and logged so. Returns soon after
        ``timeout`` even when a handler is still busy."""
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
        where = self.url
        if self.in_process:  # no server: an address without a scheme, not a link to open
            state += " in-process"
            where = self.url.split("://", 1)[1]
        return (
            f"<LocalWebhook {where} {state}, {plural(len(self.log), 'request')} logged, "
            f"token {self.app.masked_token}>"
        )


class _Server(Protocol):
    port: int

    @property
    def running(self) -> bool: ...

    def stop(self, timeout: float) -> None: ...


class _InProcess:
    """Stands in for the server where none can listen: the app is mounted at the hook's
    URL (:func:`smsxml.transport.mount`) from :meth:`mount` until :meth:`stop`."""

    def __init__(self, app: WebhookApp, port: int):
        self.app = app
        self.port = port
        self._url: str | None = None

    def mount(self, url: str) -> None:
        mount(url, self.app)
        self._url = url

    @property
    def running(self) -> bool:
        return self._url is not None

    def stop(self, timeout: float) -> None:
        if self._url is not None:
            unmount(self._url, self.app)
            self._url = None


def _unused_port() -> int:
    """A port number no in-process LocalWebhook of this process holds (from 8000 up): the
    URL then looks like any local server's, and notebooks read the same either way."""
    port = 8000
    while port in _running:
        port += 1
    return port


_said_in_browser = False


def _say_once_in_browser(url: str) -> None:
    global _said_in_browser
    if not _said_in_browser:
        _said_in_browser = True
        where = url.split("://", 1)[1]  # no scheme: a browser would make it a link to nowhere
        print(
            f"smsxml: Python in the browser cannot listen on a port, so LocalWebhook answers "
            f"in-process at {where} — not a page to open; smsxml's simulator, replay, check "
            f"and widgets reach it there.",
            file=sys.stderr,
        )


@atexit.register
def _stop_all(timeout: float = 1.0) -> None:
    with _running_lock:
        hooks = list(_running.values())
    for hook in hooks:
        hook.stop(timeout=timeout)
