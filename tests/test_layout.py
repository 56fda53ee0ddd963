"""The package's shape: each module says what it is, and imports point one way only.

Read statically (ast), so a cycle is caught even where Python's import system would let it
pass by luck of order. Imports inside functions and under ``if TYPE_CHECKING:`` do not count:
they run late, on purpose.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "smsxml"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> set[str]:
    """The smsxml modules ``module`` imports when it is itself imported."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    edges: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join(base + ([node.module] if node.module else []))
            subs = {f"{name}.{a.name}" for a in node.names} & MODULES.keys()
            edges |= subs
            if len(subs) < len(node.names) and name in MODULES:
                edges.add(name)
        elif isinstance(node, ast.Import):
            edges |= {a.name for a in node.names} & MODULES.keys()
    return edges - {module}


def test_there_is_no_import_cycle() -> None:
    graph = {m: _imports(m, p) for m, p in MODULES.items()}
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                pytest.fail("import cycle: " + " -> ".join([*trail, dep]))
            if dep not in state:
                visit(dep, [*trail, dep])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_the_checker_sees_a_cycle_when_there_is_one(tmp_path: Path) -> None:
    """The cycle test above can fail: the same reading of imports finds a planted cycle."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("from .b import x\n")
    b.write_text("from .a import y\n")
    MODULES.update({"smsxml.a": a, "smsxml.b": b})
    try:
        assert _imports("smsxml.a", a) == {"smsxml.b"}
        assert _imports("smsxml.b", b) == {"smsxml.a"}
    finally:
        del MODULES["smsxml.a"], MODULES["smsxml.b"]


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
    even counting function-level imports, and at most five of those, each with a reason."""
    done = subprocess.run(
        [sys.executable, str(PACKAGE.parent / "tools" / "layout_report.py")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout
