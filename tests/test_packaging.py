"""The project's own files: dependency lists agree, `import smsxml` stays light."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import smsxml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_lists_the_same_dependencies_as_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["lab"])
    pip_lines = [
        line.strip()[2:].strip()
        for line in (ROOT / "environment.yml").read_text().splitlines()
        if line.startswith("      - ")
    ]
    listed = {line for line in pip_lines if not line.startswith("-e")}
    assert listed == wanted
    assert "-e ." in pip_lines


def test_runtime_dependencies_are_the_documented_five() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {_name(d) for d in project["dependencies"]} == {
        "plivo",
        "requests",
        "ipywidgets",
        "phonenumbers",
        "waitress",
    }
    assert project["requires-python"] == ">=3.10"


def test_import_smsxml_is_light() -> None:
    code = (
        "import sys, smsxml\n"
        "heavy = [m for m in ('plivo', 'requests', 'ipywidgets', 'phonenumbers', 'lxml', "
        "'urllib3', 'IPython', 'waitress') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_api_is_reachable_from_the_package() -> None:
    for name in smsxml.__all__:
        assert getattr(smsxml, name) is not None, name
    assert callable(smsxml.segments) and callable(smsxml.replay)
