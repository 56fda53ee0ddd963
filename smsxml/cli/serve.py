"""``smsxml serve``: run an auto-reply message_url webhook on this machine and print one
line per request (status, signature verdict, why a request was refused) until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from .._hosts import is_loopback
from .._text import plural
from ..exc import CliError
from ..webhook import Handler, LocalWebhook, LogEntry, ServerLimits
from ._args import (
    PROG,
    add_auth_token_argument,
    add_old_token_argument,
    add_public_url_argument,
    at_least_one,
    auth_token_from,
    check_record_file,
    listen_error,
    port,
    seconds,
    threads,
)
from ._output import out, say
from ._until_stopped import until_stopped
from .auto_reply import DEFAULT_REPLY, auto_reply
from .log_lines import describe_entry

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only)",
    )
    parser.add_argument(
        "--port", type=port, default=5000, help="port to listen on (default: 5000; 0: any free)"
    )
    parser.add_argument(
        "--path", default="/receive_sms/", help="the message_url path (default: /receive_sms/)"
    )
    parser.add_argument(
        "--reply",
        default=DEFAULT_REPLY,
        metavar="TEXT",
        help=f"the auto-reply; {{text}}, {{from}}, {{to}} are filled in (default: "
        f"{DEFAULT_REPLY!r}; '' sends no SMS)",
    )
    parser.add_argument(
        "--record", metavar="FILE", help="append every request to FILE (JSON lines, for replay)"
    )
    parser.add_argument(
        "--no-signature",
        action="store_true",
        help="accept requests without a valid X-Plivo-Signature-V2 (not for production)",
    )
    add_public_url_argument(parser, "this server")
    limits = parser.add_argument_group("limits (what the server holds at most)")
    limits.add_argument(
        "--threads",
        type=threads,
        default=4,
        help="worker threads running the handler (default: 4; at most 256)",
    )
    limits.add_argument(
        "--connection-limit",
        type=at_least_one,
        metavar="N",
        help="open connections (default: 1000, fewer if the fd limit is low)",
    )
    limits.add_argument(
        "--max-body",
        type=at_least_one,
        default=65536,
        metavar="BYTES",
        help="largest request body (default: 65536; 413 beyond)",
    )
    limits.add_argument(
        "--request-timeout",
        type=seconds,
        default=10.0,
        metavar="SECONDS",
        help="time a request may take to arrive in full (default: 10; 408 beyond)",
    )
    add_auth_token_argument(parser, "check", main=True)
    add_old_token_argument(parser)


def _new_entries(entries: list[LogEntry], last: LogEntry | None) -> list[LogEntry]:
    """The entries after ``last`` (all of them if ``last`` is None or has left the log)."""
    if last is not None:
        for index in range(len(entries) - 1, -1, -1):
            if entries[index] is last:
                return entries[index + 1 :]
    return entries


def _warn(text: str) -> None:
    print(f"{PROG} serve: warning: {text}", file=sys.stderr)


def _start(
    args: argparse.Namespace, handler: Handler, token: str | tuple[str, ...], host: str
) -> LocalWebhook:
    """The webhook the options describe, listening; a :class:`CliError` when it cannot."""
    limits = ServerLimits(threads=args.threads, request_timeout=args.request_timeout)
    if args.connection_limit:
        limits = replace(limits, connection_limit=args.connection_limit)
    try:
        return LocalWebhook(
            handler,
            token,
            host=host,
            port=args.port,
            path=args.path,
            main_auth_token=args.main_auth_token,
            require_signature=not args.no_signature,
            public_url=args.public_url,
            record_to=args.record,
            max_body=args.max_body,
            limits=limits,
        )
    except (OSError, ValueError) as exc:  # --public-url is checked when parsed
        raise listen_error(host, args.port, exc) from None


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C or SIGTERM, printing one line per request; 0 when stopped."""
    if not args.path.startswith("/"):
        raise CliError(f"--path must start with '/', like /receive_sms/; got {args.path!r}")
    handler = auto_reply(args.reply)  # a bad template is refused before anything happens
    token = auth_token_from(args)
    secrets = (token, args.main_auth_token)
    host = args.host.strip("[]")
    check_record_file(args.record)
    tokens = (token, *(t for t in args.old_auth_token if t))  # rotation: any one validates
    hook = _start(args, handler, tokens, host)  # warnings only once it listens: a bad
    if not is_loopback(host):  # --host is one line of error, not a warning and an error
        _warn(
            f"listening on {host or 'every interface'}: anyone who can reach this machine can "
            "call the webhook (use --host 127.0.0.1 to keep it local)"
        )
    if args.no_signature:
        _warn(
            "signatures are not checked (--no-signature): the webhook answers anyone, not "
            "only Plivo"
        )
    last: LogEntry | None = None

    def flush() -> None:
        nonlocal last
        new = _new_entries(list(hook.log), last)
        for entry in new:
            say(describe_entry(entry), *secrets)
        if new:
            last = new[-1]

    try:
        out(f"{PROG} serve: message_url {hook.url}  (Ctrl-C to stop)")
        if args.public_url:
            out(f"{PROG} serve: signatures are checked for {hook.app.public_url}")
        if args.record:
            print(f"{PROG} serve: recording requests to {args.record}", file=sys.stderr)
        until_stopped(flush)
    except KeyboardInterrupt:  # a Ctrl-C before the wait began still stops cleanly
        pass
    finally:
        hook.stop()
    flush()
    print(f"{PROG} serve: stopped after {plural(hook.log.total, 'request')}", file=sys.stderr)
    return 0
