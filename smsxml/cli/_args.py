"""Arguments several commands share: the auth tokens, ``--timeout``, the number types
(port, seconds, at least one) and reading ``FILE`` or ``-`` (standard input)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Literal, TypeVar

from ..exc import CliError
from ..protocol import MESSAGE_TYPES
from ..tokens import ENV_VAR, resolve_token

_N = TypeVar("_N", int, float)

__all__ = [
    "add_public_url_argument",
    "PROG",
    "TokenUse",
    "add_auth_token_argument",
    "add_timeout_argument",
    "auth_token_from",
    "at_least_one",
    "port",
    "read_input",
    "seconds",
]

PROG = "smsxml"

#: What a command does with the auth token: make signatures, or check the ones it gets.
TokenUse = Literal["sign", "check"]

_TOKEN_PURPOSE: dict[TokenUse, tuple[str, str]] = {
    "sign": ("to sign with", "to add an X-Plivo-Signature-Ma-V2"),
    "check": ("to check signatures with", "to accept an X-Plivo-Signature-Ma-V2"),
}


def add_auth_token_argument(
    parser: argparse.ArgumentParser, use: TokenUse, *, main: bool = False
) -> None:
    """``--auth-token`` (and with ``main``, ``--main-auth-token``), their help saying what
    the command does with them (``use``)."""
    purpose, main_purpose = _TOKEN_PURPOSE[use]
    parser.add_argument(
        "--auth-token",
        metavar="TOKEN",
        help=f"auth token {purpose} (default: ${ENV_VAR}, else the demo token); "
        f"prefer ${ENV_VAR}: command lines end up in shell history",
    )
    if main:
        parser.add_argument(
            "--main-auth-token",
            metavar="TOKEN",
            help=f"the main account's auth token, {main_purpose}",
        )


def add_old_token_argument(parser: argparse.ArgumentParser) -> None:
    """``--old-auth-token`` (repeatable): tokens still accepted while you rotate to a new one."""
    parser.add_argument(
        "--old-auth-token",
        metavar="TOKEN",
        action="append",
        default=[],
        help="a token still accepted while you rotate tokens (repeat for several); the "
        "verdict says which token validated",
    )


def tokens_from(args: argparse.Namespace) -> tuple[str, ...]:
    """The auth token (as :func:`auth_token_from`), then any ``--old-auth-token``."""
    return (auth_token_from(args), *(t for t in getattr(args, "old_auth_token", []) if t))


def auth_token_from(args: argparse.Namespace) -> str:
    """The token from ``--auth-token``, else ``$PLIVO_AUTH_TOKEN``, else the demo token
    (with a notice on stderr)."""
    given: str | None = getattr(args, "auth_token", None) or os.environ.get(ENV_VAR)
    if not given:
        print(
            f"{PROG}: no auth token given (--auth-token or {ENV_VAR}); using the demo token",
            file=sys.stderr,
        )
    return resolve_token(given)


def add_timeout_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """``--timeout SECONDS`` (default 10) for commands that wait on a server."""
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=10.0,
        metavar="SECONDS",
        help=f"how long to wait for {what} (default: 10)",
    )


def add_public_url_argument(parser: argparse.ArgumentParser, between: str) -> None:
    """``--public-url``: the URL Plivo signs, when a tunnel or proxy forwards to ``between``
    (e.g. "this server"); the one wording for check, proxy, serve and verify."""
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help=f"the message_url configured at Plivo, when a tunnel or proxy forwards to {between} "
        "(e.g. https://abc.ngrok.app/receive_sms/): signatures are checked against it",
    )


def _parsed(value: str, convert: Callable[[str], _N], what: str) -> _N:
    try:
        return convert(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not {what}") from None


def port(value: str) -> int:
    """A TCP port, 0 (any free one) to 65535."""
    number = _parsed(value, int, "a port number")
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{number} is not a port number (0-65535; 0: any free)")
    return number


def at_least_one(value: str) -> int:
    """A whole number, 1 or more."""
    number = _parsed(value, int, "a whole number")
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is below 1")
    return number


def seconds(value: str) -> float:
    """A number of seconds above 0."""
    number = _parsed(value, float, "a number of seconds")
    if not number > 0:
        raise argparse.ArgumentTypeError(f"{value} is not above 0 seconds")
    return number


def read_input(name: str, what: str) -> tuple[bytes, str]:
    """The bytes of file ``name`` (``-``: standard input) and a name to show for it."""
    if name == "-":
        if sys.stdin is None:
            raise CliError(f"no standard input to read {what} from")
        return sys.stdin.buffer.read(), "<stdin>"
    try:
        with open(name, "rb") as handle:
            return handle.read(), name
    except OSError as exc:
        raise CliError(f"cannot read {name}: {exc.strerror or exc}") from None


def add_inbound_arguments(parser: argparse.ArgumentParser) -> None:
    """The message_url and the inbound message Plivo sends to it (who texts which number,
    what, of which type, by GET or POST): one set for ``inbound`` and ``send``."""
    parser.add_argument("url", metavar="URL", help="your app's message_url")
    parser.add_argument(
        "--from",
        dest="from_",
        default="14155550100",
        metavar="NUMBER",
        help="the sender's number (default: 14155550100)",
    )
    parser.add_argument(
        "--to",
        default="12025550000",
        metavar="NUMBER",
        help="your Plivo number, the one texted (default: 12025550000)",
    )
    parser.add_argument("--text", required=True, help="the message text ('' for media only)")
    _add_message_type_arguments(parser)
    parser.add_argument("--get", action="store_true", help="call the URL with GET, not POST")


def _add_message_type_arguments(parser: argparse.ArgumentParser) -> None:
    """``--type sms|mms|whatsapp`` and ``--media URL`` (repeatable) for an inbound message."""
    parser.add_argument(
        "--type",
        choices=MESSAGE_TYPES,
        default="sms",
        help="the inbound message's type (default: sms); MMS and WhatsApp text goes in Body",
    )
    parser.add_argument(
        "--media",
        action="append",
        default=[],
        metavar="URL",
        help="a media URL the message carries (MMS or WhatsApp); repeatable",
    )
