"""Arguments several commands share: the auth tokens, ``--timeout``, the number types
(port, seconds, at least one) and reading ``FILE`` or ``-`` (standard input)."""

from __future__ import annotations

import argparse
import errno
import math
import os
import re
import sys
from collections.abc import Callable
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from .._demo import DEMO_LOCAL_PORT, DEMO_NUMBER, DEMO_PHONE
from .._text import display_url
from ..exc import CliError
from ..phone import plivo_number
from ..protocol import MESSAGE_TYPES
from ..signature.canonical import public_origin
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
    "check_record_file",
    "display_url",
    "http_url",
    "media_url",
    "non_empty",
    "phone_number",
    "port",
    "public_url",
    "read_input",
    "seconds",
    "size",
    "threads",
    "url_passwords",
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
        type=public_url,
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


#: The longest wait any ``SECONDS`` option takes (a day): beyond is surely a typo.
MAX_SECONDS = 86400.0


#: The most worker threads ``serve --threads`` starts: each is a real thread.
MAX_THREADS = 256


def threads(value: str) -> int:
    """A number of worker threads, 1 to :data:`MAX_THREADS`."""
    number = at_least_one(value)
    if number > MAX_THREADS:
        raise argparse.ArgumentTypeError(f"{number} is above {MAX_THREADS} threads")
    return number


def seconds(value: str) -> float:
    """A number of seconds above 0."""
    number = _parsed(value, float, "a number of seconds")
    if not number > 0:
        raise argparse.ArgumentTypeError(f"{value} is not above 0 seconds")
    if not math.isfinite(number) or number > MAX_SECONDS:
        raise argparse.ArgumentTypeError(
            f"{value} is too long a wait (at most {MAX_SECONDS:g} seconds, one day)"
        )
    return number


def size(limit: int) -> str:
    """``limit`` bytes for a message: ``2 MiB``, ``64 KiB`` or ``100 bytes``."""
    for unit, name in ((1 << 20, "MiB"), (1 << 10, "KiB")):
        if limit >= unit and limit % unit == 0:
            return f"{limit // unit} {name}"
    return f"{limit} bytes"


def read_input(name: str, what: str, limit: int) -> tuple[bytes, str]:
    """The bytes of file ``name`` (``-``: standard input) and a name to show for it; at most
    ``limit`` bytes are read (more is a :class:`CliError` naming the limit), so an endless
    input (``/dev/zero``, ``yes |``) cannot fill the memory."""
    if name == "-":
        stdin = sys.stdin
        if stdin is None:
            raise CliError(f"no standard input to read {what} from")
        shown = "standard input"
        try:
            data = stdin.buffer.read(limit + 1)
        except OSError as exc:
            raise CliError(f"cannot read {what} from {shown}: {exc.strerror or exc}") from None
    else:
        if not name:
            raise CliError(f"no file given for the {what}: name one, or - for standard input")
        shown = name
        try:
            with open(name, "rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise CliError(f"cannot read {name}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise CliError(f"{shown} holds more than the {size(limit)} of {what} smsxml reads")
    return data, "<stdin>" if name == "-" else name


def check_record_file(path: str | None) -> None:
    """A ``--record FILE`` that can be appended to (created if missing); a
    :class:`CliError` now for a directory, a missing folder or no permission, rather than
    a failure at each request. The one check for ``serve`` and ``proxy``."""
    if path is None:
        return
    if not path:
        raise CliError("--record needs a file name (JSON lines are appended to it)")
    if os.path.isdir(path):
        raise CliError(f"cannot record to {path}: it is a directory; give a file in it")
    try:
        open(path, "a", encoding="utf-8").close()
    except OSError as exc:
        raise CliError(f"cannot record to {path}: {exc.strerror or exc}") from None


# scheme://userinfo@… : the userinfo of a URL, without parsing the rest (which may be broken)
_USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://([^/?#]*)@")


def url_passwords(words: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The passwords of the URLs among ``words`` (``http://user:PASSWORD@host``, also after
    an ``--option=``), even in a URL too broken to parse: never to be printed."""
    found = []
    for word in words:
        for candidate in (word, word.partition("=")[2]):
            match = _USERINFO.match(candidate)
            if match and ":" in match.group(1):
                password = match.group(1).partition(":")[2]
                if password:
                    found.append(password)
    return tuple(dict.fromkeys(found))


def non_empty(value: str) -> str:
    """Any text but the empty one (or only spaces)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return value


def _http_url(value: str, example: str) -> str:
    shown = display_url(value)
    if not value.strip():
        raise argparse.ArgumentTypeError(f"must be an http(s) URL, like {example}; got ''")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (parses the port: ValueError if it is not a number)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{shown!r} is not a usable URL ({exc}); give one like {example}"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{shown!r} is not an http(s) URL like {example}")
    return value


def http_url(value: str) -> str:
    """An absolute http(s) URL with a host (and, if any, a valid port): a message_url."""
    return _http_url(value, f"http://127.0.0.1:{DEMO_LOCAL_PORT}/receive_sms/")


def media_url(value: str) -> str:
    """``--media``: an absolute http(s) URL of a picture or file."""
    return _http_url(value, "https://example.com/photo.jpg")


def public_url(value: str) -> str:
    """``--public-url``: the absolute http(s) URL Plivo calls, without query or fragment —
    the one check for every command taking it (the webhook's own rule)."""
    try:
        public_origin(http_url(value))
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError(
            f"{display_url(value)!r} is not the URL Plivo calls: give the absolute http(s) "
            "message_url, without query or fragment, like https://abc.ngrok.app/receive_sms/"
        ) from None
    return value


#: The longest phone number (E.164: 15 digits).
_MAX_DIGITS = 15


def phone_number(value: str) -> str:
    """A phone number (``+1 415 555-0100`` or ``14155550100``), as Plivo writes it."""
    digits = plivo_number(value)
    if not (digits.isascii() and digits.isdigit()) or len(digits) > _MAX_DIGITS:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a phone number: give up to {_MAX_DIGITS} digits, like {DEMO_NUMBER}"
        )
    return digits


def add_inbound_arguments(parser: argparse.ArgumentParser) -> None:
    """The message_url and the inbound message Plivo sends to it (who texts which number,
    what, of which type, by GET or POST): one set for ``inbound`` and ``send``."""
    parser.add_argument("url", type=http_url, metavar="URL", help="your app's message_url")
    parser.add_argument(
        "--from",
        dest="from_",
        type=non_empty,
        default=DEMO_PHONE,
        metavar="NUMBER",
        help=f"the sender's number (default: {DEMO_PHONE})",
    )
    parser.add_argument(
        "--to",
        type=phone_number,
        default=DEMO_NUMBER,
        metavar="NUMBER",
        help=f"your Plivo number, the one texted (default: {DEMO_NUMBER})",
    )
    parser.add_argument("--text", required=True, help="the message text ('' for media only)")
    _add_message_type_arguments(parser)
    parser.add_argument("--get", action="store_true", help="call the URL with GET, not POST")


def check_media(args: argparse.Namespace) -> None:
    """``--media`` only with ``--type mms`` or ``whatsapp`` (said in option terms)."""
    if args.media and args.type == "sms":
        raise CliError("--media needs --type mms (or whatsapp): an SMS carries no media")


def listen_error(host: str, port: int, exc: Exception) -> CliError:
    """Why ``--host``/``--port`` cannot be listened on, in one line."""
    where = f"cannot listen on {host or 'every interface'}:{port}"
    if isinstance(exc, OSError):
        if exc.errno == errno.EADDRINUSE:
            return CliError(
                f"{where}: port {port} is in use by another program; choose another, "
                "or use --port 0 for any free port"
            )
        return CliError(f"{where}: {exc.strerror or exc}")
    if "host" not in str(exc).lower():
        return CliError(str(exc))
    return CliError(
        f"{where}: --host {host!r} is not an address of this machine "
        "(e.g. 127.0.0.1, ::1, or 0.0.0.0 for every interface)"
    )


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
        type=media_url,
        default=[],
        metavar="URL",
        help="a media URL the message carries (MMS or WhatsApp); repeatable",
    )
