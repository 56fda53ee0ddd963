"""Where the simulator sends: your app as a URL, a WSGI application or a LocalWebhook
resolved into a :class:`Target`, and which callbackUrls it may call."""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .._hosts import is_loopback, is_private, url_host
from ..exc import SimulatorError
from ..protocol import DEFAULT_PORTS
from ..transport import IN_PROCESS_HOST, WSGIApp, resolve_target

__all__ = [
    "IN_PROCESS_URL",
    "Target",
    "resolve",
    "host_port",
    "requester_ip",
    "on_this_machine",
    "offline_refusal",
]

#: The inbound URL used when the app is a WSGI application called in-process.
IN_PROCESS_URL = f"{IN_PROCESS_HOST}/receive_sms/"


@dataclass(frozen=True)
class Target:
    """Your app: called in-process when ``app`` is a WSGI application, else over HTTP at
    ``url`` (the message_url either way)."""

    app: WSGIApp | None
    url: str

    @property
    def in_process(self) -> bool:
        """True when the app is called in-process, with no socket."""
        return self.app is not None

    def serves(self, url: str) -> bool:
        """True when a request to ``url`` goes into the in-process app: the same host and
        port as the message_url."""
        return self.app is not None and host_port(url) == host_port(self.url)

    @property
    def requester_ip(self) -> str:
        """``requester_ip`` of a delivery report for a reply of this app."""
        return requester_ip(self.url, self.app)


def resolve(given: Any, url: str | None) -> Target:
    """``given`` (a URL, an object with an http(s) ``.url``, a WSGI app) as a Target;
    ``url`` is where an in-process app is said to be called."""
    if isinstance(given, str):
        if url is not None and url != given:
            raise SimulatorError("give the URL once: as the first argument or as url=")
        return Target(None, given)
    app, given_url = resolve_target(given)
    if app is not None:
        return Target(app, url or given_url or IN_PROCESS_URL)
    if given_url is not None:
        return Target(None, url or given_url)  # e.g. a LocalWebhook: talk to it over HTTP
    raise SimulatorError(
        "give your app's message URL (like http://127.0.0.1:5000/receive_sms/) or a WSGI "
        f"application, not {type(given).__name__}"
    )


def host_port(url: str) -> tuple[str, int | None]:
    """The host (lower case) and port of ``url``, the scheme's port when it names none."""
    if len(url) > _CACHED_URL_LENGTH:  # a hostile reply's megabyte URL is not kept
        return _host_port(url)
    return _cached_host_port(url)


#: The longest URL whose host and port are kept (every real one; not a hostile reply's).
_CACHED_URL_LENGTH = 2048


def _host_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        port = None
    return (parts.hostname or "").lower(), port


#: :func:`host_port`, cached: a simulator asks about the same few URLs for every report.
_cached_host_port = functools.lru_cache(maxsize=256)(_host_port)


def requester_ip(message_url: str, app: object) -> str:
    """``requester_ip`` of a report: where the request to send came from — here, your app's
    reply. 127.0.0.1 for an app on this machine (or in-process), the address itself for a
    message_url written with one; ``""`` for a host name (the simulator looks nothing up)."""
    if app is not None:
        return "127.0.0.1"
    host = url_host(message_url)
    if is_loopback(host):
        return "127.0.0.1"
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return ""


def on_this_machine(url: str) -> bool:
    """True for a URL on this machine or the local network (no DNS lookup is made)."""
    return is_private(url_host(url))


def offline_refusal(url: str, allow_remote: bool) -> str | None:
    """Why a request to ``url`` over HTTP is not sent (the simulator stays offline unless
    ``allow_remote``), or None when it may be."""
    if allow_remote or on_this_machine(url):
        return None
    return (
        f"not sent: {host_port(url)[0]} is not on this machine and the "
        "simulator stays offline (Simulator(allow_remote=True) calls it)"
    )
