"""``smsxml verify --url URL --nonce N --signature SIG``: check a signature Plivo sent, and
explain a mismatch."""

from __future__ import annotations

import argparse

from ..diagnose import diagnose_v2
from ..protocol import MA_SIGNATURE_HEADER, NONCE_HEADER, SIGNATURE_HEADER
from ..signature import base_url, validate_v2
from ._args import add_auth_token_argument, add_public_url_argument, auth_token_from

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


def run(args: argparse.Namespace) -> int:
    """0 and ``valid: …`` when the signature fits; 1 and the likely cause otherwise."""
    token = auth_token_from(args)
    main_token: str | None = args.main_auth_token
    base = base_url(args.url)
    if validate_v2(args.url, args.nonce, args.signature, token):
        print(f"valid: signed for {base} + nonce with this auth token")
        return 0
    if main_token and validate_v2(args.url, args.nonce, args.signature, main_token):
        print(f"valid: signed for {base} + nonce with the main account's token (Ma-V2)")
        return 0
    public = args.public_url
    if public and validate_v2(public, args.nonce, args.signature, token):
        print(f"valid: signed for the public URL {base_url(public)} + nonce with this auth token")
        return 0
    if public and main_token and validate_v2(public, args.nonce, args.signature, main_token):
        print(
            f"valid: signed for the public URL {base_url(public)} + nonce with the main "
            "account's token (Ma-V2)"
        )
        return 0
    diagnosis = diagnose_v2(
        args.url,
        args.nonce,
        args.signature,
        token,
        main_auth_token=main_token,
        public_url=args.public_url,
    )
    print(f"invalid: {diagnosis}")
    return 1
