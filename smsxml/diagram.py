"""Sequence diagrams as plain SVG, drawn without any drawing library.

A diagram is a row of *participants* (lifelines) and an ordered list of *steps*: arrows
from one lifeline to another (solid for requests, dashed for replies) and notes on a
lifeline (e.g. a problem Plivo found). The output is deterministic — the same steps give
byte-identical SVG — so notebooks that show it stay stable, and every piece of text is
XML-escaped, so a message body like ``<b>&`` cannot break the picture.
:mod:`smsxml.pictures` draws its pictures with the same primitives.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["Step", "SVG", "sequence_diagram"]

_KINDS = ("arrow", "reply", "note", "warning", "error")

# Layout, in SVG user units (pixels at 100 % zoom).
_GUTTER = 104  # left column holding each step's time
_COLUMN = 210  # distance between two lifelines
_HEAD_W = 150
_HEAD_H = 30
_TOP = 16
_ROW = 30
_CHAR_W = 6.6  # rough width of one character at font-size 12 (sans-serif)
_FONT = "font-family='Helvetica, Arial, sans-serif' font-size='12'"
COLOURS = {
    "arrow": "#1f4e79",
    "reply": "#4d4d4d",
    "note": "#4d4d4d",
    "warning": "#9a6700",
    "error": "#b00020",
}
FILLS = {"note": "#f6f8fa", "warning": "#fff8c5", "error": "#fde7ea"}

# Characters that XML 1.0 forbids even when escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Step:
    """One row of a sequence diagram.

    ``kind`` is ``"arrow"`` (a request, solid line), ``"reply"`` (dashed line),
    ``"note"``, ``"warning"`` or ``"error"`` (a box on ``source``'s lifeline: grey, amber,
    red; ``target`` is ignored).
    ``time`` is shown in the left gutter when given.
    """

    source: str
    target: str
    label: str
    kind: str = "arrow"
    time: str = ""

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"a step's kind is one of {', '.join(_KINDS)}, not {self.kind!r}")


class SVG:
    """An SVG document. Jupyter shows it through ``_repr_svg_`` and ``_repr_markdown_``;
    ``.data`` is the text."""

    def __init__(self, data: str, alt: str = "sequence diagram"):
        self.data = data
        #: What the picture shows, in words: the Markdown image's alternative text.
        self.alt = " ".join(re.sub(r"[\[\]()\\]", " ", alt).split()) or "picture"

    def _repr_svg_(self) -> str:
        return self.data

    def _repr_markdown_(self) -> str:
        """The same picture as a Markdown image whose source is a ``data:`` URI.

        JupyterLab renders ``image/svg+xml`` only in a *trusted* notebook; in an untrusted
        one — any notebook freshly cloned or downloaded — it falls back to the text
        ``<SVG 964×472, …>``. Markdown is rendered in untrusted notebooks too (sanitized,
        and the sanitizer keeps an ``<img>`` with a ``data:`` URI), so the diagram shows
        either way. (JupyterLab then prefers the Markdown in trusted notebooks as well;
        front ends ranking SVG above Markdown, like nbconvert, keep the SVG.)
        """
        return f"![{self.alt}]({self.data_uri})"

    @property
    def data_uri(self) -> str:
        """The SVG as a ``data:image/svg+xml;base64,…`` URI (for an ``<img src>``)."""
        encoded = base64.b64encode(self.data.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}"

    def save(self, path: str | Path) -> Path:
        """Write the SVG to ``path`` (UTF-8) and return the path."""
        target = Path(path)
        target.write_text(self.data, encoding="utf-8")
        return target

    def __str__(self) -> str:
        return self.data

    def __repr__(self) -> str:
        size = re.search(r"width='(\d+)' height='(\d+)'", self.data)
        dims = f" {size.group(1)}×{size.group(2)}" if size else ""
        return f"<SVG{dims}, {len(self.data)} characters>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SVG) and other.data == self.data

    __hash__ = None  # type: ignore[assignment]


def clean_text(text: str) -> str:
    """One line of XML-safe text (not yet escaped)."""
    return _NOT_XML.sub("\ufffd", " ".join(str(text).split()))


def _fit(text: str, width: float) -> tuple[str, bool]:
    """``text`` shortened with an ellipsis to about ``width`` units; and whether it was cut."""
    limit = max(4, int(width / _CHAR_W))
    if len(text) <= limit:
        return text, False
    return text[: limit - 1].rstrip() + "…", True


def svg_text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "middle",
    colour: str = "#000",
    weight: str = "normal",
    title: str | None = None,
    size: float | None = None,
    family: str | None = None,
    length: float | None = None,
) -> str:
    """One ``<text>``; ``size``, ``family`` and ``length`` (``textLength``: the width the
    text is stretched or squeezed to) are written only when given."""
    tip = f"<title>{escape(title)}</title>" if title else ""
    extra = (
        (f" font-size='{size:g}'" if size is not None else "")
        + (f" font-family='{family}'" if family is not None else "")
        + (f" textLength='{length:g}'" if length is not None else "")
    )
    return (
        f"<text x='{x:g}' y='{y:g}' text-anchor='{anchor}' fill='{colour}' "
        f"font-weight='{weight}'{extra}>{tip}{escape(text)}</text>"
    )


def sequence_diagram(
    participants: Sequence[str], steps: Sequence[Step], *, title: str | None = None
) -> SVG:
    """Draw ``steps`` between the lifelines named in ``participants`` (left to right).

    A step naming an unknown participant is an error, so a typo cannot silently drop an
    arrow.
    """
    names = [clean_text(p) for p in participants]
    index = _lifeline_index(names, steps)

    def x_of(name: str) -> float:
        return _GUTTER + _HEAD_W / 2 + index[clean_text(name)] * _COLUMN

    width = int(_GUTTER + _HEAD_W + (len(names) - 1) * _COLUMN + 80)
    top = _TOP + (24 if title else 0)
    first_row = top + _HEAD_H + 26
    height = int(first_row + len(steps) * _ROW + _HEAD_H + 10)
    bottom = height - _HEAD_H - 6

    out = open_svg(width, height)
    if title:
        out.append(
            svg_text(width / 2, _TOP + 10, _fit(clean_text(title), width - 20)[0], weight="bold")
        )
    for name in names:
        _lifeline(out, name, x_of(name), top, bottom)
    for row, step in enumerate(steps):
        y = first_row + row * _ROW
        if step.time:
            out.append(
                svg_text(
                    8,
                    y + 4,
                    _fit(clean_text(step.time), _GUTTER - 12)[0],
                    anchor="start",
                    colour="#777",
                )
            )
        xs = x_of(step.source)
        if step.kind in FILLS:
            _note(out, step, y, xs, width)
        else:
            _arrow(out, step, y, xs, x_of(step.target))
    out.append("</svg>")
    return SVG("\n".join(out) + "\n")


def _lifeline_index(names: list[str], steps: Sequence[Step]) -> dict[str, int]:
    """Each participant's column; a ValueError for none, twice the same, or a step naming
    one that is not there."""
    if not names:
        raise ValueError("a sequence diagram needs at least one participant")
    if len(set(names)) != len(names):
        raise ValueError("participant names must be distinct")
    index = {name: i for i, name in enumerate(names)}
    for step in steps:
        boxed = step.kind in ("note", "warning", "error")
        for who in (step.source,) if boxed else (step.source, step.target):
            if clean_text(who) not in index:
                raise ValueError(
                    f"step {step.label!r} names {who!r}, which is not one of the participants "
                    f"({', '.join(names)})"
                )
    return index


def _lifeline(out: list[str], name: str, x: float, top: float, bottom: float) -> None:
    """A lifeline and its head and foot boxes."""
    out.append(
        f"<line x1='{x:g}' y1='{top + _HEAD_H:g}' x2='{x:g}' y2='{bottom:g}' "
        "stroke='#999' stroke-dasharray='4 4'/>"
    )
    label, cut = _fit(name, _HEAD_W - 10)
    for y in (top, bottom):
        out.append(
            f"<rect x='{x - _HEAD_W / 2:g}' y='{y:g}' width='{_HEAD_W}' height='{_HEAD_H}' "
            "rx='4' fill='#eef3f8' stroke='#1f4e79'/>"
        )
        out.append(svg_text(x, y + 19, label, weight="bold", title=name if cut else None))


def _note(out: list[str], step: Step, y: float, xs: float, width: int) -> None:
    """A note, warning or error: a box on the lifeline, kept inside the picture."""
    label = clean_text(step.label)
    colour = COLOURS[step.kind]
    shown, cut = _fit(label, _COLUMN * 1.6)
    box_w = min(_COLUMN * 1.6, len(shown) * _CHAR_W + 16)
    # Keep the box inside the picture: centre on the lifeline, clamp to the edges.
    left = min(max(xs - box_w / 2, _GUTTER - 4), width - box_w - 4)
    out.append(
        f"<rect x='{left:g}' y='{y - 13:g}' width='{box_w:g}' height='20' rx='3' "
        f"fill='{FILLS[step.kind]}' stroke='{colour}'/>"
    )
    out.append(
        svg_text(left + box_w / 2, y + 1, shown, colour=colour, title=label if cut else None)
    )


def _arrow(out: list[str], step: Step, y: float, xs: float, xt: float) -> None:
    """A request or a reply (dashed) from one lifeline to another, or a loop to oneself."""
    label = clean_text(step.label)
    colour = COLOURS[step.kind]
    dash = " stroke-dasharray='6 4'" if step.kind == "reply" else ""
    if xs == xt:  # a message to oneself: a small loop to the right
        out.append(
            f"<path d='M {xs:g} {y:g} h 30 v 12 h -30' fill='none' stroke='{colour}'{dash}/>"
        )
        out.append(_arrow_head(xs, y + 12, -1, colour))
        shown, cut = _fit(label, _COLUMN - 40)
        out.append(
            svg_text(
                xs + 36, y + 4, shown, anchor="start", colour=colour, title=label if cut else None
            )
        )
        return
    direction = 1 if xt > xs else -1
    out.append(
        f"<line x1='{xs:g}' y1='{y:g}' x2='{xt - direction * 2:g}' y2='{y:g}' "
        f"stroke='{colour}' stroke-width='1.4'{dash}/>"
    )
    out.append(_arrow_head(xt, y, direction, colour))
    shown, cut = _fit(label, abs(xt - xs) - 12)
    out.append(svg_text((xs + xt) / 2, y - 5, shown, colour=colour, title=label if cut else None))


def open_svg(width: int, height: int) -> list[str]:
    """The opening of an SVG document ``width`` × ``height`` on a white background."""
    return [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' {_FONT}>",
        f"<rect x='0' y='0' width='{width}' height='{height}' fill='#ffffff'/>",
    ]


def _arrow_head(x: float, y: float, direction: int, colour: str) -> str:
    """A filled triangle whose tip is at (x, y), pointing right (1) or left (-1)."""
    back = x - direction * 9
    return f"<polygon points='{x:g},{y:g} {back:g},{y - 4:g} {back:g},{y + 4:g}' fill='{colour}'/>"
