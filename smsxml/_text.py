"""Small text helpers shared by the views (reprs, tables, timelines, the CLI)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_USERINFO = re.compile(r"(?<=://)([^/@:]*):[^/@]*@")

__all__ = ["display_url", "plural", "shorten", "url_path"]


def plural(n: int, word: str) -> str:
    """``1 unit``, ``2 units``: one wording for every count shown."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def shorten(text: object, limit: int = 32) -> str:
    """``text`` on one line, cut with "…" to at most ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def url_path(url: str) -> str:
    """The path and query of ``url`` (``/receive_sms/?a=1``), ``/`` when it has none."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def display_url(url: str) -> str:
    """``url`` with any password in it masked (``http://user:••••@host/``), for messages
    and reprs — a URL that does not parse (``http://u:pw@[::1``) too."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return _USERINFO.sub(lambda m: f"{m.group(1)}:••••@", url)
    netloc = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{parts.username}:••••@{netloc}").geturl()
