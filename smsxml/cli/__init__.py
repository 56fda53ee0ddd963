"""The ``smsxml`` command line: validate XML, sign and verify, count segments, talk to a
webhook, serve one, replay recordings, and a demo.

Each subcommand is a module of this package with ``add_arguments(parser)`` and
``run(args) -> int``; :func:`build_parser` lists every one of them. Every failure is one
line ``smsxml: error: …`` on stderr with exit status 2, and an auth token is never printed
(not even one typed after a misspelt option).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, Protocol

from .. import __version__
from ..exc import SmsxmlError
from ..tokens import ENV_VAR, redact
from ._args import PROG, url_passwords
from ._output import hide_passwords, masked_output

__all__ = ["build_parser", "main"]

#: The subcommands taking a text that an unquoted space would split (the rest of it then
#: shows up as unrecognised arguments), and how to write such a text for them.
_QUOTED_TEXT = {
    "segments": 'smsxml segments "see you at 5"',
    "inbound": '--text "see you at 5"',
    "send": '--text "see you at 5"',
    "serve": '--reply "see you at 5"',
}

_UNRECOGNIZED = "unrecognized arguments: "
_HIDDEN = "…"


class _Command(Protocol):
    """What a subcommand module provides."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


class _Parser(argparse.ArgumentParser):
    """Errors as one line ``smsxml: error: …``, without the words in :attr:`hidden`."""

    hidden: tuple[str, ...] = ()

    def error(self, message: str) -> NoReturn:
        message = redact(message, *self.hidden, os.environ.get(ENV_VAR))
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def _names_a_token(option: str) -> bool:
    """True for an option word that is (or may have been meant as) a token option:
    ``--auth-token``, ``--main-auth-token``, a prefix of them, or a misspelling."""
    name = option.lstrip("-").lower()
    if not option.startswith("-") or not name:
        return False
    return (
        "auth" in name
        or "tok" in name
        or any(full.startswith(name) for full in ("auth-token", "main-auth-token"))
    )


def _token_values(argv: Sequence[str]) -> tuple[str, ...]:
    """The words of ``argv`` given as a token: after a token option, or after its ``=``."""
    values = []
    for index, word in enumerate(argv):
        before = argv[index - 1] if index else ""
        name, equals, value = word.partition("=")
        if equals and _names_a_token(name):
            values.append(value)
        elif "=" not in before and _names_a_token(before):
            values.append(word)
    return tuple(value for value in values if value)


def _unrecognized(extras: Sequence[str], hidden: Sequence[str], example: str | None) -> str:
    """argparse's "unrecognized arguments: …", each word shown unless it is a token value;
    with a hint (``example``, for a command taking a text) when the words look like the
    rest of a text split at its spaces."""
    shown = []
    for word in extras:
        name, equals, value = word.partition("=")
        if word in hidden:
            shown.append(_HIDDEN)
        elif equals and value in hidden:
            shown.append(f"{name}={_HIDDEN}")
        else:
            shown.append(word)
    message = _UNRECOGNIZED + " ".join(shown)
    if example and _HIDDEN not in shown and not any(w.startswith("-") for w in extras):
        message += f"; quote a text with spaces, like {example}"
    return message


#: Each subcommand: its name, its module, its one-line help and a longer description.
#: name, module (imported only when that command is the one run, or its help is asked for),
#: one-line help, description.
_SUBCOMMANDS: tuple[tuple[str, str, str, str], ...] = (
    (
        "validate",
        "validate",
        "check a Plivo Message XML document",
        "Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage error or unreadable "
        "file. Problems are printed as FILE:LINE:COL: CODE message.",
    ),
    ("sign", "sign", "compute the X-Plivo-Signature-V2 of a URL and nonce", ""),
    (
        "verify",
        "verify",
        "check an X-Plivo-Signature-V2 and explain a mismatch",
        "Exit status: 0 valid, 1 invalid (with the likely cause), 2 error.",
    ),
    ("segments", "segments", "count the SMS units (segments) of a text", ""),
    (
        "error-code",
        "error_code",
        "what a delivery report's ErrorCode means (Plivo's table, with its source)",
        "Exit status: 0 for a code Plivo lists, 2 for one it does not.",
    ),
    (
        "inbound",
        "inbound",
        "send your app the signed request Plivo sends for an incoming SMS",
        "Prints the HTTP status on stderr and the reply body on stdout. Exit status: 0 "
        "for a 2xx reply, 1 for another status, 2 when it cannot be sent.",
    ),
    (
        "serve",
        "serve",
        "run an auto-reply message_url webhook on this machine and log each request",
        "Prints the message_url on the first line, then one line per request (time, method, "
        "path, status, signature verdict, what happened) until Ctrl-C or SIGTERM; exit 0.",
    ),
    (
        "send",
        "send",
        "play Plivo: text a message_url, execute its XML, send delivery reports",
        "Runs the offline simulator against URL and prints the flow (reply, problems, SMS "
        "sent, delivery reports, timeline). Exit status: 0 when Plivo would find no error, "
        "1 otherwise, 2 on bad input.",
    ),
    (
        "check",
        "check",
        "grade any running message_url as Plivo needs it (a conformance run)",
        "Sends signed requests (plain, long Unicode, STOP, HELP, unknown parameters, MMS), "
        "unsigned, forged and misdirected ones and a replay, and grades the answers with a "
        "fix per failure. Exit status: 0 when every required check passes, 1 otherwise.",
    ),
    (
        "proxy",
        "proxy",
        "stand between Plivo and your app: forward untouched, explain each exchange",
        "Listens on --host/--port and forwards every request to --to unchanged, and the "
        "answer back; prints one line per exchange (signature verdict and why, status, "
        "Content-Type, XML problems, latency) until Ctrl-C. --record keeps them for replay.",
    ),
    (
        "replay",
        "replay",
        "send recorded webhook requests again (re-signed, or as recorded)",
        "One line per request: the recorded request and its signature vs the status it gets "
        "now. Exit status: 0 when every reply is 2xx, 1 otherwise, 2 on bad input.",
    ),
    (
        "demo",
        "demo",
        "the whole SMS flow offline in a few seconds (no token needed)",
        "Starts a local webhook and a delivery-report endpoint, texts it through the "
        "simulator, and shows the request, the reply XML, the SMS sent, the delivery reports "
        "and forged requests being refused.",
    ),
)


def _command(module: str) -> _Command:
    """A subcommand's module: imported here, for the one command being run."""
    command: _Command = importlib.import_module(f".{module}", __name__)
    return command


def _build(
    hidden: tuple[str, ...] = (), only: str | None = None
) -> tuple[_Parser, dict[str, _Parser]]:
    """The parser and, by name, the parser of each subcommand. With ``only``, the arguments
    of that subcommand alone are added (and only its module imported): ``smsxml sign`` does
    not load waitress, the proxy or the simulator."""
    parser = _Parser(prog=PROG, description="Learn and explore how Plivo controls SMS with XML.")
    parser.hidden = hidden
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    children: dict[str, _Parser] = {}

    for name, module, help, description in _SUBCOMMANDS:
        child = sub.add_parser(name, help=help, description=description or help)
        child.hidden = hidden
        if only is None or name == only:
            command = _command(module)
            command.add_arguments(child)
            child.set_defaults(_run=command.run)
        children[name] = child
    return parser, children


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    return _build()[0]


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    """``argv`` parsed; exits (:class:`SystemExit`) for --help, --version and usage errors."""
    hidden = _token_values(argv)
    names = {name for name, *_ in _SUBCOMMANDS}
    chosen = next((word for word in argv if not word.startswith("-")), None)
    parser, children = _build(hidden, chosen if chosen in names else None)
    args, extras = parser.parse_known_args(argv)
    if extras:
        command: str = args.command
        children.get(command, parser).error(
            _unrecognized(extras, hidden, _QUOTED_TEXT.get(command))
        )
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (never raises for bad input). A
    password in a URL given (``http://user:PASSWORD@host``) is never printed."""
    words = list(sys.argv[1:] if argv is None else argv)
    passwords = url_passwords(words)
    with masked_output(passwords):
        return _main(words, passwords)


def _main(words: list[str], passwords: tuple[str, ...]) -> int:
    try:
        args = _parse(words)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else 2
    secrets = (
        getattr(args, "auth_token", None),
        getattr(args, "main_auth_token", None),
        os.environ.get(ENV_VAR),
    )
    try:
        status = int(args._run(args))
        sys.stdout.flush()
        return status
    except BrokenPipeError:  # e.g. `smsxml segments … | head -1`: the reader left
        try:  # keep the interpreter's final flush from failing again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except (SmsxmlError, OSError, UnicodeError, ValueError) as exc:  # ValueError: a library
        # refusing a value no check here caught; still the user's input, said in one line
        message = redact(str(exc) or type(exc).__name__, *secrets).replace("\n", " ")
        message = hide_passwords(message, passwords)
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
