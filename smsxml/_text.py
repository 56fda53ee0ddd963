"""Small text helpers shared by the views (reprs, tables, timelines, the CLI)."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["plural", "shorten", "url_path"]


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
