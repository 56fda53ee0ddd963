"""Printing for the commands: at once (a reader on a pipe sees each line as it happens),
with tokens masked and control characters shown instead of obeyed."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO, cast

from ..tokens import redact

__all__ = ["hide_passwords", "masked_output", "out", "printable", "say"]

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


def hide_passwords(text: str, passwords: tuple[str, ...]) -> str:
    """``text`` with each ``:PASSWORD@`` (a URL's password) of ``passwords`` as ``:••••@``."""
    for password in passwords:
        text = text.replace(f":{password}@", ":••••@")
    return text


class _Masking:
    """A text stream writing to ``stream`` with the URL passwords masked."""

    def __init__(self, stream: TextIO, passwords: tuple[str, ...]):
        self._stream, self._passwords = stream, passwords

    def write(self, text: str) -> int:
        return self._stream.write(hide_passwords(text, self._passwords))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def masked_output(passwords: tuple[str, ...]) -> Iterator[None]:
    """While inside, whatever is printed to stdout and stderr (by smsxml, argparse, or a
    library) shows the URL passwords in ``passwords`` masked, as ``:••••@``."""
    if not passwords:
        yield
        return
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout = cast(TextIO, _Masking(stdout, passwords))
    sys.stderr = cast(TextIO, _Masking(stderr, passwords))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = stdout, stderr
