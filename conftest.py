"""How the suite is dealt out to pytest-xdist's workers (tests/ and notebooks/ alike)."""

from __future__ import annotations

from typing import Any

import pytest

#: Run whole, in one worker: test_load.py's floods, one after another. (So does each
#: notebook: its cells share one kernel.)
_TOGETHER = ("tests/test_load.py",)
#: Load tests elsewhere that time each answer (the slowloris one: each of 200 answers in
#: under a second): run with the floods, one after another, never beside one of them
#: filling both cores.
_WITH_THE_FLOODS = frozenset(
    {"tests/test_server.py::test_500_slow_connections_do_not_delay_200_signed_requests"}
)
#: Tests that drive a Chromium (each worker that runs one starts its own, and a JupyterLab).
_BROWSER = "tests/browser/"


def _scope(nodeid: str) -> str:
    """The unit a worker is given: a notebook or test_load.py whole (with the load tests
    :data:`_WITH_THE_FLOODS` names), else one test."""
    if nodeid in _WITH_THE_FLOODS:
        return _TOGETHER[0]
    path = nodeid.split("::", 1)[0]
    return path if path.endswith(".ipynb") or path.startswith(_TOGETHER) else nodeid


def browser_workers(workers: int) -> int:
    """How many of ``workers`` may run browser tests: half, rounded up. A browser test keeps
    a core busy, and most of the rest wait (on timeouts, slow clients, subprocesses): so
    the others run alongside, in the time the browsers leave, and never start a third
    Chromium to fight the first two for the cores."""
    return (workers + 1) // 2


def may_run(worker: int, live: list[int], configured: int, nodeid: str) -> bool:
    """Whether worker number ``worker``, of the workers ``live`` now (``configured`` at the
    start), may be given test ``nodeid``: the first :func:`browser_workers` of those live
    may run anything, the others no browser test. (Ranked among the live ones: a worker that
    replaces a crashed one, or the one left in a run of a single test, runs browser tests.)"""
    rank = sorted(live).index(worker)
    return rank < browser_workers(max(configured, len(live))) or not nodeid.startswith(_BROWSER)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist load`` (the default in pyproject.toml) deals tests out one by one to whichever
    worker is free, except what :func:`_scope` keeps together, and browser tests only to the
    workers :func:`may_run` allows, browser tests first. (pytest-xdist's own ``loadgroup``
    would group with markers, but loses its groups on pytest 9.2:
    pytest-dev/pytest-xdist#1386.) Any other ``--dist`` is pytest-xdist's own."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class _Dealt(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

        def _first_for(self, node: Any) -> str | None:
            """The unit ``node`` is given next: a browser test if it may run one."""
            live = [int(n.gateway.id.removeprefix("gw")) for n in self.nodes]
            number = int(node.gateway.id.removeprefix("gw"))
            browsers = may_run(number, live, self.numnodes, _BROWSER)  # once, not per unit
            first = None
            for scope in self.workqueue:
                if scope.startswith(_BROWSER):
                    if browsers:
                        return scope
                elif not browsers:
                    return scope
                elif first is None:
                    first = scope
            return first

        def _assign_work_unit(self, node: Any) -> None:
            scope = self._first_for(node)
            if scope is None:
                return
            self.workqueue.move_to_end(scope, last=False)  # the unit popped next
            super()._assign_work_unit(node)

        def _reschedule(self, node: Any) -> None:
            if node.shutting_down:
                return
            if self._first_for(node) is None:  # nothing left this worker may run
                if not self._pending_of(self.assigned_work.get(node, {})):
                    node.shutdown()
                return
            super()._reschedule(node)

    return _Dealt(config, log)
