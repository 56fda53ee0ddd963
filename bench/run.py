#!/usr/bin/env python3
"""smsxml against its peers, measured in one run: a markdown table of medians and ratios.

    python bench/run.py            # the full run (a few minutes)
    python bench/run.py --quick    # a short run (CI; well under a minute)

One module per thing measured (imports, xml_rows, signatures, webhook, flows, hostile;
_common holds the timing and the table); this one runs them in order.

Rows (issue #6): ``import smsxml`` vs ``import plivo`` in fresh interpreters; building a
Message response vs the SDK's plivoxml; validating a V2 signature vs the SDK and vs the
bare-hmac floor; parse + validate of a typical document; a signed webhook round trip on
127.0.0.1 (``LocalWebhook`` vs the seed's Flask app on werkzeug's threaded server, each in
its own subprocess, driven by the same 8 keep-alive ``http.client`` threads); one full
simulated flow with delivery reports, in-process and over HTTP; hostile documents (entity
bombs, external entities, megabyte attributes, deep nesting, 10 MiB; the same ones the tests
use, from tests/strategies.py) through ``validate``, the webhook and the simulator; and
``LocalWebhook.stop()`` with clients that keep their connections open. The time limits
these last rows check were once unit-test assertions; the tests now check that the work
is bounded, and the speed is measured here.

Every figure is a median over repeats. A row whose target is missed says MISSED; the
script still exits 0 (it measures, it does not gate). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from _common import (
    Plan,
    Row,
    machine,
    table,
)
from flows import bench_simulator
from hostile import bench_hostile, bench_hostile_replies, bench_proxy_memory
from imports import bench_import
from signatures import bench_forgery, bench_signature
from webhook import bench_stop, bench_webhook, serve
from xml_rows import bench_build, bench_parse
from zero_install import bench_site

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- bench: start (python bench/run.py --readme) -->", "<!-- bench: end -->"


def write_readme(plan: Plan, lines: list[str], rows: list[Row]) -> None:
    """Put this run's machine and table between README.md's bench markers: the README's
    figures are always a run of this script, never typed by hand."""
    text = README.read_text(encoding="utf-8")
    before, start, rest = text.partition(START)
    _, end, after = rest.partition(END)
    if not (start and end):
        raise SystemExit(f"README.md has no {START} … {END} markers")
    run = "quick" if plan.quick else "full"
    body = "\n".join(
        [f"A {run} run of `python bench/run.py`, on:", "", *(f"- {line}" for line in lines)]
    )
    README.write_text(f"{before}{START}\n{body}\n\n{table(rows)}\n{END}{after}", encoding="utf-8")
    print(f"README.md: the Speed table is now this run's ({len(rows)} rows)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (CI)")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    parser.add_argument(
        "--readme",
        action="store_true",
        help="also write the machine and the table into README.md's Speed section",
    )
    parser.add_argument("--serve", choices=["smsxml", "flask", "floor"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.serve)

    plan = Plan.make(args.quick)
    started = time.perf_counter()
    print(f"# smsxml benchmark ({'quick' if plan.quick else 'full'} run)\n")
    for line in machine():
        print(f"- {line}")
    print(flush=True)
    rows: list[Row] = []
    build_time = float("nan")

    def build() -> list[Row]:
        nonlocal build_time
        new, build_time = bench_build(plan)
        return new

    steps: list[tuple[str, Callable[[], list[Row]]]] = [
        ("import", lambda: bench_import(plan)),
        ("build", build),
        ("signature", lambda: bench_signature(plan)),
        ("parse", lambda: bench_parse(plan, build_time)),
        ("webhook", lambda: bench_webhook(plan)),
        ("forgery", lambda: bench_forgery(plan)),
        ("simulator", lambda: bench_simulator(plan)),
        ("hostile", lambda: bench_hostile(plan)),
        ("hostile replies", lambda: bench_hostile_replies(plan)),
        ("proxy memory", lambda: bench_proxy_memory(plan)),
        ("stop", lambda: bench_stop(plan)),
        ("site", lambda: bench_site(plan)),
    ]
    for name, step in steps:
        t0 = time.perf_counter()
        try:
            new = step()
        except Exception as exc:  # report and go on: one broken row must not hide the rest
            new = [
                Row(f"{name}: could not measure", f"{type(exc).__name__}: {exc}"[:120], met=False)
            ]
        rows += new
        print(f"  ({name}: {time.perf_counter() - t0:.1f} s)", file=sys.stderr, flush=True)
    print(table(rows))
    missed = [r.measure for r in rows if r.met is False]
    print(f"\n{len(missed)} target(s) MISSED" + (": " + "; ".join(missed) if missed else ""))
    print(f"(medians; {time.perf_counter() - started:.0f} s in all)")
    if args.readme:
        write_readme(plan, machine(), rows)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                [r.__dict__ | {"status": r.status} for r in rows], indent=2, ensure_ascii=False
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
