"""``smsxml send URL --text T``: play Plivo against any message_url with the offline
simulator (text it, execute its XML, send delivery reports) and print the whole flow."""

from __future__ import annotations

import argparse

from ..simulator import Simulator
from ._args import (
    add_auth_token_argument,
    add_inbound_arguments,
    add_timeout_argument,
    auth_token_from,
    check_media,
    phone_number,
)
from ._output import say

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_inbound_arguments(parser)
    parser.add_argument(
        "--number",
        action="append",
        type=phone_number,
        default=[],
        metavar="NUMBER",
        help="another number the account owns (a src your app may send from); repeatable",
    )
    parser.add_argument(
        "--seed", type=int, metavar="N", help="reproducible nonces, UUIDs and timestamps"
    )
    add_timeout_argument(parser, "each reply")
    add_auth_token_argument(parser, "sign", main=True)


def run(args: argparse.Namespace) -> int:
    """Print the flow and the reply body; 0 when Plivo would find no error, else 1."""
    check_media(args)
    token = auth_token_from(args)
    simulator = Simulator(
        token,
        numbers=(args.to, *args.number),
        main_auth_token=args.main_auth_token,
        seed=args.seed,
    )
    flow = simulator.receive_sms(
        args.url,
        args.from_,
        args.to,
        args.text,
        method="GET" if args.get else "POST",
        timeout=args.timeout,
        type=args.type,
        media=args.media,
    )
    lines = [str(flow)]
    if flow.reply is not None and flow.reply.text.strip():
        lines.append("  reply body:")
        lines += [f"    {line}" for line in flow.reply.text.rstrip("\n").splitlines()]
    say("\n".join(lines), token, args.main_auth_token)
    return 0 if flow.ok else 1
