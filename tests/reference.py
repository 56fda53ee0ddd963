"""Brute-force reference implementations the tests compare smsxml with.

``reference_parts(text)`` splits an SMS into units by the simplest possible rules: the GSM
03.38 alphabet written out by hand (``REF_BASIC``, ``REF_EXTENSION``), then characters
packed greedily one by one. Slow and obviously right; smsxml.units must agree with it.
"""

from __future__ import annotations

# The GSM 03.38 default alphabet written out row by row (0x1B, the escape, left out).
REF_BASIC = (
    "@Δ 0¡P¿p"
    "£_!1AQaq"
    '$Φ"2BRbr'
    "¥Γ#3CScs"
    "èΛ¤4DTdt"
    "éΩ%5EUeu"
    "ùΠ&6FVfv"
    "ìΨ'7GWgw"
    "òΣ(8HXhx"
    "ÇΘ)9IYiy"
    "\nΞ*:JZjz"
    "Ø+;KÄkä"
    "øÆ,<LÖlö"
    "\ræ-=MÑmñ"
    "Åß.>NÜnü"
    "åÉ/?O§oà"
)
REF_EXTENSION = "\f^{}\\[~]|€"


def reference_parts(text: str) -> tuple[str, list[str], int]:
    """(encoding, parts, length) by the simplest possible rules."""
    if all(c in REF_BASIC or c in REF_EXTENSION for c in text):
        encoding, single, split = "GSM-7", 160, 153

        def cost(c: str) -> int:
            return 2 if c in REF_EXTENSION else 1
    else:
        encoding, single, split = "UCS-2", 70, 67

        def cost(c: str) -> int:
            return len(c.encode("utf-16-le")) // 2

    length = sum(cost(c) for c in text)
    if length <= single:
        return encoding, [text], length
    parts, current, used = [], "", 0
    for c in text:
        if used + cost(c) > split:
            parts.append(current)
            current, used = "", 0
        current += c
        used += cost(c)
    parts.append(current)
    return encoding, parts, length
