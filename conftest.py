"""How the suite is dealt out to pytest-xdist's workers (tests/ and notebooks/ alike)."""

from __future__ import annotations

from typing import Any

import pytest

#: Run whole, in one worker: test_load.py's floods, one after another. (So does each
#: notebook: its cells share one kernel.) Browser tests share one JupyterLab per worker.
_TOGETHER = ("tests/test_load.py",)


def _scope(nodeid: str) -> str:
    """The unit a worker is given: a notebook or test_load.py whole, else one test."""
    path = nodeid.split("::", 1)[0]
    return path if path.endswith(".ipynb") or path.startswith(_TOGETHER) else nodeid


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist load`` (the default in pyproject.toml) deals tests out one by one to whichever
    worker is free, except what :func:`_scope` keeps together. (pytest-xdist's own
    ``loadgroup`` would do this with markers, but loses its groups on pytest 9.2:
    pytest-dev/pytest-xdist#1386.) Any other ``--dist`` is pytest-xdist's own."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class _Together(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

    return _Together(config, log)
