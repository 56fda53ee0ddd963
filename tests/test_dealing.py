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
    live = list(range(workers))
    allowed = [w for w in live if dealing.may_run(w, live, workers, BROWSER)]
    assert allowed == list(range(browsers))
    assert all(dealing.may_run(w, live, workers, OTHER) for w in live)


@pytest.mark.parametrize(
    ("live", "allowed"),
    [([2], [2]), ([1, 4], [1, 4]), ([0, 1], [0, 1]), ([1, 2, 3, 4], [1, 2])],
    ids=["one-left-of-a-short-run", "gw0-crashed", "the-others-done", "gw0-replaced"],
)
def test_browser_tests_go_to_the_first_of_the_workers_still_here(
    live: list[int], allowed: list[int]
) -> None:
    """Ranked among the live workers (4 configured): a run is never left with browser tests
    no worker may take (``pytest tests/browser/x.py::one`` keeps whichever worker)."""
    assert [w for w in live if dealing.may_run(w, live, 4, BROWSER)] == allowed


def test_a_notebook_and_the_floods_stay_whole_every_other_test_goes_alone() -> None:
    assert dealing._scope("notebooks/01_message_flow.ipynb::Cell 3") == (
        "notebooks/01_message_flow.ipynb"
    )
    assert dealing._scope("tests/test_load.py::test_flood[2]") == "tests/test_load.py"
    slowloris = "tests/test_server.py::test_500_slow_connections_do_not_delay_200_signed_requests"
    assert dealing._scope(slowloris) == "tests/test_load.py"  # never beside a flood
    assert dealing._scope(OTHER) == OTHER and dealing._scope(BROWSER) == BROWSER
