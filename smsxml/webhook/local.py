"""Serve a :class:`~smsxml.webhook.app.WebhookApp` on 127.0.0.1 from a background thread, for
notebooks and tests: :class:`LocalWebhook`. Re-running a cell on the same port is safe, and
every LocalWebhook stops at interpreter exit. The server itself is :mod:`.server`
(waitress), imported only when the first one starts, so ``import smsxml`` stays light."""

from __future__ import annotations

import atexit
import errno
import threading
from dataclasses import replace
from typing import Any

from ..tokens import mask
from .app import Handler, WebhookApp
from .limits import ServerLimits
from .log import RequestLog

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
        from .server import Server  # waitress, imported when the first server starts

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
