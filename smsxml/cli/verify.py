"""``smsxml verify --url URL --nonce N --signature SIG``: check a signature Plivo sent, and
explain a mismatch. The verdict is the one policy's (:func:`smsxml.verify`)."""

from __future__ import annotations

import argparse

from ..protocol import MA_SIGNATURE_HEADER, NONCE_HEADER, SIGNATURE_HEADER
from ..signature import base_url
from ..signature.diagnose import diagnose_v2
from ..signature.policy import verify
from ._args import (
    add_auth_token_argument,
    add_old_token_argument,
    add_public_url_argument,
    tokens_from,
)

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="the URL your app was called at")
    parser.add_argument("--nonce", required=True, help=f"the {NONCE_HEADER} header")
    parser.add_argument(
        "--signature",
        required=True,
        help=f"the {SIGNATURE_HEADER} (or {MA_SIGNATURE_HEADER}) header",
    )
    add_public_url_argument(parser, "your app")
    add_auth_token_argument(parser, "check", main=True)
    add_old_token_argument(parser)


def run(args: argparse.Namespace) -> int:
    """0 and ``valid: …`` when the signature fits; 1 and the likely cause otherwise."""
    base_url(args.url)  # a URL that cannot be checked is a usage error, said at once
    tokens = tokens_from(args)
    main_token: str | None = args.main_auth_token
    # The signature as either header: V2 is checked with the token(s), Ma-V2 with the main
    # account's token; V2 signs no method or body, so POST stands for either method.
    headers = {NONCE_HEADER: args.nonce, SIGNATURE_HEADER: args.signature}
    if main_token:
        headers[MA_SIGNATURE_HEADER] = args.signature
    for url, where in ((args.url, ""), (args.public_url, "the public URL ")):
        if not url:
            continue
        result = verify(
            "POST", url, headers, auth_token=tokens, main_auth_token=main_token,
            versions=("V2",),
        )  # fmt: skip
        if result.accepted:
            index = result.token_index or 0
            who = (
                "the main account's token (Ma-V2)"
                if result.signature == "Ma-V2"
                else "this auth token"
                if index == 0
                else f"old token #{index} (--old-auth-token)"
            )
            print(f"valid: signed for {where}{base_url(url)} + nonce with {who}")
            return 0
    diagnosis = diagnose_v2(
        args.url,
        args.nonce,
        args.signature,
        tokens[0],
        main_auth_token=main_token,
        public_url=args.public_url,
    )
    print(f"invalid: {diagnosis}")
    return 1
