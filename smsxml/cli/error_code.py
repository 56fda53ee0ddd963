"""``smsxml error-code 200``: what a delivery report's ErrorCode means, from Plivo's table.

``smsxml error-code`` alone lists every code Plivo documents."""

from __future__ import annotations

import argparse

from ..exc import CliError
from ..protocol import ERROR_CODES, error_code

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "code", nargs="?", help="an ErrorCode from a delivery report (e.g. 200); none: list all"
    )
    parser.add_argument("--source", action="store_true", help="also say which page says so")


def run(args: argparse.Namespace) -> int:
    """Print the meaning of one code (0), or every code; exit 2 for a code Plivo lists none
    for."""
    if args.code is None:
        for known in ERROR_CODES.values():
            print(known if not args.source else f"{known}\n    source: {known.source}")
        return 0
    found = error_code(args.code)
    if found is None:
        listed = ", ".join(str(c) for c in ERROR_CODES)
        raise CliError(f"Plivo lists no message ErrorCode {args.code!r} (it lists {listed})")
    print(found)
    if args.source:
        print(f"source: {found.source}")
    return 0
