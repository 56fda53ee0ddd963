"""The public face: every name in ``smsxml.__all__`` resolves, lazily (SPEC 1), and the names
checkers see are the names run time gives."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import smsxml

INIT = Path(smsxml.__file__)


def _checked_names() -> dict[str, str]:
    """name → module, from the imports checkers see (the TYPE_CHECKING block)."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If))
    return {
        alias.name: "smsxml." + (node.module or "")
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_every_public_name_resolves_to_the_module_checkers_see() -> None:
    """At run time each name in __all__ is the very object the TYPE_CHECKING import names."""
    where = _checked_names()
    assert set(smsxml.__all__) == set(where)
    for name in smsxml.__all__:
        module = importlib.import_module(where[name])
        assert getattr(smsxml, name) is getattr(module, name), name
    assert sorted(dir(smsxml)) == sorted([*smsxml.__all__, "__version__"])


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


def test_a_command_loads_only_what_it_uses() -> None:
    """The CLI builds its table without importing every command: `smsxml sign` loads no
    webhook, simulator or proxy."""
    code = (
        "import sys\nfrom smsxml.cli import main\n"
        "main(['sign', '--url', 'https://example.com/x', '--nonce', '1', '--auth-token', "
        "'MAcliTOKEN-0123456789abcdef'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('smsxml.')), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(out.stderr.strip().splitlines()[-1])
    for heavy in ("smsxml.webhook", "smsxml.simulator", "smsxml.proxy", "smsxml.cli.serve"):
        assert heavy not in loaded, loaded
