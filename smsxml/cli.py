"""The ``smsxml`` command line: validate XML, sign and verify, count segments, send.

Subcommands are :class:`Command` registrations, so other modules add theirs without
touching this one: a module listed in :data:`EXTENSION_MODULES` defines
``CLI_COMMANDS = [Command(...), ...]``, or code calls :func:`register`. Every failure
is one line ``smsxml: error: …`` on stderr with exit status 2; an auth token is never
printed.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .exc import CliError, SmsxmlError
from .tokens import ENV_VAR, redact, resolve_token

__all__ = [
    "Command",
    "CliError",
    "EXTENSION_MODULES",
    "register",
    "commands",
    "build_parser",
    "main",
    "add_auth_token_argument",
    "auth_token_from",
]

PROG = "smsxml"

#: Modules whose ``CLI_COMMANDS`` (a list of :class:`Command`) are added to the command
#: line, e.g. ``"smsxml.webhook"``. A listed module that does not exist is skipped.
EXTENSION_MODULES: list[str] = ["smsxml.cli_flow"]



@dataclass(frozen=True)
class Command:
    """One subcommand: ``add_arguments(parser)`` declares its options, ``run(args)`` does
    the work and returns the exit status (raise :class:`~smsxml.exc.SmsxmlError` on bad
    input: it becomes ``smsxml: error: …`` and exit 2)."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    description: str = ""


_REGISTRY: dict[str, Command] = {}


def register(command: Command, *, replace: bool = False) -> Command:
    """Add a subcommand. A second command with the same name is refused unless ``replace``."""
    if command.name in _REGISTRY and not replace and _REGISTRY[command.name] != command:
        raise ValueError(f"a subcommand named {command.name!r} is already registered")
    _REGISTRY[command.name] = command
    return command


def _load_extensions() -> None:
    for name in EXTENSION_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # not written (yet); anything else is a real bug
                continue
            raise
        for command in getattr(module, "CLI_COMMANDS", ()):
            register(command)


def commands() -> list[Command]:
    """Every registered subcommand (built-in and from :data:`EXTENSION_MODULES`)."""
    _load_extensions()
    return list(_REGISTRY.values())


# --- helpers for commands -------------------------------------------------------------------


def add_timeout_argument(parser: argparse.ArgumentParser, what: str = "the reply") -> None:
    """``--timeout SECONDS`` (default 10) for commands that wait on a server."""
    parser.add_argument(
        "--timeout", type=float, default=10.0, metavar="SECONDS",
        help=f"how long to wait for {what} (default: 10)",
    )


def add_auth_token_argument(parser: argparse.ArgumentParser, main: bool = False) -> None:
    """``--auth-token`` (and with ``main``, ``--main-auth-token``)."""
    parser.add_argument(
        "--auth-token",
        metavar="TOKEN",
        help=f"auth token to sign with (default: ${ENV_VAR}, else the demo token); "
        f"prefer ${ENV_VAR}: command lines end up in shell history",
    )
    if main:
        parser.add_argument(
            "--main-auth-token",
            metavar="TOKEN",
            help="the main account's auth token (X-Plivo-Signature-Ma-V2)",
        )


def auth_token_from(args: argparse.Namespace) -> str:
    """The token from ``--auth-token``, else ``$PLIVO_AUTH_TOKEN``, else the demo token
    (with a notice on stderr)."""
    given = getattr(args, "auth_token", None) or os.environ.get(ENV_VAR)
    if not given:
        print(
            f"{PROG}: no auth token given (--auth-token or {ENV_VAR}); using the demo token",
            file=sys.stderr,
        )
    return resolve_token(given)


def _read_input(name: str, what: str) -> tuple[bytes, str]:
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


# --- validate -------------------------------------------------------------------------------


def _add_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the XML file to check, or - for stdin")


def _run_validate(args: argparse.Namespace) -> int:
    from .xml import validate

    data, shown = _read_input(args.file, "XML")
    problems = validate(data)
    for problem in problems:
        label = "" if problem.severity == "error" else f"{problem.severity}: "
        print(f"{shown}:{problem.line}:{problem.column}: {problem.code} {label}{problem.message}")
        if problem.hint:
            print(f"    hint: {problem.hint}")
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if errors:
        print(
            f"{shown}: not valid Plivo Message XML ({_count(errors, 'error')}, "
            f"{_count(warnings, 'warning')})"
        )
        return 1
    extra = f" ({_count(warnings, 'warning')})" if warnings else ""
    print(f"{shown}: valid Plivo Message XML{extra}")
    return 0


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --- sign / verify --------------------------------------------------------------------------


def _add_sign(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="the full URL Plivo calls")
    parser.add_argument("--nonce", help="the X-Plivo-Signature-V2-Nonce (default: a new one)")
    parser.add_argument("--explain", action="store_true", help="show every step")
    add_auth_token_argument(parser)


def _run_sign(args: argparse.Namespace) -> int:
    from .signature import explain_v2, make_nonce, sign_v2

    token = auth_token_from(args)
    nonce = args.nonce if args.nonce is not None else make_nonce()
    if args.explain:
        print(explain_v2(args.url, nonce, token))
    elif args.nonce is None:
        print(f"X-Plivo-Signature-V2-Nonce: {nonce}")
        print(f"X-Plivo-Signature-V2: {sign_v2(args.url, nonce, token)}")
    else:
        print(sign_v2(args.url, nonce, token))
    return 0


def _add_verify(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="the URL your app was called at")
    parser.add_argument("--nonce", required=True, help="the X-Plivo-Signature-V2-Nonce header")
    parser.add_argument(
        "--signature", required=True, help="the X-Plivo-Signature-V2 (or -Ma-V2) header"
    )
    parser.add_argument(
        "--public-url", help="the message_url configured at Plivo, if a proxy/tunnel is between"
    )
    add_auth_token_argument(parser, main=True)


def _run_verify(args: argparse.Namespace) -> int:
    from .signature import base_url, validate_v2

    token = auth_token_from(args)
    main_token = args.main_auth_token
    base = base_url(args.url)
    if validate_v2(args.url, args.nonce, args.signature, token):
        print(f"valid: signed for {base} + nonce with this auth token")
        return 0
    if main_token and validate_v2(args.url, args.nonce, args.signature, main_token):
        print(f"valid: signed for {base} + nonce with the main account's token (Ma-V2)")
        return 0
    from .diagnose import diagnose_v2

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


# --- segments -------------------------------------------------------------------------------


def _add_segments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", metavar="TEXT", help="the message text, or - to read stdin")


def _run_segments(args: argparse.Namespace) -> int:
    from .units import segments

    if args.text == "-":
        data, _ = _read_input("-", "the text")
        text = data.decode("utf-8", errors="strict").removesuffix("\n")
    else:
        text = args.text
    print(segments(text).describe())
    return 0


# --- inbound --------------------------------------------------------------------------------


def _add_inbound(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", metavar="URL", help="your app's message_url")
    parser.add_argument(
        "--from", dest="from_", required=True, metavar="NUMBER", help="the sender's number"
    )
    parser.add_argument("--to", required=True, metavar="NUMBER", help="your Plivo number")
    parser.add_argument("--text", required=True, help="the message text")
    parser.add_argument("--get", action="store_true", help="use GET instead of POST")
    parser.add_argument(
        "--curl", action="store_true", help="print the equivalent curl command instead of sending"
    )
    parser.add_argument("--nonce", help="the nonce to sign with (default: a new one)")
    parser.add_argument("--message-uuid", metavar="UUID", help="default: a new UUID")
    add_timeout_argument(parser, "the reply")
    add_auth_token_argument(parser, main=True)


def _run_inbound(args: argparse.Namespace) -> int:
    from .inbound import inbound_request

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
    return 0 if reply.ok else 1


for _command in (
    Command(
        "validate",
        "check a Plivo Message XML document",
        _add_validate,
        _run_validate,
        "Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage error or unreadable "
        "file. Problems are printed as FILE:LINE:COL: CODE message.",
    ),
    Command("sign", "compute the X-Plivo-Signature-V2 of a URL and nonce", _add_sign, _run_sign),
    Command(
        "verify",
        "check an X-Plivo-Signature-V2 and explain a mismatch",
        _add_verify,
        _run_verify,
        "Exit status: 0 valid, 1 invalid (with the likely cause), 2 error.",
    ),
    Command("segments", "count the SMS units (segments) of a text", _add_segments, _run_segments),
    Command(
        "inbound",
        "send your app the signed request Plivo sends for an incoming SMS",
        _add_inbound,
        _run_inbound,
        "Prints the HTTP status on stderr and the reply body on stdout. Exit status: 0 "
        "for a 2xx reply, 1 for another status, 2 when it cannot be sent.",
    ),
):
    register(_command)


# --- main -----------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            # A mistyped option (--auth-tokn SECRET) must not echo its value: show names only.
            words = message[len(prefix) :].split()
            message = prefix + " ".join(w if w.startswith("-") else "…" for w in words)
        message = redact(message, os.environ.get(ENV_VAR))
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    from . import __version__ as version

    parser = _Parser(
        prog=PROG,
        description="Learn and explore how Plivo controls SMS with XML.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {version}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for command in commands():
        child = sub.add_parser(
            command.name, help=command.help, description=command.description or command.help
        )
        command.add_arguments(child)
        child.set_defaults(_run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (never raises for bad input)."""
    try:
        args = build_parser().parse_args(argv)
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
    except (SmsxmlError, OSError, UnicodeError) as exc:
        message = redact(str(exc) or type(exc).__name__, *secrets).replace("\n", " ")
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
