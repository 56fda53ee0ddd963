"""``smsxml segments TEXT``: how many SMS units (segments) a text takes, and why."""

from __future__ import annotations

import argparse

from ..units import segments
from ._args import read_input

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", metavar="TEXT", help="the message text, or - to read stdin")


def run(args: argparse.Namespace) -> int:
    """Print the encoding, the units and what each can hold."""
    if args.text == "-":
        data, _ = read_input("-", "the text")
        text = data.decode("utf-8", errors="strict").removesuffix("\n")
    else:
        text = args.text
    print(segments(text).describe())
    return 0
