"""``smsxml proxy --to http://127.0.0.1:5000``: stand between Plivo (or a tunnel) and your
app — in any language — forward everything untouched, and explain each exchange."""

from __future__ import annotations

import argparse
import sys

from .._text import plural
from ..protocol import ANSWER_TIMEOUT
from ..proxy import Exchange, Proxy
from ._args import (
    add_auth_token_argument,
    add_old_token_argument,
    add_public_url_argument,
    at_least_one,
    check_record_file,
    display_url,
    http_url,
    listen_error,
    port,
    seconds,
    tokens_from,
)
from ._output import out, printable
from ._until_stopped import until_stopped

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--to",
        type=http_url,
        required=True,
        metavar="URL",
        help="your app, e.g. http://127.0.0.1:5000",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=port, default=8080, help="port to listen on (default: 8080; 0: any free)"
    )
    add_public_url_argument(parser, "this proxy")
    parser.add_argument(
        "--record", metavar="FILE", help="append every request to FILE (JSON lines, for replay)"
    )
    parser.add_argument(
        "--timeout", type=seconds, default=ANSWER_TIMEOUT, metavar="SECONDS",
        help=f"how long your app may take to answer in all (default: {ANSWER_TIMEOUT:g}, "
        "Plivo's limit; 504 beyond)",
    )  # fmt: skip
    parser.add_argument(
        "--max-body", type=at_least_one, default=65536, metavar="BYTES",
        help="largest request body forwarded (default: 65536; 413 beyond)",
    )  # fmt: skip
    parser.add_argument(
        "--max-answer", type=at_least_one, default=1 << 20, metavar="BYTES",
        help="largest answer from your app passed back (default: 1048576; 502 beyond)",
    )  # fmt: skip
    parser.add_argument(
        "--forwarded-headers", action="store_true",
        help="add X-Forwarded-For/-Proto/-Host (default: forward the headers as sent, Host "
        "included, so your app checks signatures against the URL the client called)",
    )  # fmt: skip
    add_auth_token_argument(parser, "check", main=True)
    add_old_token_argument(parser)


_RED, _AMBER, _GREEN, _RESET = "\x1b[31m", "\x1b[33m", "\x1b[32m", "\x1b[0m"


def _coloured(line: str, exchange: Exchange) -> str:
    """Red when a forgery was served or the app failed, amber for an answer Plivo cannot use
    or a refused signature, green when all is well (only on a terminal)."""
    if exchange.served_unsigned or exchange.status >= 500:
        colour = _RED
    elif exchange.error or exchange.problems or exchange.verdict in ("invalid", "missing"):
        colour = _AMBER
    else:
        colour = _GREEN
    return f"{colour}{line}{_RESET}"


def run(args: argparse.Namespace) -> int:
    """One line per exchange until Ctrl-C; exit 0."""
    check_record_file(args.record)
    tokens = tokens_from(args)
    upstream = args.to.rstrip("/")
    shown_upstream = display_url(upstream)
    colour = sys.stdout.isatty()

    def show(exchange: Exchange) -> None:  # an exchange holds no token: it is shown whole
        text = str(exchange).replace(upstream, shown_upstream)  # no password from --to
        line = printable(f"{exchange.time.astimezone():%H:%M:%S}  {text}")
        out(_coloured(line, exchange) if colour else line)

    try:
        proxy = Proxy(
            args.to, tokens, host=args.host, port=args.port, public_url=args.public_url,
            main_auth_token=args.main_auth_token, record_to=args.record, timeout=args.timeout,
            max_body=args.max_body, max_answer=args.max_answer,
            forwarded_headers=args.forwarded_headers, on_exchange=show,
        )  # fmt: skip
    except (OSError, ValueError) as exc:  # --to and --public-url are checked when parsed
        raise listen_error(args.host, args.port, exc) from None
    try:  # from the first line on: a Ctrl-C right after it still stops cleanly (exit 0)
        out(f"smsxml proxy: {proxy.url} → {display_url(args.to)}  (Ctrl-C to stop)")
        until_stopped()
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()
    print(
        f"smsxml proxy: stopped after {plural(len(proxy.exchanges), 'exchange')}", file=sys.stderr
    )
    return 0
