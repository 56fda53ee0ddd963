"""Small HTML pieces for reprs and widgets: escaping, a table (every table smsxml shows),
a verdict badge, and two strings side by side with their differences marked.

Text is escaped everywhere; :class:`Safe` marks a string that is HTML already (what these
functions return), so that it can be nested without being escaped twice. Stdlib only,
and ``html`` and ``difflib`` imported when first used (not with every module that can show
itself): ``import smsxml`` stays light, in the browser too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Safe", "Cell", "Row", "escape", "code", "table", "badge", "diff_pair"]

#: Verdict colours (GitHub's green and red, a grey for "cannot tell"), readable on white.
_COLOURS = {True: "#1a7f37", False: "#cf222e", None: "#57606a"}
_KINDS = {True: "ok", False: "bad", None: "none"}
_LEFT = "text-align:left"
_MARK = "background:#ffb86b;color:inherit;padding:0;border-bottom:2px solid #cf222e"
#: Characters that would be invisible (or break the line) inside a marked difference.
_VISIBLE = str.maketrans({"\n": "↵", "\r": "␍", "\t": "⇥", " ": "␣", "\x00": "␀"})
#: A run of equal characters shorter than this, in the middle of two strings, is chance
#: (two signatures made with different tokens share a letter here and there), not a match.
_MIN_MATCH = 3


class Safe(str):
    """A string that is HTML already: :func:`escape` leaves it as it is."""

    __slots__ = ()


def escape(value: object) -> Safe:
    """``value`` as text safe inside HTML elements and quoted attributes; :class:`Safe`
    values pass through unchanged."""
    if isinstance(value, Safe):
        return value
    import html  # lazy: html.entities comes with it (module docstring)

    return Safe(html.escape(str(value), quote=True))


def code(value: object) -> Safe:
    """``value`` in a ``<code>`` element."""
    return Safe(f"<code>{escape(value)}</code>")


@dataclass(frozen=True)
class Cell:
    """A table cell with a style of its own, instead of its column's (a coloured status)."""

    value: object
    style: str = ""


@dataclass(frozen=True)
class Row:
    """A table row with attributes: a css class and a style on its ``<tr>``."""

    cells: Sequence[object]
    css: str = ""
    style: str = ""


#: A column style for every column, or one per column ("" for none).
Styles = str | Sequence[str]


def _attrs(css: str = "", style: str = "") -> str:
    cls = f" class='{escape(css)}'" if css else ""
    return cls + (f" style='{escape(style)}'" if style else "")


def _cells(values: Sequence[object], styles: Styles, heads: int) -> str:
    """The cells of one row: the first ``heads`` are ``<th>``, the rest ``<td>``."""
    out = []
    for i, value in enumerate(values):
        style = styles if isinstance(styles, str) else (styles[i] if i < len(styles) else "")
        if isinstance(value, Cell):
            style = value.style
        text = escape(value.value if isinstance(value, Cell) else value)
        tag = "th" if i < heads else "td"
        out.append(f"<{tag}{_attrs(style=style)}>{text}</{tag}>")
    return "".join(out)


def table(
    rows: Iterable[Sequence[object] | Row],
    header: Sequence[object] | None = None,
    css: str = "",
    *,
    style: str = "",
    row_heads: bool = True,
    cell_style: Styles = _LEFT,
    header_style: Styles = _LEFT,
) -> Safe:
    """A table of ``rows``; cells are escaped unless :class:`Safe`.

    - ``header``: an optional row of column headings (``<th>``), styled ``header_style``.
    - ``row_heads``: each row's first cell is its heading (``<th>``); False: all ``<td>``.
    - ``cell_style``: the style of every body cell, or one per column ("" for none); a
      :class:`Cell` brings its own. Both default to left-aligned.
    - ``css`` and ``style``: the ``<table>``'s class and style; a :class:`Row` gives its
      ``<tr>`` a class and a style.
    """
    head = ""
    if header is not None:
        head = f"<tr>{_cells(header, header_style, len(header))}</tr>"
    body = []
    for row in rows:
        cells, attrs = (
            (row.cells, _attrs(row.css, row.style)) if isinstance(row, Row) else (row, "")
        )
        body.append(f"<tr{attrs}>{_cells(cells, cell_style, int(row_heads))}</tr>")
    return Safe(f"<table{_attrs(css, style)}>{head}{''.join(body)}</table>")


def badge(ok: bool | None, text: str, css: str = "") -> Safe:
    """``text`` in bold, green when ``ok``, red when not, grey when None (cannot tell).
    Classes ``smsxml-badge smsxml-badge-ok|bad|none`` plus ``css`` let tests and pages
    find it without reading colours."""
    classes = f"smsxml-badge smsxml-badge-{_KINDS[ok]}" + (f" {css}" if css else "")
    return Safe(f"<b class='{escape(classes)}' style='color:{_COLOURS[ok]}'>{escape(text)}</b>")


def _matches(a: str, b: str) -> list[tuple[int, int, int]]:
    """Runs ``(i, j, size)`` with ``a[i:i+size] == b[j:j+size]``, in order: the longest
    common runs, without the short ones in the middle that equal by chance."""
    from difflib import SequenceMatcher  # lazy (module docstring)

    found = SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return [
        (i, j, n)
        for i, j, n in found
        if n and (n >= _MIN_MATCH or (i == 0 and j == 0) or (i + n == len(a) and j + n == len(b)))
    ]


def _marked(text: str, spans: list[tuple[int, int, bool]]) -> str:
    out: list[str] = []
    for start, end, same in spans:
        piece = text[start:end]
        if same:
            out.append(escape(piece))
        else:
            out.append(f"<mark style='{_MARK}'>{escape(piece.translate(_VISIBLE))}</mark>")
    return "".join(out) or "<i>(empty)</i>"


def diff_pair(a: str, b: str, labels: tuple[str, str] = ("a", "b")) -> Safe:
    """``a`` above ``b`` in monospace, each labelled, with the characters that differ
    marked (``<mark>``) on both: what one holds and the other does not. Whitespace inside
    a difference is shown (␣, ↵, ⇥), so that a stray space or newline can be seen."""
    spans_a: list[tuple[int, int, bool]] = []
    spans_b: list[tuple[int, int, bool]] = []
    i = j = 0
    for start_a, start_b, size in [*_matches(a, b), (len(a), len(b), 0)]:
        if start_a > i:
            spans_a.append((i, start_a, False))
        if start_b > j:
            spans_b.append((j, start_b, False))
        if size:
            spans_a.append((start_a, start_a + size, True))
            spans_b.append((start_b, start_b + size, True))
        i, j = start_a + size, start_b + size
    style = "style='white-space:pre-wrap;word-break:break-all'"
    rows = [
        (labels[0], Safe(f"<code {style}>{_marked(a, spans_a)}</code>")),
        (labels[1], Safe(f"<code {style}>{_marked(b, spans_b)}</code>")),
    ]
    return table(rows, css="smsxml-diff")
