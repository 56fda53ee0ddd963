"""The drawing kit of :mod:`smsxml.pictures`: the palette, text measured with Helvetica's
widths (and shortened in the middle to fit), and the shapes every picture is made of."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from xml.sax.saxutils import escape

from ..diagram import COLOURS, FILLS, SVG, clean_text, open_svg, svg_text

# --- measuring and drawing text --------------------------------------------------------------

_W = 780  # every picture's width: a notebook's output area is about 800 px wide
_M = 16  # margin
_MONO = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace"
_CELL = 0.6  # advance of one monospace cell, in em (DejaVu Sans Mono, Menlo, Courier)
_INK = COLOURS["arrow"]
_GREY = "#57606a"
_PALE = "#eef3f8"  # the fill of a sequence diagram's head boxes
_PANEL = ("#f6f8fa", "#d0d7de")
_WARN = (FILLS["warning"], COLOURS["warning"])
_BAD = (FILLS["error"], COLOURS["error"])
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
    text = clean_text(text)
    if _width(text, size, bold) <= width:
        return text
    while text and _width(text + "…", size, bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(text: str, width: float, size: float = 12, bold: bool = False) -> list[str]:
    """``text`` broken into lines of at most ``width`` px (a longer word is cut)."""
    lines: list[str] = []
    line = ""
    for word in clean_text(text).split(" "):
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
    return svg_text(
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
    fitted = [(clean_text(text), colour) for text, colour in pieces]
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
    return SVG("\n".join([*open_svg(_W, math.ceil(height)), *body, "</svg>"]) + "\n", alt=alt)


def _title(text: str | None, body: list[str]) -> float:
    """Draw the title (if any); the y where the picture goes on."""
    if not text:
        return _M
    body.append(_label(_M, 24, _fit(text, _W - 2 * _M, 14, True), 14, colour=_INK, bold=True))
    return 44
