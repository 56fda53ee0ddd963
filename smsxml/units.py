"""How many SMS units (segments) a text takes, and why.

An SMS carries 140 bytes. In the GSM 03.38 7-bit alphabet that is 160 characters
("septets"); characters of the extension table (``^ { } \\ [ ~ ] | €`` and form feed)
are sent as an escape plus the character, so they take two. One character outside the
alphabet — an emoji, a curly quote — switches the *whole* message to UCS-2: 70 UTF-16
code units, and characters outside the Basic Multilingual Plane (most emoji) take two.

A longer message is split; each part then loses room to a header: 153 septets or
67 code units per part. An escape pair and a surrogate pair are never split across
two parts. Every part is billed as one unit.

:func:`send_plan` is the one decision of what Plivo sends for a ``<Message>`` text —
automatic encoding or not, then encoding, units and whether the text is within Plivo's
limits. :func:`smsxml.validate` and the :class:`~smsxml.Simulator` both ask it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from ._html import code, escape, table
from ._text import plural
from .exc import InputError
from .protocol import (
    AUTO_ENCODING,
    AUTO_ENCODING_BY_DEFAULT,
    MAX_TEXT_LENGTH,
    MAX_UNICODE_TEXT_LENGTH,
)

__all__ = [
    "GSM_BASIC",
    "GSM_EXTENSION",
    "GSM7",
    "UCS2",
    "Segments",
    "segments",
    "is_gsm",
    "auto_encode",
    "SendPlan",
    "send_plan",
    "planned",
]

#: The GSM 03.38 basic character set (each one septet). 0x1B, the escape, is not a
#: character of its own: a raw ESC in a text cannot be sent in GSM-7. 0x09 is "Ç" as in
#: the ETSI table (unicode.org's mapping reads it as "ç"); "ç" is counted as non-GSM, the
#: cautious choice: it can only make the count higher than a carrier's, never lower.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ"
    "ÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
#: The GSM 03.38 extension table (each two septets: escape + character).
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# encoding -> (capacity of a single unit, capacity of each part of a split message, unit name)
UNIT_LIMITS = {GSM7: (160, 153, "septets"), UCS2: (70, 67, "code units")}


def is_gsm(char: str) -> bool:
    """True when ``char`` (one character) can be sent in the GSM 03.38 alphabet."""
    return char in GSM_BASIC or char in GSM_EXTENSION


def unit_cost(char: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if char in GSM_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def _unique(chars: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(chars))


@dataclass(frozen=True)
class Segments:
    """How ``text`` is sent as SMS: its encoding, units (billed parts) and each part's text.

    ``length`` is in septets (GSM-7) or UTF-16 code units (UCS-2); ``per_unit`` is the
    room in one unit (160/70 when the text fits one, else 153/67); ``remaining`` is the
    room left in the last unit before another one is needed.
    """

    text: str
    encoding: str
    units: int
    length: int
    per_unit: int
    remaining: int
    non_gsm_characters: tuple[str, ...]
    extension_characters: tuple[str, ...]
    parts: list[str] = field(compare=False)

    @property
    def auto_encoded(self) -> Segments:
        """The same text after Plivo's automatic encoding (smart quotes, dashes and Unicode
        spaces replaced with GSM characters): what Plivo sends when that is on."""
        return segments(auto_encode(self.text))

    @property
    def replaced_characters(self) -> tuple[str, ...]:
        """The characters automatic encoding would replace, each once."""
        return _unique(c for c in self.text if c in AUTO_ENCODING)

    @property
    def unit_name(self) -> str:
        """``"septets"`` or ``"code units"``: what ``length`` counts."""
        return UNIT_LIMITS[self.encoding][2]

    @property
    def capacity(self) -> int:
        """Room in all units together (``units * per_unit``)."""
        return self.units * self.per_unit

    def _summary(self) -> str:
        return (
            f"{self.encoding}, {plural(self.units, 'unit')}, "
            f"{self.length}/{self.capacity} {self.unit_name}"
        )

    def __repr__(self) -> str:
        return f"Segments({self._summary()})"

    def __str__(self) -> str:
        return self._summary()

    def _why(self) -> str:
        if self.encoding == UCS2:
            shown = " ".join(_show(c) for c in self.non_gsm_characters[:10])
            more = " …" if len(self.non_gsm_characters) > 10 else ""
            return f"UCS-2 because of characters outside GSM 03.38: {shown}{more}"
        if self.extension_characters:
            shown = " ".join(_show(c) for c in self.extension_characters)
            return f"GSM-7; these take 2 septets each (escape + character): {shown}"
        return "GSM-7: every character is in the GSM 03.38 basic table"

    def describe(self) -> str:
        """A few lines for people: encoding and why, units, room per unit, each part."""
        single, split, name = UNIT_LIMITS[self.encoding]
        lines = [
            f"encoding:  {self._why()}",
            f"units:     {self.units}",
            f"length:    {self.length} {name}",
            f"per unit:  {self.per_unit} {name} "
            f"({single} for a single unit, {split} per part when split)",
            f"remaining: {self.remaining} {name} left in the last unit",
        ]
        for number, part in enumerate(self.parts, 1):
            size = sum(unit_cost(c, self.encoding) for c in part)
            lines.append(f"part {number}:    [{size:>3}] {part!r}")
        if self.replaced_characters:
            auto = self.auto_encoded
            shown = " ".join(_show(c) for c in self.replaced_characters)
            still = " ".join(_show(c) for c in auto.non_gsm_characters[:10])
            lines.append(
                f"automatic encoding: replaces {shown} → {auto}"
                + (f" (still UCS-2 because of {still})" if still else "")
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = [
            (n, sum(unit_cost(c, self.encoding) for c in p), code(p))
            for n, p in enumerate(self.parts, 1)
        ]
        parts = table(
            rows,
            ("part", self.unit_name, "text"),
            row_heads=False,
            cell_style=("", "", "text-align:left;white-space:pre-wrap"),
            header_style="",
        )
        return f"<div><b>{escape(repr(self))}</b><br>{escape(self._why())}{parts}</div>"


def _show(char: str) -> str:
    if char.isprintable() and not char.isspace():
        return char
    return f"U+{ord(char):04X}"


def auto_encode(text: str) -> str:
    """``text`` after Plivo's automatic encoding: the characters of
    :data:`~smsxml.protocol.AUTO_ENCODING` replaced, everything else kept."""
    return text.translate(_AUTO_TABLE)


_AUTO_TABLE = str.maketrans(AUTO_ENCODING)


def segments(text: str) -> Segments:
    """Count the SMS units of ``text`` the way carriers do (GSM 03.38 or UCS-2).

    The empty text counts as **one** unit with one empty part: an SMS without text is
    still one message on the network (Plivo's API refuses to send one, but that is a
    different question from how much room it takes).
    """
    if not isinstance(text, str):
        raise InputError(f"segments() counts a text (str), not {type(text).__name__}")
    single = UNIT_LIMITS[GSM7][0]
    if len(text) <= single and GSM_BASIC.issuperset(text):  # one septet a character
        return Segments(text, GSM7, 1, len(text), single, single - len(text), (), (), [text])
    non_gsm = _unique(c for c in text if not is_gsm(c))
    encoding = UCS2 if non_gsm else GSM7
    single, split, _ = UNIT_LIMITS[encoding]
    costs = [unit_cost(c, encoding) for c in text]
    length = sum(costs)
    if length <= single:
        parts = [text]
        per_unit = single
    else:
        per_unit = split
        parts = []
        start = used = 0
        for index, cost in enumerate(costs):
            if used + cost > split:  # never split an escape pair or a surrogate pair
                parts.append(text[start:index])
                start, used = index, 0
            used += cost
        parts.append(text[start:])
    last = sum(costs[len(text) - len(parts[-1]) :]) if parts[-1] else 0
    return Segments(
        text=text,
        encoding=encoding,
        units=len(parts),
        length=length,
        per_unit=per_unit,
        remaining=per_unit - last,
        non_gsm_characters=non_gsm,
        extension_characters=_unique(c for c in text if c in GSM_EXTENSION),
        parts=parts,
    )


_GSM = GSM_BASIC | GSM_EXTENSION


@dataclass(frozen=True)
class SendPlan:
    """What Plivo sends for one ``<Message>`` text, decided once by :func:`send_plan`.

    ``given`` is the text as written; ``text`` is what goes out (with automatic encoding,
    smart quotes, dashes and Unicode spaces replaced). ``length`` counts characters, as
    Plivo's limits do; ``limit`` is 1,600 for GSM-7 and 737 for UCS-2.
    """

    given: str
    text: str
    auto_encoding: bool
    encoding: str

    @cached_property
    def segments(self) -> Segments:
        """The units ``text`` is sent in (computed when asked: validation needs only the
        encoding and the length)."""
        return segments(self.text)

    @property
    def units(self) -> int:
        return self.segments.units

    @property
    def length(self) -> int:
        return len(self.text)

    @property
    def limit(self) -> int:
        return MAX_UNICODE_TEXT_LENGTH if self.encoding == UCS2 else MAX_TEXT_LENGTH

    @property
    def within_limits(self) -> bool:
        """True when Plivo accepts a text this long in this encoding."""
        return self.length <= self.limit

    @property
    def non_gsm_characters(self) -> tuple[str, ...]:
        """The characters of ``text`` outside GSM 03.38, each once: why it is UCS-2."""
        return _unique(c for c in self.text if c not in _GSM)

    @property
    def replaced_characters(self) -> tuple[str, ...]:
        """The characters automatic encoding replaced, each once (none when it is off)."""
        if not self.auto_encoding:
            return ()
        return _unique(c for c in self.given if c in AUTO_ENCODING)

    def __str__(self) -> str:
        auto = ", automatic encoding" if self.auto_encoding else ""
        verdict = "" if self.within_limits else f", over the {self.limit:,}-character limit"
        return f"{self.encoding}{auto}, {self.length:,} characters{verdict}"


def send_plan(text: str, *, auto_encoding: bool = AUTO_ENCODING_BY_DEFAULT) -> SendPlan:
    """How Plivo sends ``text``: the one decision :func:`smsxml.validate` and the simulator share.

    With ``auto_encoding`` (Plivo's account setting "Auto-replace", off unless turned on:
    :data:`~smsxml.protocol.AUTO_ENCODING_BY_DEFAULT`) the characters of
    :data:`~smsxml.protocol.AUTO_ENCODING` are replaced first. One character outside
    GSM 03.38 then makes the whole text UCS-2, limited to 737 characters instead of 1,600.
    """
    if not isinstance(text, str):
        raise InputError(f"send_plan() plans a text (str), not {type(text).__name__}")
    auto = bool(auto_encoding)
    sent = auto_encode(text) if auto else text
    encoding = GSM7 if _GSM.issuperset(sent) else UCS2
    return SendPlan(given=text, text=sent, auto_encoding=auto, encoding=encoding)


def planned(text: str, auto_encoding: bool) -> SendPlan:
    """:func:`send_plan`, the same plan for the same text (of Plivo's length at most) lately
    planned: a reply's text is planned when the webhook checks it, when the simulator checks
    it and when it sends it (its units counted once). For smsxml's own use: the plan is
    shared, so nothing of it may be changed."""
    if isinstance(text, str) and len(text) <= MAX_TEXT_LENGTH:
        return _cached_plan(text, bool(auto_encoding))
    return send_plan(text, auto_encoding=auto_encoding)


@lru_cache(maxsize=256)
def _cached_plan(text: str, auto_encoding: bool) -> SendPlan:
    return send_plan(text, auto_encoding=auto_encoding)
