"""``smsxml segments TEXT``: how many SMS units (segments) a text takes, and why."""

from __future__ import annotations

import argparse

from ..exc import CliError
from ..units import segments
from ._args import read_input

__all__ = ["MAX_TEXT_BYTES", "add_arguments", "run"]

#: The most ``smsxml segments -`` reads from standard input: far beyond the 1600
#: characters Plivo sends, so any real message fits, and an endless input does not.
MAX_TEXT_BYTES = 64 * 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", metavar="TEXT", help="the message text, or - to read stdin")


def _without_line_end(text: str) -> str:
    """``text`` without the one line ending (``\\r\\n`` or ``\\n``) that ``echo`` or a
    file's last line puts at its end; anything before it is part of the message."""
    if text.endswith("\r\n"):
        return text[:-2]
    return text.removesuffix("\n")


def run(args: argparse.Namespace) -> int:
    """Print the encoding, the units and what each can hold."""
    if args.text == "-":
        data, _ = read_input("-", "text", MAX_TEXT_BYTES)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CliError(
                f"standard input is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                f"{exc.start})"
            ) from None
        text = _without_line_end(text)
    else:
        text = args.text
    print(segments(text).describe())
    return 0
