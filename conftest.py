"""How the suite is dealt out to pytest-xdist's workers (tests/ and notebooks/ alike)."""

from __future__ import annotations

from typing import Any

import pytest

#: Run whole, each in one worker: a browser test file shares one JupyterLab, and
#: test_load.py's floods run one after another. (A notebook's cells always do: one kernel.)
_TOGETHER = ("tests/browser/", "tests/test_load.py")


def _scope(nodeid: str) -> str:
    """The unit a worker is given: a notebook or a file above whole, else one test."""
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
