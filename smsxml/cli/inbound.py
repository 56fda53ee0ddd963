"""``smsxml inbound URL --from N --to N --text T``: send your app the signed request Plivo
sends for an incoming SMS (or print it as a curl command)."""

from __future__ import annotations

import argparse
import sys

from ..inbound import inbound_request
from ..protocol import XML_MEDIA_TYPES
from ..xml import summary, validate
from ._args import (
    add_auth_token_argument,
    add_inbound_arguments,
    add_timeout_argument,
    auth_token_from,
    check_media,
    non_empty,
)
from .validate import problem_lines

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_inbound_arguments(parser)
    parser.add_argument(
        "--curl", action="store_true", help="print the equivalent curl command instead of sending"
    )
    parser.add_argument(
        "--nonce", type=non_empty, help="the nonce to sign with (default: a new one)"
    )
    parser.add_argument("--message-uuid", metavar="UUID", help="default: a new UUID")
    add_timeout_argument(parser, "the reply")
    add_auth_token_argument(parser, "sign", main=True)


def run(args: argparse.Namespace) -> int:
    """The HTTP status on stderr, the reply body on stdout; 0 for a 2xx reply, else 1."""
    check_media(args)
    request = inbound_request(
        args.url,
        auth_token_from(args),
        from_=args.from_,
        to=args.to,
        text=args.text,
        method="GET" if args.get else "POST",
        message_uuid=args.message_uuid,
        nonce=args.nonce,
        main_auth_token=args.main_auth_token,
        type=args.type,
        media=args.media,
    )
    if args.curl:
        print(request.to_curl())
        return 0
    reply = request.send(timeout=args.timeout)
    kind = reply.content_type or "no content type"
    print(
        f"HTTP {reply.status} {reply.reason} ({kind}, {len(reply.body)} bytes, "
        f"{reply.elapsed * 1000:.0f} ms)",
        file=sys.stderr,
    )
    body = reply.text
    if body:
        print(body, end="" if body.endswith("\n") else "\n")
    if reply.ok and reply.content_type in XML_MEDIA_TYPES:
        problems = validate(reply.body)  # what Plivo would object to in the reply
        if problems:
            print(f"the reply has {summary(problems)}:", file=sys.stderr)
            for line in problem_lines(problems, "reply"):
                print(line, file=sys.stderr)
    return 0 if reply.ok else 1
