"""What every bench module shares: the plan (quick or full), timing by medians, a row of the
table and its formatting, the machine's description, and the constants of the run.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TESTS = ROOT / "tests"  # strategies.py: the hostile documents the tests use
for _p in (str(ROOT), str(BENCH), str(TESTS)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

#: A token for this benchmark only (never a real one).
TOKEN = "MAbenchTOKEN-not-a-real-token-7f3a"
SRC, DST = "12025550000", "14155550100"
URL = "https://example.com/receive_sms/"
NONCE = "05429567804466091622"
CLIENT_THREADS = 8


@dataclass(frozen=True)
class Plan:
    """How hard to measure: ``--quick`` or the full run."""

    quick: bool
    import_repeats: int
    micro_repeats: int
    micro_seconds: float  # time per repeat of a micro-benchmark
    webhook_requests: int  # per round, all client threads together
    webhook_rounds: int
    flows: int

    @classmethod
    def make(cls, quick: bool) -> Plan:
        if quick:
            return cls(True, 8, 5, 0.02, 800, 1, 15)
        return cls(False, 40, 15, 0.1, 4000, 5, 150)


def _calibrate(timer: timeit.Timer, seconds: float) -> int:
    """How many calls take about ``seconds`` (like ``Timer.autorange``, to a chosen time)."""
    number = 1
    while True:
        spent = timer.timeit(number)
        if spent >= seconds / 5:
            return max(1, int(number * seconds / spent))
        number *= 10 if spent < seconds / 500 else 2


def per_call(funcs: dict[str, Callable[[], object]], plan: Plan) -> dict[str, float]:
    """Median seconds per call of each function. Repeats are interleaved (a, b, c, a, b, c…)
    so that a slow spell of the machine hits every contender alike."""
    timers = {k: timeit.Timer(f) for k, f in funcs.items()}
    numbers = {k: _calibrate(t, plan.micro_seconds) for k, t in timers.items()}
    samples: dict[str, list[float]] = {k: [] for k in funcs}
    for _ in range(plan.micro_repeats):
        for k, t in timers.items():
            samples[k].append(t.timeit(numbers[k]) / numbers[k])
    return {k: statistics.median(v) for k, v in samples.items()}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


@dataclass
class Row:
    """One line of the table. ``better``: "lower" (times) or "higher" (throughput)."""

    measure: str
    ours: str
    peer: str = "—"
    ratio: str = "—"
    target: str = "—"
    met: bool | None = None

    @property
    def status(self) -> str:
        return "—" if self.met is None else ("ok" if self.met else "**MISSED**")


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} µs" if seconds < 1e-5 else f"{seconds * 1e6:.1f} µs"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


def machine() -> list[str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return [
        f"platform: {platform.platform()}",
        f"CPU: {cpu}",
        f"cores: {os.cpu_count()}",
        f"Python: {platform.python_implementation()} {platform.python_version()}",
        f"plivo: {version('plivo')}; flask {version('flask')}; werkzeug {version('werkzeug')}; "
        f"smsxml {version('smsxml')}",
    ]


def median_of(fn: Callable[[], object], count: int) -> float:
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def slowest(funcs: dict[str, Callable[[], object]], repeats: int) -> tuple[str, float]:
    """(name, median seconds) of the slowest of ``funcs``, each timed ``repeats`` times,
    interleaved."""
    samples: dict[str, list[float]] = {k: [] for k in funcs}
    for _ in range(repeats):
        for k, f in funcs.items():
            t0 = time.perf_counter()
            f()
            samples[k].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in samples.items()}
    name = max(med, key=med.__getitem__)
    return name, med[name]


def table(rows: list[Row]) -> str:
    head = "| measure | smsxml | peer | ratio | target | status |\n|---|---|---|---|---|---|"
    body = [
        f"| {r.measure} | {r.ours} | {r.peer} | {r.ratio} | {r.target} | {r.status} |" for r in rows
    ]
    return "\n".join([head, *body])
