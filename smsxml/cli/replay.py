"""``smsxml replay FILE --url URL``: send recorded webhook requests again (re-signed for
URL, or as recorded) and compare what they get now with what was recorded."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from .._text import plural, shorten, url_path
from ..exc import CliError
from ..playback import ReplayResult, replay
from ..recording import MAX_RECORDING_BYTES, RecordedRequest, loads
from ..signature.policy import verify
from ._args import (
    add_auth_token_argument,
    add_old_token_argument,
    add_timeout_argument,
    auth_token_from,
    http_url,
    read_input,
)
from ._output import out, say

__all__ = ["add_arguments", "run"]

#: The largest recording ``smsxml replay`` reads (thousands of requests; an endless file
#: such as /dev/zero is refused at this size instead of filling the memory).


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a recording (smsxml serve --record FILE)")
    parser.add_argument("--url", type=http_url, required=True, help="where to send the requests")
    parser.add_argument(
        "--no-resign",
        action="store_true",
        help="send the recorded signatures unchanged (default: sign each request anew for URL)",
    )
    add_timeout_argument(parser, "each reply")
    add_auth_token_argument(parser, "sign", main=True)
    add_old_token_argument(parser)


def _line(
    number: int,
    result: ReplayResult,
    tokens: str | Sequence[str],
    main_token: str | None = None,
) -> str:
    """``#N METHOD PATH 'text'  recorded TIME: signature VERDICT  →  now: STATUS``; the
    verdict is the policy's on the request as recorded (on its own: no replay memory)."""
    original = result.original
    recorded = verify(
        original.method, original.url, original.headers, original.body_bytes,
        auth_token=tokens, main_auth_token=main_token,
    ).verdict  # fmt: skip
    text = original.params.get("Text")
    shown = f" {shorten(text, 30)!r}" if text is not None else ""
    if result.reply is None:
        now = f"not delivered: {result.error}"
    else:
        now = f"{result.reply.status} {result.reply.reason}".rstrip()
        body = result.reply.text.strip().splitlines()
        if not result.ok and body:
            reason = body[0].removeprefix(str(result.reply.status)).strip()
            now += f" ({shorten(reason, 80)})"
    return (
        f"#{number} {original.method} {url_path(original.url)}{shown}  recorded "
        f"{original.time}: signature {recorded}  →  now: {now}"
    )


def _load(name: str) -> list[RecordedRequest]:
    """The requests recorded in file ``name`` (or ``-``, standard input), read up to
    :data:`smsxml.recording.MAX_RECORDING_BYTES`; a bad line names ``file:line``."""
    if name != "-" and name and not os.path.exists(name):
        raise CliError(f"no recording at {name}")
    data, shown = read_input(name, "recorded requests", MAX_RECORDING_BYTES)
    return loads(data.decode("utf-8", errors="replace"), shown)


def run(args: argparse.Namespace) -> int:
    """One line per request, then the count answered 2xx; 0 when all of them were."""
    token = auth_token_from(args)
    entries = _load(args.file)
    if not entries:
        raise CliError(f"{args.file} holds no recorded requests")
    main_token: str | None = args.main_auth_token
    results = replay(
        entries, args.url, token, resign=not args.no_resign, timeout=args.timeout,
        main_auth_token=main_token,
    )  # fmt: skip
    judged_with = (token, *(t for t in args.old_auth_token if t))  # the recorded verdicts
    how = "as recorded" if args.no_resign else "re-signed for it"
    say(f"Replaying {plural(len(results), 'request')} from {args.file} to {args.url} ({how})")
    for number, result in enumerate(results, 1):
        say(_line(number, result, judged_with, main_token), token)
    answered = sum(r.ok for r in results)
    out(f"{answered} of {len(results)} answered 2xx")
    return 0 if answered == len(results) else 1
