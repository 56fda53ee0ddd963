"""``smsxml sign --url URL [--nonce N]``: the X-Plivo-Signature-V2 Plivo would send."""

from __future__ import annotations

import argparse

from ..protocol import NONCE_HEADER, SIGNATURE_HEADER
from ..signature import explain_v2, make_nonce, sign_v2
from ._args import add_auth_token_argument, auth_token_from, non_empty

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="the full URL Plivo calls")
    parser.add_argument("--nonce", type=non_empty, help=f"the {NONCE_HEADER} (default: a new one)")
    parser.add_argument("--explain", action="store_true", help="show every step")
    add_auth_token_argument(parser, "sign")


def run(args: argparse.Namespace) -> int:
    """Print the signature (and the nonce when it was made up here), or every step."""
    token = auth_token_from(args)
    nonce = args.nonce if args.nonce is not None else make_nonce()
    if args.explain:
        print(explain_v2(args.url, nonce, token))
    elif args.nonce is None:
        print(f"{NONCE_HEADER}: {nonce}")
        print(f"{SIGNATURE_HEADER}: {sign_v2(args.url, nonce, token)}")
    else:
        print(sign_v2(args.url, nonce, token))
    return 0
