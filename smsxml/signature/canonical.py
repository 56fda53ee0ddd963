"""One canonical form of a URL: what smsxml signs, and what its checkers compare.

The same address can be written many ways: ``HTTP://Example.COM:80/r%c3%a9/`` and
``http://example.com/ré/`` are one URL, but an HMAC over one string never matches an HMAC
over the other. smsxml's signers (the simulator, ``send``, ``check``, replay, the widgets)
sign the canonical form, and its checkers (WebhookApp, LocalWebhook, Flask, the proxy)
compute the canonical form of the URL a request arrived at — so they agree on every genuine
request, however the URL was typed. A checker also tries the URL exactly as it arrived, so a
signature made over another spelling of it (Plivo signs the message_url as configured) still
validates.

The rules (RFC 3986 §6.2.2, syntax-based normalisation):

==========================  ===========================================================
scheme, host                lower case (``HTTP://LOCALHOST`` → ``http://localhost``)
port                        dropped when it is the scheme's default (``:80``, ``:443``)
percent-encoding            hex digits upper case (``%c3%a9`` → ``%C3%A9``); an
                            unreserved character decoded (``%7e`` → ``~``, ``%5F`` → ``_``)
other characters            a character the path or query may not hold as it is (space,
                            ``{``, ``é``…) is percent-encoded as UTF-8 (``%20``, ``%7B``,
                            ``%C3%A9``); ``%2F`` stays ``%2F`` (it is not a ``/``)
user info, path, query      kept otherwise as they are; the fragment is dropped (it is
                            never sent)
==========================  ===========================================================
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

from .._demo import DEMO_URL
from ..exc import SignatureError
from ..protocol import DEFAULT_PORTS

__all__ = ["canonical_path", "canonical_url", "checked_host", "public_origin", "url_forms"]

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
#: What a path may hold as it is besides unreserved characters (RFC 3986: sub-delims, ":@/").
_PATH_SAFE = frozenset(b"!$&'()*+,;=:@/")
_QUERY_SAFE = _PATH_SAFE | frozenset(b"?")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


def _normalised(text: str, safe: frozenset[int]) -> str:
    """``text`` (a path or a query) with its percent-encoding in the one form."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "%" and _PERCENT.match(text, i):
            byte = int(text[i + 1 : i + 3], 16)
            out.append(chr(byte) if byte in _UNRESERVED else f"%{byte:02X}")
            i += 3
            continue
        for byte in char.encode("utf-8", "surrogatepass"):
            if byte in _UNRESERVED or byte in safe:
                out.append(chr(byte))
            else:
                out.append(f"%{byte:02X}")
        i += 1
    return "".join(out)


def canonical_path(path: str) -> str:
    """A URL path in its canonical form (``/ré/`` and ``/r%c3%a9/`` → ``/r%C3%A9/``;
    ``/a/./b/../c`` → ``/a/c``, as HTTP clients send it): how a webhook matches a request's
    path to its own, whichever way either was written."""
    return _without_dot_segments(_normalised(path, _PATH_SAFE))


def _without_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 for an absolute path: "." and ".." segments resolved."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    result = "/".join(out)
    return result if result.startswith("/") or not path.startswith("/") else "/" + result


def _netloc(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if ":" in host:  # IPv6: brackets back around it
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    return f"{userinfo}@{host}" if "@" in parts.netloc else host


@functools.lru_cache(maxsize=512)
def canonical_url(url: str) -> str:
    """The canonical form of the absolute http(s) ``url`` (rules in the module docstring).
    :class:`~smsxml.exc.SignatureError` for anything that is not one."""
    if not isinstance(url, str):
        raise SignatureError(f"the URL must be a string, not {type(url).__name__}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:  # an unclosed IPv6 bracket, a port out of range
        raise SignatureError(f"{url!r} is not a usable URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise SignatureError(
            f"{url!r} is not an absolute http(s) URL; give the full URL Plivo calls, "
            f"like {DEMO_URL}"
        )
    path = canonical_path(parts.path)
    query = _normalised(parts.query, _QUERY_SAFE)
    return f"{scheme}://{_netloc(parts)}{path}" + (f"?{query}" if query else "")


def url_forms(url: str) -> tuple[str, ...]:
    """The forms a checker tries, canonical first: the canonical URL and, when it differs,
    ``url`` as it arrived (without its fragment)."""
    canonical = canonical_url(url)
    given = url.split("#", 1)[0]
    return (canonical,) if given == canonical else (canonical, given)


#: What a Host (or X-Forwarded-Host) value may be: a DNS name or IPv4 address, or an IPv6
#: address in brackets, then an optional port. Nothing that could carry a path, a query, a
#: fragment, user info or a second host can pass.
_HOST = re.compile(r"(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?", re.ASCII)


def checked_host(value: str, header: str) -> str:
    """``value`` when it is a plain ``host[:port]`` (a Host header, a public URL's host);
    ``ValueError`` naming ``header`` otherwise."""
    if not _HOST.fullmatch(value):
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise ValueError(f"{header} header {shown!r} is not a host[:port]")
    return value


def public_origin(public_url: str, paths: Iterable[str | None] = ()) -> str:
    """``scheme://host[:port][/prefix]`` of the URL Plivo calls (its message_url), to which
    :func:`request_url` adds the request's own path. A trailing app path (one of ``paths``,
    e.g. ``/receive_sms/``) is dropped, so the message_url itself may be given.
    ``ValueError`` when it is not an absolute http(s) URL without query or fragment."""
    if not isinstance(public_url, str):
        raise TypeError(f"public_url must be a URL (text); got {type(public_url).__name__}")
    parts = urlsplit(public_url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
        or "#" in public_url
    ):
        raise ValueError(
            "public_url must be the absolute http(s) URL Plivo calls, without query or "
            f"fragment, like 'https://abc.ngrok.app/receive_sms/'; got {public_url!r}"
        )
    checked_host(parts.netloc, "public_url's host")
    prefix = parts.path
    for path in paths:
        if path and prefix.endswith(path):
            prefix = prefix[: -len(path)]
            break
    return f"{parts.scheme}://{parts.netloc}{prefix.rstrip('/')}"
