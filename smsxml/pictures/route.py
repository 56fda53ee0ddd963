"""Plivo → tunnel or TLS proxy → your app, and which URL each one sees: :func:`proxy_path`."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from .._demo import DEMO_LOCAL_PORT, DEMO_URL
from ..diagram import SVG, clean_text
from ..signature import base_url
from ._drawing import (
    _BAD,
    _CELL,
    _GOOD,
    _GREY,
    _INK,
    _M,
    _PALE,
    _PANEL,
    _W,
    _arrow,
    _badge,
    _code,
    _fit,
    _fit_pieces,
    _label,
    _picture,
    _rect,
    _title,
    _width,
    _wrap,
)

__all__ = ["proxy_path"]

_HOP_W = 132
_PANEL_X = _M + _HOP_W + 44
_PANEL_W = _W - _M - _PANEL_X
_LINE_H = 22

_Pieces = Sequence[tuple[str, str]]
_Line = tuple[str, "str | _Pieces", "tuple[str, tuple[str, str]] | None"]


def _url_pieces(url: tuple[str, str, str], signed: tuple[str, str, str]) -> list[tuple[str, str]]:
    """A URL given as (scheme, host, path), in pieces, each red where it differs from
    ``signed``."""
    scheme, host, path = (
        (mine, _BAD[1] if mine != theirs else "#000000")
        for mine, theirs in zip(url, signed, strict=True)
    )
    return [scheme, ("://", "#000000"), host, path]


def _hop(
    body: list[str], y: float, name: str, lines: Sequence[_Line], note: str, key_w: float
) -> float:
    """A hop (its name in a box) and, beside it, a panel of what it sees: ``(key, value,
    badge)`` lines (values start ``key_w`` after the keys) and a grey note. Its height."""
    notes = _wrap(note, _PANEL_W - 20, 11) if note else []
    height = 10 + _LINE_H * len(lines) + 15 * len(notes) + (4 if notes else 0)
    body.append(_rect(_M, y, _HOP_W, height, _PALE, _INK))
    names = _wrap(name, _HOP_W - 16, bold=True)
    if len(names) > 3:  # a name too long for the box: its first lines, cut
        names = [*names[:2], _fit(names[2] + "…", _HOP_W - 16, bold=True)]
    top = y + height / 2 - 15 * len(names) / 2 + 11
    for i, line in enumerate(names):
        body.append(_label(_M + _HOP_W / 2, top + 15 * i, line, anchor="middle", bold=True))
    body.append(_rect(_PANEL_X, y, _PANEL_W, height, *_PANEL))
    for i, (key, value, badge) in enumerate(lines):
        base = y + 10 + _LINE_H * i
        body.append(_label(_PANEL_X + 10, base + 13, key, colour=_GREY))
        right: float = _PANEL_X + _PANEL_W - 8
        if badge is not None:
            drawn, right = _badge(right, base - 1, *badge)
            body += drawn
        value_x = _PANEL_X + 10 + key_w + 14
        room = int((right - 8 - value_x) / (12 * _CELL))
        pieces = [(value, "#000000")] if isinstance(value, str) else value
        body.append(_code(value_x, base + 13, _fit_pieces(pieces, room))[0])
    for i, line in enumerate(notes):
        body.append(_label(_PANEL_X + 10, y + 10 + _LINE_H * len(lines) + 12 + 15 * i, line, 11))
    return height


def proxy_path(
    public_url: str = DEMO_URL,
    local_url: str = f"http://127.0.0.1:{DEMO_LOCAL_PORT}/receive_sms/",
    *,
    via: str = "tunnel",
    host_header: str | None = None,
    title: str | None = None,
) -> SVG:
    """Plivo → ``via`` (a tunnel or a TLS proxy) → your app, and what each one sees.

    ``public_url`` is the URL Plivo calls (the message_url configured at Plivo) and signs;
    ``local_url`` where the tunnel or proxy forwards the request. ``host_header``: the
    ``Host`` header it sends on (None: the local host, as when it rewrites it). The marks
    say which URL your app can rebuild is the one the signature was made over.
    """
    signed, local = base_url(public_url), base_url(local_url)
    via = clean_text(via) or "tunnel"
    public, inside = urlsplit(signed), urlsplit(local)
    host = inside.netloc if host_header is None else clean_text(host_header)
    signed_parts = (public.scheme, public.netloc, public.path)
    seen = (inside.scheme, host, inside.path)  # what the app rebuilds from its own request
    forwarded = (public.scheme, public.netloc, inside.path)  # … and from X-Forwarded-*

    def mark(url: tuple[str, str, str]) -> tuple[str, tuple[str, str]]:
        if url == signed_parts:
            return ("✓ the signed URL", _GOOD)
        return ("✗ not the signed URL", _BAD)

    body: list[str] = []
    y = _title(title or f"Plivo → {via} → your app: which URL is signed?", body) + 6
    arrow_x = _M + _HOP_W / 2

    hops: list[tuple[str, list[_Line], str, str]] = [
        (
            "Plivo",
            [
                ("calls", clean_text(public_url), None),
                ("signs", f"{signed} + nonce", ("✓ signed over this URL", _GOOD)),
            ],
            "",
            "",
        ),
        (
            f"{via[:1].upper()}{via[1:]}",
            [
                ("receives", signed, (f"{public.scheme.upper()} ends here", (_PALE, _INK))),
                (
                    "forwards to",
                    _url_pieces((inside.scheme, inside.netloc, inside.path), signed_parts),
                    None,
                ),
                ("sets", f"Host: {host}", None),
                ("", f"X-Forwarded-Proto: {public.scheme}", None),
                ("", f"X-Forwarded-Host: {public.netloc}", None),
            ],
            "",
            f"{public.scheme.upper()} POST",
        ),
        (
            "Your app",
            [
                ("its own URL", _url_pieces(seen, signed_parts), mark(seen)),
                ("with X-Forwarded-*", _url_pieces(forwarded, signed_parts), mark(forwarded)),
            ],
            "Check signatures against the URL Plivo called: WebhookApp(trust_proxy=True) "
            "rebuilds it from X-Forwarded-Proto and -Host (trust them only from a proxy or "
            "tunnel you run); "
            f"WebhookApp(public_url={signed!r}) is told it.",
            f"{inside.scheme.upper()} POST",
        ),
    ]
    key_w = max(_width(key, 12) for _, lines, _, _ in hops for key, _, _ in lines)
    for name, lines, note, protocol in hops:
        if protocol:  # how the request arrives from the hop above
            body += _arrow(arrow_x, y, y + 40)
            body.append(_label(arrow_x + 8, y + 24, protocol, 11, colour=_INK))
            y += 40
        y += _hop(body, y, name, lines, note, key_w)
    return _picture(y + _M, body, f"Plivo, {via}, your app: which URL is signed")
