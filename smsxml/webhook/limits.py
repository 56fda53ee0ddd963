"""What the local server holds at most (:class:`ServerLimits`), and what it reports when it
answers a request itself (:class:`Refusal`). Plain data: nothing here imports waitress."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ServerLimits", "Refusal"]


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
                raise ValueError(f"{name} must be a whole number of at least 1; got {value!r}")
        for name in ("request_timeout", "idle_timeout"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a number of seconds above 0; got {value!r}")


@dataclass(frozen=True)
class Refusal:
    """A request the server answered itself, before the app saw it."""

    method: str
    target: str
    status: int
    reason: str
    headers: dict[str, str]
