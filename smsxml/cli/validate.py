"""``smsxml validate FILE``: check a Plivo Message XML document, one line per problem."""

from __future__ import annotations

import argparse

from .._text import plural
from ..xml import MAX_DOCUMENT_BYTES, Problem, validate
from ._args import read_input

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the XML file to check, or - for stdin")


def problem_lines(problems: list[Problem], shown: str) -> list[str]:
    """``FILE:LINE:COL: CODE message`` and its hint, per problem (shared with ``inbound``)."""
    lines = []
    for problem in problems:
        label = "" if problem.severity == "error" else f"{problem.severity}: "
        where = f"{shown}:{problem.line}:{problem.column}"
        lines.append(f"{where}: {problem.code} {label}{problem.message}")
        if problem.hint:
            lines.append(f"    hint: {problem.hint}")
    return lines


def run(args: argparse.Namespace) -> int:
    """Print ``FILE:LINE:COL: CODE message`` (and a hint) per problem; 1 when invalid."""
    data, shown = read_input(args.file, "XML", MAX_DOCUMENT_BYTES)
    problems = validate(data)
    for line in problem_lines(problems, shown):
        print(line)
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if errors:
        print(
            f"{shown}: not valid Plivo Message XML ({plural(errors, 'error')}, "
            f"{plural(warnings, 'warning')})"
        )
        return 1
    extra = f" ({plural(warnings, 'warning')})" if warnings else ""
    print(f"{shown}: valid Plivo Message XML{extra}")
    return 0
