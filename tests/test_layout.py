"""The package's shape: each module says what it is, and imports point one way only.

Read statically (ast, by tools/layout_report.py), so a cycle is caught even where Python's
import system would let it pass by luck of order. Imports inside functions count; those under
``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "smsxml"
sys.path.insert(0, str(PACKAGE.parent / "tools"))
import layout_report  # noqa: E402  (the repo's own yardstick, in tools/)


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def test_there_is_no_import_cycle() -> None:
    """Counting imports inside functions too (tools/layout_report.py reads them all)."""
    assert layout_report.report().cycles == []


def test_the_checker_sees_a_cycle_when_there_is_one() -> None:
    """The cycle test above can fail: a planted cycle is found, a package and its own
    modules are not one."""
    graph = {"smsxml.a": {"smsxml.b"}, "smsxml.b": {"smsxml.c"}, "smsxml.c": {"smsxml.a"}}
    assert layout_report.find_cycles(graph) == [["smsxml.a", "smsxml.b", "smsxml.c", "smsxml.a"]]
    assert layout_report.find_cycles({"smsxml.x": {"smsxml.x.y"}, "smsxml.x.y": {"smsxml.x"}}) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_says_what_it_is(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text())
    assert ast.get_docstring(tree), f"{module} has no module docstring"


def test_every_module_imports_first() -> None:
    """Importing any one module first works (no hidden dependence on import order): each is
    imported in turn with every smsxml module forgotten before it, in one interpreter."""
    names = sorted(m for m in MODULES if m != "smsxml.__main__")  # __main__ runs the CLI
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'smsxml']:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_renovation_limits_hold() -> None:
    """tools/layout_report.py: no module over 600 lines, no function over 80, no import cycle
    even counting function-level imports, at most five of those, each with a reason, and at
    most two modules writing HTML tables."""
    result = layout_report.report()
    assert result.ok, result


def test_one_module_computes_an_hmac() -> None:
    """Verification in one room: signature/_digest.py is where every HMAC is computed; V2,
    V3, the policy and the diagnosis ask it."""
    assert layout_report.report().hmac_makers == [layout_report.HMAC_MODULE]
