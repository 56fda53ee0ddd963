"""``smsxml check URL``: a conformance run against any running message_url, in any
language — what Plivo sends, and whether the app answers as Plivo needs."""

from __future__ import annotations

import argparse

from .._demo import DEMO_NUMBER
from ..conformance import conformance
from ..protocol import ANSWER_TIMEOUT
from ._args import (
    add_auth_token_argument,
    add_public_url_argument,
    auth_token_from,
    http_url,
    phone_number,
    seconds,
)
from ._output import say

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "url",
        type=http_url,
        metavar="URL",
        help="your app's message_url, as this machine reaches it",
    )
    add_public_url_argument(parser, "URL")
    parser.add_argument(
        "--get", action="store_true", help="the app is configured for GET (message_method)"
    )
    parser.add_argument(
        "--number",
        action="append",
        type=phone_number,
        default=[],
        metavar="NUMBER",
        help="a number the account owns (repeatable; the first is the one texted; "
        f"default: {DEMO_NUMBER})",
    )
    parser.add_argument(
        "--timeout", type=seconds, default=ANSWER_TIMEOUT, metavar="SECONDS",
        help=f"how long to wait for an answer (default: {ANSWER_TIMEOUT:g}, Plivo's limit: "
        "later, Plivo abandons the attempt and retries)",
    )  # fmt: skip
    parser.add_argument(
        "--budget", type=seconds, default=3.0, metavar="SECONDS",
        help="how long an answer should take (default: 3; advice under the timeout)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_auth_token_argument(parser, "sign", main=False)


def run(args: argparse.Namespace) -> int:
    """The table (or JSON); 0 when every required check passed, else 1."""
    token = auth_token_from(args)
    result = conformance(
        args.url,
        token,
        public_url=args.public_url,
        method="GET" if args.get else "POST",
        numbers=args.number or (DEMO_NUMBER,),
        timeout=args.timeout,
        budget=args.budget,
    )
    say(result.to_json() if args.json else str(result), token)
    return 0 if result.passed else 1
