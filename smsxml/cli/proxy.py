"""``smsxml proxy --to http://127.0.0.1:5000``: stand between Plivo (or a tunnel) and your
app — in any language — forward everything untouched, and explain each exchange."""

from __future__ import annotations

import argparse
import sys
import threading

from .._text import plural
from ..proxy import Exchange, Proxy
from ._args import add_auth_token_argument, add_public_url_argument, auth_token_from, port, seconds
from ._output import out, printable

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--to", required=True, metavar="URL", help="your app, e.g. http://127.0.0.1:5000"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=port, default=8080, help="port to listen on (default: 8080; 0: any free)"
    )
    add_public_url_argument(parser, "--listen")
    parser.add_argument(
        "--record", metavar="FILE", help="append every request to FILE (JSON lines, for replay)"
    )
    parser.add_argument(
        "--timeout", type=seconds, default=15.0, metavar="SECONDS",
        help="how long your app may take to answer (default: 15; 504 beyond)",
    )  # fmt: skip
    add_auth_token_argument(parser, "check", main=True)


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
    token = auth_token_from(args)
    secrets = (token, args.main_auth_token)

    colour = sys.stdout.isatty()

    def show(exchange: Exchange) -> None:
        line = printable(f"{exchange.time.astimezone():%H:%M:%S}  {exchange}")
        for secret in secrets:
            if secret:
                line = line.replace(secret, "••••••••")
        out(_coloured(line, exchange) if colour else line)

    try:
        proxy = Proxy(
            args.to, token, host=args.host, port=args.port, public_url=args.public_url,
            main_auth_token=args.main_auth_token, record_to=args.record, timeout=args.timeout,
            on_exchange=show,
        )  # fmt: skip
    except OSError as exc:
        from ..exc import CliError

        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    out(f"smsxml proxy: {proxy.url} → {args.to}  (Ctrl-C to stop)")
    stop = threading.Event()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()
    print(
        f"smsxml proxy: stopped after {plural(len(proxy.exchanges), 'exchange')}", file=sys.stderr
    )
    return 0
