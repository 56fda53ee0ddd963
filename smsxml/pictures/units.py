"""How a text is cut into SMS units, and why 161 GSM-7 characters cost two units of 153:
:func:`segment_bar`."""

from __future__ import annotations

from collections.abc import Sequence

from .._text import plural
from ..diagram import SVG, clean_text
from ..units import GSM7, UNIT_LIMITS, Segments, segments, unit_cost
from ._drawing import (
    _CELL,
    _GREY,
    _INK,
    _M,
    _TEXT_FILL,
    _W,
    _WARN,
    _code,
    _label,
    _middle,
    _picture,
    _rect,
    _title,
    _width,
    _wrap,
)

__all__ = ["segment_bar"]

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
    single, split, unit_name = UNIT_LIMITS[seg.encoding]
    header = single - split if seg.units > 1 else 0
    sizes = [sum(unit_cost(c, seg.encoding) for c in part) for part in seg.parts]
    bits = 7 if seg.encoding == GSM7 else 16
    scale = _BAR_W / single

    body: list[str] = []
    default = (
        f"{plural(len(seg.text), 'character')} in {seg.encoding} → {plural(seg.units, 'unit')}"
    )
    y = _title(title or default, body)
    for i, line in enumerate(_explanation(seg, single, split, unit_name, header)):
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
        free = (split if seg.units > 1 else single) - sizes[row]
        _unit_bar(body, y, row, sizes[row], seg.parts[row], header, scale, free)
        y += _BAR_H + 8
    y = _legend_and_sum(body, y + 8, seg, header, unit_name, sizes)
    return _picture(y, body, f"SMS units of a text: {seg}")


def _explanation(seg: Segments, single: int, split: int, unit_name: str, header: int) -> list[str]:
    """Why this encoding, and how the text is cut: the lines under the title."""
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
    return [*_wrap(why, _W - 2 * _M), *_wrap(how, _W - 2 * _M)]


def _unit_bar(
    body: list[str],
    y: float,
    row: int,
    size: int,
    part: str,
    header: int,
    scale: float,
    free: int,
) -> None:
    """One unit's bar: its header (UDH), the text it carries, the room left."""
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
            shown = _middle(clean_text(part), room)
            body.append(_code(left + 6, y + 17, [(shown, "#000000")], 11)[0])
    body.append(
        _label(_BAR_X + _BAR_W + 10, y + 17, f"{free} free" if free else "full", colour=_GREY)
    )


def _legend_and_sum(
    body: list[str], y: float, seg: Segments, header: int, unit_name: str, sizes: list[int]
) -> float:
    """The legend of the colours, and the sum of the units; where the picture ends."""
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
    return y
