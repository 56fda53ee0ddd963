"""Pictures for what a learner would rather look at than read.

- :func:`signing_steps_v2`: how X-Plivo-Signature-V2 is made from a URL and a nonce, with
  the real strings, and where a TLS proxy or a tunnel changes the URL.
- :func:`proxy_path`: Plivo → tunnel (or TLS proxy) → your app: what each hop sees, and
  which URL the signature was made over.
- :func:`segment_bar`: how a text is cut into SMS units, and why 161 GSM-7 characters
  cost two units of 153.

Each returns an :class:`~smsxml.diagram.SVG`, drawn with the primitives of
:mod:`smsxml.diagram`: plain SVG (no script, stylesheet or external resource, so it shows
in an untrusted notebook too), the same input giving the same bytes, every text escaped.
Text is measured with Helvetica's widths (the font asked for first; Arial and Liberation
Sans share them) so that it stays inside its box; values are set in a monospace font and
long ones are shortened in the middle with "…". An auth token is never drawn.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from ._text import plural
from .diagram import _COLOURS, _FILLS, SVG, _clean, _open, _text
from .exc import InputError
from .protocol import NONCE_HEADER, SIGNATURE_HEADER
from .signature import SignatureExplanation, base_url, explain_v2
from .tokens import MASK, mask, resolve_token
from .units import _LIMITS, GSM7, Segments, _cost, segments

__all__ = ["signing_steps_v2", "proxy_path", "segment_bar"]

# --- measuring and drawing text --------------------------------------------------------------

_W = 780  # every picture's width: a notebook's output area is about 800 px wide
_M = 16  # margin
_MONO = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace"
_CELL = 0.6  # advance of one monospace cell, in em (DejaVu Sans Mono, Menlo, Courier)
_INK = _COLOURS["arrow"]
_GREY = "#57606a"
_PALE = "#eef3f8"  # the fill of a sequence diagram's head boxes
_PANEL = ("#f6f8fa", "#d0d7de")
_WARN = (_FILLS["warning"], _COLOURS["warning"])
_BAD = (_FILLS["error"], _COLOURS["error"])
_GOOD = ("#dafbe1", "#1a7f37")
_NONCE = "#8250df"
_DROPPED = "#8c959f"
_TEXT_FILL = "#c9dcef"

# Advance widths of ' ' … '~' in 1/1000 em, from Adobe's Helvetica metrics.
_HELVETICA = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip
_HELVETICA_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
)  # fmt: skip


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _width(text: str, size: float, bold: bool = False) -> float:
    """How wide ``text`` is in Helvetica at ``size`` px. Characters outside ASCII are given
    generous widths, so that the estimate errs on the wide side."""
    table = _HELVETICA_BOLD if bold else _HELVETICA
    total = 0
    for char in text:
        code = ord(char)
        if 32 <= code <= 126:
            total += table[code - 32]
        elif char == "•":
            total += 350
        elif unicodedata.combining(char):
            continue
        elif code < 0x250:  # Latin letters with accents
            total += 778
        elif code > 0xFFFF or _wide(char):  # emoji, CJK
            total += 1250
        else:
            total += 1000
    return total * size / 1000


def _cells(text: str) -> int:
    """How many monospace cells ``text`` takes (wide characters take two)."""
    return sum(0 if unicodedata.combining(c) else 2 if _wide(c) else 1 for c in text)


def _middle(text: str, cells: int) -> str:
    """``text`` in at most ``cells`` monospace cells, shortened with "…" in the middle."""
    if _cells(text) <= cells:
        return text
    room = max(cells - 1, 0)
    head: list[str] = []
    tail: list[str] = []
    used = 0
    for char in text:
        used += _cells(char)
        if used > (room + 1) // 2:
            used -= _cells(char)
            break
        head.append(char)
    for char in reversed(text[len(head) :]):
        used += _cells(char)
        if used > room:
            break
        tail.append(char)
    return "".join(head) + "…" + "".join(reversed(tail))


def _fit(text: str, width: float, size: float = 12, bold: bool = False) -> str:
    """``text`` on one line, cut with "…" at the end to fit ``width`` px."""
    text = _clean(text)
    if _width(text, size, bold) <= width:
        return text
    while text and _width(text + "…", size, bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(text: str, width: float, size: float = 12, bold: bool = False) -> list[str]:
    """``text`` broken into lines of at most ``width`` px (a longer word is cut)."""
    lines: list[str] = []
    line = ""
    for word in _clean(text).split(" "):
        trial = f"{line} {word}" if line else word
        if _width(trial, size, bold) <= width:
            line = trial
            continue
        if line:
            lines.append(line)
        while len(word) > 1 and _width(word, size, bold) > width:
            cut = len(word) - 1
            while cut > 1 and _width(word[:cut], size, bold) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    return [*lines, line] if line or not lines else lines


def _label(
    x: float,
    y: float,
    text: str,
    size: float = 12,
    *,
    anchor: str = "start",
    colour: str = "#000",
    bold: bool = False,
) -> str:
    return _text(
        x,
        y,
        text,
        anchor=anchor,
        colour=colour,
        weight="bold" if bold else "normal",
        size=None if size == 12 else size,
    )


def _code(
    x: float, y: float, pieces: Sequence[tuple[str, str]], size: float = 12
) -> tuple[str, list[tuple[float, float]]]:
    """Monospace text made of coloured ``(text, colour)`` pieces, starting at ``x``; and
    where each piece is, ``(left, right)``. ``textLength`` holds the text to the width
    worked out here, whichever monospace font draws it."""
    cell = size * _CELL
    spans: list[str] = []
    where: list[tuple[float, float]] = []
    left = x
    for text, colour in pieces:
        right = left + _cells(text) * cell
        where.append((left, right))
        spans.append(f"<tspan fill='{colour}'>{escape(text)}</tspan>")
        left = right
    length = f" textLength='{left - x:g}'" if left > x else ""
    return (
        f"<text x='{x:g}' y='{y:g}' font-family='{_MONO}' font-size='{size:g}'{length}>"
        + "".join(spans)
        + "</text>",
        where,
    )


def _fit_pieces(pieces: Sequence[tuple[str, str]], cells: int) -> list[tuple[str, str]]:
    """``pieces`` in at most ``cells`` cells: the longest are shortened to a common length,
    so that every piece keeps some of its text (none below 7 cells)."""
    fitted = [(_clean(text), colour) for text, colour in pieces]
    sizes = [_cells(text) for text, _ in fitted]
    if sum(sizes) <= cells:
        return fitted
    level = max(sizes)
    low = 7
    while low < level:  # the largest level at which the pieces fit
        mid = (low + level + 1) // 2
        if sum(min(size, mid) for size in sizes) <= cells:
            low = mid
        else:
            level = mid - 1
    return [
        (_middle(text, level) if size > level else text, colour)
        for (text, colour), size in zip(fitted, sizes, strict=True)
    ]


def _rect(
    x: float,
    y: float,
    w: float,
    h: float,
    fill: str,
    stroke: str = "none",
    *,
    rx: float = 4,
    dash: bool = False,
) -> str:
    dashes = " stroke-dasharray='4 3'" if dash else ""
    return (
        f"<rect x='{x:g}' y='{y:g}' width='{w:g}' height='{h:g}' rx='{rx:g}' fill='{fill}' "
        f"stroke='{stroke}'{dashes}/>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, *, dash: bool = False) -> str:
    dashes = " stroke-dasharray='3 3'" if dash else ""
    return (
        f"<line x1='{x1:g}' y1='{y1:g}' x2='{x2:g}' y2='{y2:g}' stroke='{colour}' "
        f"stroke-width='1.4'{dashes}/>"
    )


def _arrow(x: float, y1: float, y2: float, colour: str = _INK) -> list[str]:
    """A vertical arrow from (x, y1) down to its tip at (x, y2)."""
    return [
        _line(x, y1, x, y2 - 8, colour),
        f"<polygon points='{x:g},{y2:g} {x - 4.5:g},{y2 - 9:g} {x + 4.5:g},{y2 - 9:g}' "
        f"fill='{colour}'/>",
    ]


def _badge(right: float, y: float, text: str, colours: tuple[str, str]) -> tuple[list[str], float]:
    """A small coloured label whose right edge is at ``right`` and whose box starts at
    ``y``; and its left edge."""
    w = _width(text, 11, bold=True) + 14
    left = right - w
    return [
        _rect(left, y, w, 20, colours[0], colours[1], rx=10),
        _label(left + w / 2, y + 14, text, 11, anchor="middle", colour=colours[1], bold=True),
    ], left


def _bracket(left: float, right: float, y: float, colour: str) -> str:
    """A thin ⊔-shaped bracket under the span from ``left`` to ``right``."""
    return (
        f"<path d='M {left + 1:g} {y - 4:g} v 4 H {right - 1:g} v -4' fill='none' "
        f"stroke='{colour}'/>"
    )


def _picture(height: float, body: list[str], alt: str) -> SVG:
    return SVG("\n".join([*_open(_W, math.ceil(height)), *body, "</svg>"]) + "\n", alt=alt)


def _title(text: str | None, body: list[str]) -> float:
    """Draw the title (if any); the y where the picture goes on."""
    if not text:
        return _M
    body.append(_label(_M, 24, _fit(text, _W - 2 * _M, 14, True), 14, colour=_INK, bold=True))
    return 44


# --- how X-Plivo-Signature-V2 is made --------------------------------------------------------

_STEP_W = 176  # the column of step names
_VALUE_X = _M + _STEP_W + 10
_VALUE_W = _W - _M - _VALUE_X
_BOX_H = 26


def _step(body: list[str], y: float, number: int, name: str, note: str = "") -> float:
    """A numbered step name (and a grey note under it) in the left column; its height."""
    body.append(f"<circle cx='{_M + 9:g}' cy='{y + 13:g}' r='9' fill='{_INK}'/>")
    body.append(
        _label(_M + 9, y + 17, str(number), 11, anchor="middle", colour="#ffffff", bold=True)
    )
    lines = _wrap(name, _STEP_W - 26, bold=True)
    notes = _wrap(note, _STEP_W - 26, 11) if note else []
    for i, line in enumerate(lines):
        body.append(_label(_M + 24, y + 17 + 15 * i, line, colour=_INK, bold=True))
    for i, line in enumerate(notes):
        body.append(_label(_M + 24, y + 17 + 15 * len(lines) + 14 * i, line, 11, colour=_GREY))
    return 4 + 15 * len(lines) + 14 * len(notes)


def _value_box(
    body: list[str], y: float, pieces: Sequence[tuple[str, str]], width: float = _VALUE_W
) -> tuple[list[tuple[str, str]], list[tuple[float, float]], float]:
    """A box in the value column holding ``pieces`` (shortened to fit ``width``); the
    pieces shown, where each one is, and the box's width."""
    fitted = _fit_pieces(pieces, int((width - 20) / (12 * _CELL)))
    inner = sum(_cells(t) for t, _ in fitted) * 12 * _CELL
    box_w = min(width, max(inner + 20, 80))
    body.append(_rect(_VALUE_X, y, box_w, _BOX_H, _PALE, _INK))
    text, where = _code(_VALUE_X + 10, y + 17, fitted)
    body.append(text)
    return fitted, where, box_w


def _brackets(
    body: list[str], y: float, spans: Sequence[tuple[tuple[float, float], str, str]]
) -> None:
    """Label spans of a value: a bracket under each and its name centred below (a name
    that would not fit beside the previous one is left out)."""
    last = -math.inf
    for (left, right), name, colour in spans:
        if not name or right - left < 4:
            continue
        body.append(_bracket(left, right, y + 6, colour))
        width = _width(name, 11)
        centre = min(max((left + right) / 2, _VALUE_X + width / 2), _W - _M - width / 2)
        if centre - width / 2 >= last + 6:
            body.append(_label(centre, y + 20, name, 11, anchor="middle", colour=colour))
            last = centre + width / 2


def signing_steps_v2(
    url: str | SignatureExplanation,
    nonce: str | None = None,
    auth_token: str | None = None,
    *,
    received: str | None = None,
    title: str | None = f"How {SIGNATURE_HEADER} is made",
) -> SVG:
    """The steps of an X-Plivo-Signature-V2, drawn with the real strings.

    Give the URL Plivo called and the nonce (``auth_token`` None: ``$PLIVO_AUTH_TOKEN`` or
    the demo token), or an explanation from :func:`~smsxml.explain_v2`. With ``received``,
    the X-Plivo-Signature-V2 header of a request, the last step shows whether it matches.
    The token is drawn masked, never in clear.
    """
    if isinstance(url, SignatureExplanation):
        if nonce is not None:
            raise InputError("an explanation holds its nonce: give the explanation alone")
        ex = url
        if auth_token is not None and explain_v2(ex.url, ex.nonce, auth_token) != ex:
            raise InputError("this explanation was not made with that auth token")
        key = mask(auth_token) if auth_token is not None else MASK
    else:
        if nonce is None:
            raise InputError(
                f"give the nonce too (the {NONCE_HEADER} header), or an explanation "
                "from explain_v2()"
            )
        token = resolve_token(auth_token)
        ex = explain_v2(url, nonce, token)
        key = mask(token)

    body: list[str] = []
    y = _title(title, body) + 6

    # 1. The URL, in pieces: the part that is signed, and the part that is dropped.
    parts = urlsplit(ex.base_url)
    named = [(parts.scheme, "scheme"), ("://", ""), (parts.netloc, "host"), (parts.path, "path")]
    if "".join(text for text, _ in named) != ex.base_url:  # not split cleanly: one piece
        named = [(ex.base_url, "signed part")]
    named = [(text, name) for text, name in named if text]
    colours = [_INK] * len(named)
    if ex.dropped:
        named.append((ex.dropped, "dropped"))
        colours.append(_DROPPED)
    height = _step(body, y, 1, "URL Plivo called", "its query string is not signed")
    fitted, where, _ = _value_box(body, y, list(zip([t for t, _ in named], colours, strict=True)))
    if ex.dropped:  # strike the dropped part through
        left, right = where[-1]
        body.append(_line(left, y + 13, right, y + 13, _DROPPED))
    _brackets(
        body, y + _BOX_H, [(w, n, c) for w, (_, n), c in zip(where, named, colours, strict=True)]
    )
    y += max(height, _BOX_H + 24) + 14

    # Where a proxy or a tunnel changes it.
    note = _wrap(
        "A TLS proxy makes https → http here; a tunnel changes the host (and port). Your "
        "app must check the URL Plivo called, not the one it sees.",
        _VALUE_W - 20,
    )
    callout_h = 10 + 16 * len(note)
    changed = [w for w, (_, n) in zip(where, named, strict=True) if n in ("scheme", "host")]
    for left, right in changed:
        body.append(_line((left + right) / 2, y - 16, (left + right) / 2, y, _WARN[1], dash=True))
    body.append(_rect(_VALUE_X, y, _VALUE_W, callout_h, *_WARN))
    for i, line in enumerate(note):
        body.append(_label(_VALUE_X + 10, y + 18 + 16 * i, line, colour=_WARN[1]))
    y += callout_h + 16

    # 2. The nonce.
    height = _step(body, y, 2, "Nonce", f"from the header {NONCE_HEADER}")
    _, _, nonce_w = _value_box(body, y, [(ex.nonce, _NONCE)])
    y += max(height, _BOX_H) + 6

    # 3. The string signed: base URL + nonce.
    body += _arrow(_VALUE_X + 28, y, y + 28)
    body.append(_label(_VALUE_X + 40, y + 18, "base URL + nonce, nothing in between", colour=_INK))
    y += 34
    height = _step(body, y, 3, "String signed", "base URL + nonce")
    nonce_text = ex.string_to_sign[len(ex.base_url) :]
    fitted, where, _ = _value_box(body, y, [(ex.base_url, _INK), (nonce_text, _NONCE)])
    _brackets(body, y + _BOX_H, [(where[0], "base URL", _INK), (where[1], "nonce", _NONCE)])
    y += max(height, _BOX_H + 24) + 6

    # 4. HMAC-SHA256 with the token, which is never drawn.
    body += _arrow(_VALUE_X + 28, y, y + 34)
    text = "HMAC-SHA256, with your auth token as the key:"
    body.append(_label(_VALUE_X + 40, y + 22, text, colour=_INK))
    chip_x = _VALUE_X + 40 + _width(text, 12) + 8
    chip = _middle(key, int((_W - _M - chip_x - 16) / (12 * _CELL)))
    chip_w = _cells(chip) * 12 * _CELL + 16
    body.append(_rect(chip_x, y + 7, chip_w, 22, "#ffffff", _GREY, dash=True))
    body.append(_code(chip_x + 8, y + 22, [(chip, _GREY)])[0])
    y += 40
    height = _step(body, y, 4, "HMAC-SHA256", "32 bytes, shown in hex")
    _value_box(body, y, [(ex.hmac_hex, "#000000")])
    y += max(height, _BOX_H) + 6

    # 5. base64: the signature.
    body += _arrow(_VALUE_X + 28, y, y + 28)
    body.append(_label(_VALUE_X + 40, y + 18, "base64", colour=_INK))
    y += 34
    height = _step(body, y, 5, "Base64", "what your app expects")
    _value_box(body, y, [(ex.signature, _INK)])
    y += max(height, _BOX_H) + 6

    # 6. Compared with the header Plivo sent.
    if received is None:
        lines = _wrap(
            f"Your app compares this with the {SIGNATURE_HEADER} header of the request: "
            "equal means the request comes from Plivo.",
            _VALUE_W,
        )
        for i, line in enumerate(lines):
            body.append(_label(_VALUE_X, y + 14 + 16 * i, line, colour=_GREY))
        y += 16 * len(lines) + 6
    else:
        body += _arrow(_VALUE_X + 28, y, y + 28)
        body.append(_label(_VALUE_X + 40, y + 18, "compared with", colour=_INK))
        y += 34
        height = _step(body, y, 6, "Header Plivo sent", SIGNATURE_HEADER)
        if received == ex.signature:
            verdict, colours_ = "✓ equal: the request is from Plivo", _GOOD
        else:
            verdict, colours_ = "✗ different: refuse it (403)", _BAD
        room = _VALUE_W - 12 - (_width(verdict, 11, bold=True) + 14)
        _, _, box_w = _value_box(body, y, [(received, _INK)], room)
        right = _VALUE_X + box_w + 12 + _width(verdict, 11, bold=True) + 14
        body += _badge(right, y + 3, verdict, colours_)[0]
        y += max(height, _BOX_H) + 6

    return _picture(y + 12, body, f"the steps of {SIGNATURE_HEADER}")


# --- Plivo → tunnel or proxy → your app --------------------------------------------------------

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
    public_url: str = "https://example.com/receive_sms/",
    local_url: str = "http://127.0.0.1:5000/receive_sms/",
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
    via = _clean(via) or "tunnel"
    public, inside = urlsplit(signed), urlsplit(local)
    host = inside.netloc if host_header is None else _clean(host_header)
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
                ("calls", _clean(public_url), None),
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


# --- how a text is cut into SMS units -------------------------------------------------------

_BAR_X = _M + 104
_BAR_W = _W - _M - 92 - _BAR_X
_BAR_H = 26
_MAX_ROWS = 10


def _runs(sizes: Sequence[int]) -> str:
    """``153 + 8``; ``10 × 153 + 70`` for repeated sizes."""
    runs: list[list[int]] = []
    for size in sizes:
        if runs and runs[-1][0] == size:
            runs[-1][1] += 1
        else:
            runs.append([size, 1])
    return " + ".join(f"{n} × {size}" if n > 2 else " + ".join([str(size)] * n) for size, n in runs)


def segment_bar(text: str | Segments, *, title: str | None = None) -> SVG:
    """How ``text`` (or a :func:`~smsxml.segments` result) is cut into SMS units: a bar per
    unit, as wide as one SMS, showing the text it carries, the room the header of a split
    message takes (UDH) and the room left. More than 10 units: the first 8, then "+N more",
    then the last."""
    seg = text if isinstance(text, Segments) else segments(text)
    single, split, unit_name = _LIMITS[seg.encoding]
    header = single - split if seg.units > 1 else 0
    sizes = [sum(_cost(c, seg.encoding) for c in part) for part in seg.parts]
    bits = 7 if seg.encoding == GSM7 else 16
    scale = _BAR_W / single

    body: list[str] = []
    default = (
        f"{plural(len(seg.text), 'character')} in {seg.encoding} → {plural(seg.units, 'unit')}"
    )
    y = _title(title or default, body)
    if seg.encoding == GSM7:
        why = "Every character is in the GSM-7 alphabet: one septet (7 bits) each"
        if seg.extension_characters:
            why += f"; {' '.join(seg.extension_characters)} take two (escape + character)"
    else:
        shown = " ".join(
            c if c.isprintable() and not c.isspace() else f"U+{ord(c):04X}"
            for c in seg.non_gsm_characters[:8]
        )
        why = f"UCS-2 (16 bits a code unit) because of {shown}, not in the GSM-7 alphabet"
        if any(ord(c) > 0xFFFF for c in seg.text):
            why += "; emoji and other characters beyond U+FFFF take two code units"
    if seg.units == 1:
        how = f"One SMS holds {single} {unit_name}; this text takes {seg.length}: one unit."
    else:
        how = (
            f"One SMS holds {single} {unit_name}, so this text is split. Each part gives "
            f"{header} {unit_name} to a header (UDH) that numbers the parts: {split} are left "
            "for text."
        )
    for i, line in enumerate([*_wrap(why, _W - 2 * _M), *_wrap(how, _W - 2 * _M)]):
        body.append(_label(_M, y + 8 + 17 * i, line, colour=_GREY if i == 0 else "#000"))
        last_line = i
    y += 17 * (last_line + 1) + 8

    # The scale: one SMS, as wide as every bar.
    body.append(
        f"<path d='M {_BAR_X:g} {y + 22:g} v -6 H {_BAR_X + _BAR_W:g} v 6' fill='none' "
        f"stroke='{_GREY}'/>"
    )
    scale_text = f"one SMS: {single * bits // 8} bytes = {single} {unit_name}"
    body.append(_label(_BAR_X + _BAR_W / 2, y + 10, scale_text, 11, anchor="middle", colour=_GREY))
    y += 30

    rows: list[int | None] = list(range(seg.units))
    if seg.units > _MAX_ROWS:
        rows = [*range(_MAX_ROWS - 2), None, seg.units - 1]
    for row in rows:
        if row is None:
            more = seg.units - (_MAX_ROWS - 1)
            body.append(
                _label(
                    _BAR_X + _BAR_W / 2,
                    y + 16,
                    f"+{more} more {'unit' if more == 1 else 'units'} like these",
                    anchor="middle",
                    colour=_GREY,
                )
            )
            y += 26
            continue
        size, part = sizes[row], seg.parts[row]
        label = f"unit {row + 1}: {size}"
        body.append(_label(_BAR_X - 10, y + 17, label, anchor="end", bold=True))
        body.append(_rect(_BAR_X, y, _BAR_W, _BAR_H, "#ffffff", _INK, rx=2))
        if header:
            body.append(_rect(_BAR_X, y, header * scale, _BAR_H, *_WARN, rx=2))
            if _width(str(header), 11) + 4 <= header * scale:
                body.append(
                    _label(
                        _BAR_X + header * scale / 2,
                        y + 17,
                        str(header),
                        11,
                        anchor="middle",
                        colour=_WARN[1],
                    )
                )
        left = _BAR_X + header * scale
        if size:
            body.append(_rect(left, y, size * scale, _BAR_H, _TEXT_FILL, _INK, rx=2))
            room = int((size * scale - 12) / (11 * _CELL))
            if room >= 6:
                shown = _middle(_clean(part), room)
                body.append(_code(left + 6, y + 17, [(shown, "#000000")], 11)[0])
        free = (split if seg.units > 1 else single) - size
        body.append(
            _label(_BAR_X + _BAR_W + 10, y + 17, f"{free} free" if free else "full", colour=_GREY)
        )
        y += _BAR_H + 8

    # Legend and the sum.
    y += 8
    x: float = _BAR_X
    keys = [(_TEXT_FILL, _INK, "text"), ("#ffffff", _INK, "room left")]
    if header:
        keys.insert(0, (*_WARN, f"header (UDH): {header} {unit_name} in every part"))
    for fill, stroke, name in keys:
        body.append(_rect(x, y, 14, 14, fill, stroke, rx=2))
        body.append(_label(x + 20, y + 12, name, colour=_GREY))
        x += 20 + _width(name, 12) + 24
    y += 36
    total = f"{seg.length} {unit_name}"
    if seg.units > 1:
        total += f" = {_runs(sizes)}"
    total += f" → {plural(seg.units, 'unit')}, billed as {seg.units} SMS"
    for line in _wrap(total, _W - 2 * _M, bold=True):
        body.append(_label(_M, y, line, bold=True))
        y += 17
    return _picture(y, body, f"SMS units of a text: {seg}")
