"""The public face: every name in ``smsxml.__all__`` resolves, lazily (SPEC 1), and the names
checkers see are the names run time gives."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import smsxml

INIT = Path(smsxml.__file__)


def test_every_public_name_resolves_to_its_module() -> None:
    for name in smsxml.__all__:
        value = getattr(smsxml, name)
        assert value is not None, name
        module = smsxml._WHERE[name]
        assert value is getattr(__import__(f"smsxml{module}", fromlist=[name]), name)
    assert set(smsxml.__all__) == set(smsxml._WHERE)
    assert sorted(dir(smsxml)) == sorted([*smsxml.__all__, "__version__"])


def test_checkers_see_the_same_names_as_run_time() -> None:
    """The TYPE_CHECKING imports and the lazy map give each name from the same module."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If))
    seen = {
        alias.name: "." + (node.module or "")
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert seen == smsxml._WHERE


def test_import_smsxml_loads_at_most_three_submodules() -> None:
    code = "import sys, smsxml; print(sorted(m for m in sys.modules if m.startswith('smsxml.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(out.stdout)  # a printed list of strings
    assert len(loaded) <= 3, loaded
    for heavy in ("plivo", "requests", "waitress", "ipywidgets"):
        check = f"import sys, smsxml; smsxml.Response; print({heavy!r} in sys.modules)"
        out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
        assert out.stdout.strip() == "False", heavy


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        smsxml.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("no AttributeError")


def test_the_pytest_plugin_loads_nothing_of_smsxml_until_used() -> None:
    """pytest loads the plugin in every project where smsxml is installed: it must be cheap."""
    code = (
        "import sys, pytest, smsxml.integrations.pytest_plugin as p\n"
        "print(sorted(m for m in sys.modules if m.startswith('smsxml.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert eval(out.stdout) == ["smsxml.integrations", "smsxml.integrations.pytest_plugin"]
