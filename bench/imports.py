"""``import smsxml`` (and the pytest plugin, and the CLI) against ``import plivo``, each in
fresh interpreters, side by side.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from _common import ROOT, Plan, Row, ms


def bench_import(plan: Plan) -> list[Row]:
    """Wall time of a fresh interpreter doing the import, minus one doing nothing. Bytecode
    is cached as for any installed package (pip compiles plivo's at install time; the
    warm-up round writes smsxml's), whatever PYTHONDONTWRITEBYTECODE says here."""
    codes = {
        "empty": "pass",
        "smsxml": "import smsxml",
        "plivo": "import plivo",
        "pytest": "import pytest",
        "plugin": "import pytest, smsxml.integrations.pytest_plugin",
    }
    times: dict[str, list[float]] = {k: [] for k in codes}
    unset = ("PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    for _ in range(plan.import_repeats + 1):
        for name, code in codes.items():  # interleaved, so drift hits all three alike
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
            times[name].append(time.perf_counter() - started)
    med = {k: statistics.median(v[1:]) for k, v in times.items()}  # first round: warm-up
    ours, peer = med["smsxml"] - med["empty"], med["plivo"] - med["empty"]
    ratio = ours / peer
    plugin = med["plugin"] - med["pytest"]
    return [
        Row(
            f"`import` (fresh interpreter, minus `python -c pass` = {ms(med['empty'])})",
            ms(ours),
            f"{ms(peer)} (`import plivo`)",
            f"{ratio:.3f}×",
            "≤ 1/3 of plivo",
            ratio <= 1 / 3,
        ),
        Row(
            "the pytest plugin, loaded in every project with smsxml (minus `import pytest`)",
            ms(plugin),
            f"{ms(med['pytest'] - med['empty'])} (`import pytest`)",
            f"{plugin / (med['pytest'] - med['empty']):.3f}×",
            "≤ 15 ms",
            plugin <= 0.015,
        ),
    ]
