"""How the package is laid out, counted: module and function sizes, import cycles (counting
imports inside functions too) and the function-level imports left, each with its reason.

    python tools/layout_report.py            # the report; exit 1 when a limit is crossed
    python tools/layout_report.py --json     # the same as data

The limits (issue 23, "the renovation"): no module over 600 lines (the problem catalogue in
``xml/problems.py`` aside), no function over 80 lines, no import cycle, at most five
function-level imports of smsxml's own modules, each with a one-line reason (a comment), and
at most two modules writing HTML tables by hand (``_html.py``, the helper, is one), and one
module computing an HMAC (``signature/_digest.py``: verification lives in one room).
Function-level imports of other packages are listed apart: keeping ``import smsxml`` light
means importing plivo, requests, waitress, ipywidgets, phonenumbers and sqlite3 only where
they are used.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "smsxml"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
MAX_FUNCTION_IMPORTS = 5
MAX_TABLE_WRITERS = 2  # modules that write "<table": the HTML helper, and one more at most
EXEMPT_MODULES = {"smsxml.xml.problems"}  # the catalogue of problems: data, not logic
HMAC_MODULE = "smsxml.signature._digest"  # the one module that computes an HMAC


@dataclass
class Report:
    modules: dict[str, int] = field(default_factory=dict)
    long_modules: list[str] = field(default_factory=list)
    long_functions: list[str] = field(default_factory=list)
    function_imports: list[str] = field(default_factory=list)
    lazy_packages: list[str] = field(default_factory=list)
    unexplained_imports: list[str] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)
    table_writers: list[str] = field(default_factory=list)
    hmac_makers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.long_modules
            or self.long_functions
            or self.cycles
            or self.unexplained_imports
            or len(self.function_imports) > MAX_FUNCTION_IMPORTS
            or len(self.table_writers) > MAX_TABLE_WRITERS
            or set(self.hmac_makers) - {HMAC_MODULE}
        )


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _target(module: str, is_package: bool, node: ast.ImportFrom, known: set[str]) -> set[str]:
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1] if node.level else []
    name = ".".join(base + ([node.module] if node.module else []))
    subs = {f"{name}.{a.name}" for a in node.names} & known
    return subs | ({name} & known if len(subs) < len(node.names) else set())


def _in_type_checking(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _in_function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return True
    return False


def report() -> Report:
    paths = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    known = set(paths)
    result = Report()
    graph: dict[str, set[str]] = {m: set() for m in paths}
    for module, path in paths.items():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        result.modules[module] = len(lines)
        if "<table" in text:
            result.table_writers.append(module)
        if "hmac.new(" in text or "hmac.HMAC(" in text:
            result.hmac_makers.append(module)
        if len(lines) > MAX_MODULE_LINES and module not in EXEMPT_MODULES:
            result.long_modules.append(f"{module}: {len(lines)} lines")
        tree = ast.parse(text)
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    result.long_functions.append(f"{module}.{node.name}: {length} lines")
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if _in_type_checking(node, parents):
                continue
            if isinstance(node, ast.ImportFrom):
                targets = _target(module, path.name == "__init__.py", node, known)
            else:
                targets = {a.name for a in node.names} & known
            graph[module] |= targets
            if _in_function(node, parents):
                where = f"{module}:{node.lineno} {ast.unparse(node)}"
                if not targets:  # another package, imported where it is used
                    result.lazy_packages.append(where)
                    continue
                result.function_imports.append(where)
                if "#" not in lines[node.lineno - 1] and not any(
                    "#" in lines[i] for i in range(node.lineno, node.end_lineno or node.lineno)
                ):
                    result.unexplained_imports.append(where)
        graph[module].discard(module)
    result.cycles = find_cycles(graph)
    return result


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle in ``graph`` (module → the modules it imports), as a path."""
    found: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for dep in sorted(graph[node]):
            if dep.startswith(node + ".") or node.startswith(dep + "."):
                continue  # a package and its own modules are one room
            if state.get(dep) == "open":
                found.append([*trail[trail.index(dep) :], dep])
            elif dep not in state:
                visit(dep, [*trail, dep])
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    result = report()
    if args.json:
        print(json.dumps(asdict(result) | {"ok": result.ok}, indent=2))
        return 0 if result.ok else 1
    biggest = sorted(result.modules.items(), key=lambda kv: -kv[1])[:5]
    print(f"{len(result.modules)} modules, {sum(result.modules.values()):,} lines")
    print("largest: " + ", ".join(f"{m} {n}" for m, n in biggest))
    sections = [
        (f"modules over {MAX_MODULE_LINES} lines", result.long_modules),
        (f"functions over {MAX_FUNCTION_LINES} lines", result.long_functions),
        ("import cycles", [" -> ".join(c) for c in result.cycles]),
        (
            f"function-level imports of smsxml's modules (at most {MAX_FUNCTION_IMPORTS})",
            result.function_imports,
        ),
        ("… of them without a reason", result.unexplained_imports),
        (f'modules writing "<table" (at most {MAX_TABLE_WRITERS})', result.table_writers),
        (f"modules computing an HMAC (only {HMAC_MODULE})", result.hmac_makers),
        ("other packages imported where used (kept lazy)", result.lazy_packages),
    ]
    for title, items in sections:
        print(f"{title}: {len(items)}")
        for item in items:
            print(f"  {item}")
    print("OK" if result.ok else "limits crossed")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
