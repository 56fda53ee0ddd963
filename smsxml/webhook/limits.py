"""What the local server holds at most (:class:`ServerLimits`), and what it reports when it
answers a request itself (:class:`Refusal`); :func:`check_port` and :func:`check_host`, the
checks every server smsxml starts applies to where it listens. Plain data: nothing here
imports waitress."""

from __future__ import annotations

from dataclasses import dataclass

from ..exc import WebhookError

__all__ = ["ServerLimits", "Refusal", "check_port", "check_host"]


def check_port(port: object) -> int:
    """``port`` when it is a whole number from 0 (any free port) to 65535; else a
    :class:`~smsxml.exc.WebhookError` naming the range (``True``, ``8000.0`` and ``"8000"``
    are refused too: a port is an ``int``)."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise WebhookError(
            f"port must be a whole number from 0 (any free port) to 65535; got {port!r}"
        )
    return port


def check_host(host: object) -> str:
    """``host`` when it is text an address can be made of (``127.0.0.1``, ``::1``,
    ``localhost``…); else a :class:`~smsxml.exc.WebhookError`."""
    if not isinstance(host, str) or not host.strip() or not host.isascii() or "\x00" in host:
        raise WebhookError(f"host must be the address to listen on, like '127.0.0.1'; got {host!r}")
    return host


def _default_connection_limit() -> int:
    """1,000 connections, or fewer when the process may open fewer files (each connection
    is one descriptor, and the process needs some of its own). Windows and the browser
    have no :mod:`resource` module: 1,000 there."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, AttributeError):  # Pyodide's resource has no getrlimit
        return 1000
    if soft == resource.RLIM_INFINITY:
        return 1000
    return max(16, min(1000, soft - 100))


@dataclass(frozen=True)
class ServerLimits:
    """What one server holds at most. The defaults survive the attacks in the tests
    (1,000 slow connections, bodies trickled at 1 KB/s) on a laptop.

    - ``threads``: worker threads running the app; requests beyond wait in a queue.
    - ``connection_limit``: open connections; beyond it new ones wait in the listen backlog.
    - ``max_header``: bytes of request line plus headers (431 beyond).
    - ``max_body``: bytes of body (413 beyond, before the body is read).
    - ``request_timeout``: seconds a request may take to arrive in full, from its first
      byte (408 beyond). A slowloris client is cut off here.
    - ``idle_timeout``: seconds a connection may stay open with nothing to do.
    """

    threads: int = 4
    connection_limit: int = _default_connection_limit()
    max_header: int = 16384
    max_body: int = 65536
    request_timeout: float = 10.0
    idle_timeout: float = 30.0

    def __post_init__(self) -> None:
        for name in ("threads", "connection_limit", "max_header", "max_body"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise WebhookError(f"{name} must be a whole number of at least 1; got {value!r}")
        for name in ("request_timeout", "idle_timeout"):
            value = getattr(self, name)
            if (
                not isinstance(value, int | float)
                or isinstance(value, bool)
                or not value > 0  # NaN too
                or value == float("inf")
            ):
                raise WebhookError(f"{name} must be a number of seconds above 0; got {value!r}")


@dataclass(frozen=True)
class Refusal:
    """A request the server answered itself: before the app saw it (400, 408, 413, 431,
    501), or because it stopped before the app answered (503). ``url`` is the URL it
    reached, on the server's own address ("" when the target is not a path);
    ``app_saw``: the app had been given the request (and may have recorded it already)."""

    method: str
    target: str
    status: int
    reason: str
    headers: dict[str, str]
    url: str = ""
    app_saw: bool = False
