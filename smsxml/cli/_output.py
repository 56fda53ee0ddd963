"""Printing for the commands: at once (a reader on a pipe sees each line as it happens),
with tokens masked and control characters shown instead of obeyed."""

from __future__ import annotations

import re

from ..tokens import redact

__all__ = ["out", "printable", "say"]

# Characters that would let a request rewrite the terminal (escapes, bidi overrides…).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def out(text: str = "") -> None:
    """Print ``text`` to stdout and flush."""
    print(text, flush=True)


def printable(text: str) -> str:
    """``text`` on one line, with control characters shown as ``\\xNN`` instead of obeyed."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def say(text: str, *secrets: str | None) -> None:
    """Print ``text`` at once, each of ``secrets`` masked and every line made printable:
    for text that holds what others sent (a request, a reply) or might hold a token."""
    out("\n".join(printable(line) for line in redact(text, *secrets).split("\n")))
