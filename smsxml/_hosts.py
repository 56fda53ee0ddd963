"""Where a host is, without a DNS lookup: this machine, the local network, or the internet.

Two questions, two answers (a ``10.0.0.1`` is not loopback, yet Plivo cannot reach it):

- :func:`is_loopback`: this machine only (``localhost``, ``*.localhost``, 127.0.0.0/8, ::1).
  A server bound elsewhere can be called by others.
- :func:`is_private`: this machine or a private network (also 10/8, 172.16/12, 192.168/16,
  link-local, ``*.local``, ``*.internal``). Plivo cannot call such a URL; the simulator may.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["is_loopback", "is_private", "url_host"]


def _name(host: str | None) -> str:
    return (host or "").strip().strip("[]").lower().rstrip(".")


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def is_loopback(host: str | None) -> bool:
    """True for a host that is this machine only."""
    name = _name(host)
    if name == "localhost" or name.endswith(".localhost"):
        return True
    ip = _ip(name)
    return ip is not None and ip.is_loopback


def is_private(host: str | None) -> bool:
    """True for this machine or a private network: a host the internet cannot reach."""
    name = _name(host)
    if is_loopback(name) or name.endswith((".local", ".internal")):
        return True
    ip = _ip(name)
    return ip is not None and (ip.is_private or ip.is_link_local or ip.is_unspecified)


def url_host(url: str) -> str:
    """The host of ``url``, lower case, ``""`` when it has none."""
    return (urlsplit(url).hostname or "").lower()
