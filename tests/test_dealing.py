"""How the suite is dealt to pytest-xdist's workers (the root ``conftest.py``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest


def _dealing() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "conftest.py"
    spec = importlib.util.spec_from_file_location("smsxml_root_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dealing = _dealing()
BROWSER = "tests/browser/test_lite.py::test_x"
OTHER = "tests/test_xml.py::test_y"


@pytest.mark.parametrize(("workers", "browsers"), [(1, 1), (2, 1), (3, 2), (4, 2), (8, 4)])
def test_half_the_workers_rounded_up_run_browser_tests(workers: int, browsers: int) -> None:
    assert dealing.browser_workers(workers) == browsers
    allowed = [w for w in range(workers) if dealing.may_run(w, workers, BROWSER)]
    assert allowed == list(range(browsers))
    assert all(dealing.may_run(w, workers, OTHER) for w in range(workers))


def test_a_notebook_and_the_floods_stay_whole_every_other_test_goes_alone() -> None:
    assert dealing._scope("notebooks/01_message_flow.ipynb::Cell 3") == (
        "notebooks/01_message_flow.ipynb"
    )
    assert dealing._scope("tests/test_load.py::test_flood[2]") == "tests/test_load.py"
    assert dealing._scope(OTHER) == OTHER and dealing._scope(BROWSER) == BROWSER
