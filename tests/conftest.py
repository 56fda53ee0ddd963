"""Shared fixtures: test tokens, one running LocalWebhook for the whole session, and a spy
on the XML parser (how much work smsxml did on a document, whatever the clock says)."""

from __future__ import annotations

import contextlib
import os
import pyexpat
import secrets
import threading
import time
import wsgiref.simple_server
import xml.parsers.expat
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import settings
from strategies import THOROUGH

from smsxml.inbound import InboundMessage
from smsxml.webhook import LocalWebhook
from smsxml.xml import Response

# Hypothesis's dev and CI profiles, for the tests that leave the number of examples to it
# (the others ask strategies.examples(n)): CI tries 100, a developer's run 20. No deadline:
# speed is measured in bench/, and a loaded machine must not fail a correct example.
settings.register_profile("ci", max_examples=100, deadline=None)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile("ci" if THOROUGH else "dev")


def pytest_configure(config: pytest.Config) -> None:
    """One hash seed for every pytest-xdist worker (they inherit the environment): a test
    parametrized over a set is then collected in the same order by each, as xdist requires.
    Random per run unless PYTHONHASHSEED is set; the header shows it, to reproduce a run."""
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        os.environ.setdefault("PYTHONHASHSEED", str(secrets.randbelow(2**32)))
        _compile_the_package()

    _make_notebook_kernel_start_patient()


def _compile_the_package() -> None:
    """Compile smsxml's bytecode once, as ``pip install`` does for an installed package: an
    editable install runs from the source tree, and where PYTHONDONTWRITEBYTECODE is set
    (CI images often set it) every subprocess, notebook kernel and fresh import the tests
    make would compile the whole package again. Up-to-date files are skipped."""
    import compileall
    from pathlib import Path

    import smsxml

    compileall.compile_dir(Path(smsxml.__file__).parent, quiet=1, workers=1)


def _make_notebook_kernel_start_patient() -> None:
    """nbval starts each notebook's kernel with its stderr thrown away; once, in CI, that
    kernel died before its first reply and all of a notebook's cells errored with no reason
    given. Keep the kernel's stderr, try again (up to three starts), and say so in the
    warnings summary; three failures raise with the kernel's own last words."""
    import tempfile
    import warnings

    import nbval.kernel

    start = nbval.kernel.start_new_kernel

    def start_patiently(*args: Any, **kwargs: Any) -> Any:
        said = ""
        for attempt in range(1, 4):
            kwargs["stderr"] = stderr = tempfile.TemporaryFile()
            try:
                return start(*args, **kwargs)
            except RuntimeError as error:
                stderr.seek(0)
                said = f"{error}; the kernel's stderr ended: {stderr.read()[-1500:]!r}"
                stderr.close()
                warnings.warn(f"notebook kernel start {attempt} of 3 failed: {said}", stacklevel=2)
        raise RuntimeError(f"the notebook kernel would not start in 3 tries: {said}")

    nbval.kernel.start_new_kernel = start_patiently


def pytest_report_header(config: pytest.Config) -> str:
    return f"PYTHONHASHSEED={os.environ.get('PYTHONHASHSEED')} (xdist workers)"


#: Test-only tokens; tests assert they never show up anywhere.
TOKEN = "MAtestTOKEN-sub-4c1f9e0b2a7d"
MAIN_TOKEN = "MAtestTOKEN-main-88e2d6a1f03c"


def reply_handler(message: InboundMessage) -> object:
    """Echo, unless the text asks for misbehaviour (tests of what the server survives)."""
    text = message.text
    if text == "raise":
        raise ValueError(f"handler failed while holding {TOKEN}")
    if text == "sleep":
        time.sleep(0.5)
    if text == "garbage":
        return 42
    if text == "none":
        return None
    if text == "bad xml":
        return "<Response><Message dst='x'>no src</Message></Response>"
    if text == "bytes":
        return b"<Response/>"
    if text == "leak":
        return f"<Response><!-- {TOKEN} --></Response>"
    return Response().add_message(f"echo: {text}", src=message.to, dst=message.from_)


@pytest.fixture(scope="session")
def auth_token() -> str:
    return TOKEN


@pytest.fixture(scope="session")
def main_token() -> str:
    return MAIN_TOKEN


@pytest.fixture(scope="session")
def hook():
    """A real server on 127.0.0.1 (default options) shared by the session's tests."""
    with LocalWebhook(reply_handler, TOKEN) as running:
        yield running


@pytest.fixture(scope="session")
def handler():
    return reply_handler


class _QuietHandler(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _serve(app: Callable) -> Iterator[str]:
    httpd = wsgiref.simple_server.make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture(scope="session")
def serve_wsgi() -> Callable:
    """Serve any small WSGI app on 127.0.0.1: ``with serve_wsgi(app) as base_url: ...``."""
    return _serve


# --- how much parsing was done -------------------------------------------------------------


class ExpatSpy:
    """What was asked of expat while watched (any thread): parsers created, ``Parse`` calls,
    bytes fed, and handler calls by handler name (``events["StartElementHandler"]``)."""

    def __init__(self) -> None:
        self.parsers = 0
        self.parse_calls = 0
        self.fed = 0
        self.events: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"<ExpatSpy {self.parsers} parser(s), {self.parse_calls} Parse call(s), "
            f"{self.fed:,} bytes fed, events {dict(self.events)}>"
        )

    def assert_bounded(self, code: str, documents: int = 1) -> None:
        """The work on ``documents`` documents whose first problem is ``code`` was bounded:
        one expat pass each, over the whole document at once; none at all for a document over
        the size cap; for one with a DOCTYPE, a pass that stopped there (no entity declared,
        no element read: nothing expanded, fetched or opened)."""
        if code == "too-large":
            assert (self.parsers, self.parse_calls) == (0, 0), self
            return
        assert self.parsers == self.parse_calls == documents, self
        if code == "doctype-forbidden":
            assert self.events["StartDoctypeDeclHandler"] == documents, self
            assert self.events["EntityDeclHandler"] == 0, self
            assert self.events["StartElementHandler"] == 0, self

    def _count(self, name: str, handler: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any) -> Any:
            with self._lock:
                self.events[name] += 1
            return handler(*args)

        return counted


class _WatchedParser:
    """An expat parser that reports to an :class:`ExpatSpy` (pyexpat's type is final)."""

    def __init__(self, real: Any, spy: ExpatSpy) -> None:
        object.__setattr__(self, "_real", real)
        object.__setattr__(self, "_spy", spy)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.endswith("Handler") and callable(value):
            value = self._spy._count(name, value)
        setattr(self._real, name, value)

    def Parse(self, data: Any, isfinal: bool = False) -> int:  # noqa: N802 (expat's name)
        with self._spy._lock:
            self._spy.parse_calls += 1
            self._spy.fed += len(data)
        return self._real.Parse(data, isfinal)


@contextlib.contextmanager
def _watch_expat() -> Iterator[ExpatSpy]:
    spy = ExpatSpy()
    real = xml.parsers.expat.ParserCreate

    def create(*args: Any, **kwargs: Any) -> _WatchedParser:
        with spy._lock:
            spy.parsers += 1
        return _WatchedParser(real(*args, **kwargs), spy)

    xml.parsers.expat.ParserCreate = pyexpat.ParserCreate = create  # type: ignore[assignment]
    try:
        yield spy
    finally:
        xml.parsers.expat.ParserCreate = pyexpat.ParserCreate = real  # type: ignore[assignment]


@pytest.fixture(scope="session")
def expat_spy() -> Callable[[], contextlib.AbstractContextManager[ExpatSpy]]:
    """``with expat_spy() as seen: validate(doc)`` → ``seen.parsers``, ``seen.fed``, …:
    how much work a document cost, counted rather than timed (load on the machine does not
    change it). Usable inside hypothesis tests (it is a factory, not per-test state)."""
    return _watch_expat


# --- measurements shown at the end of the run ----------------------------------------------

_SUMMARIES: list[tuple[str, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collect ``record_property("summary", line)`` (reports reach the controller from
    pytest-xdist workers too, with their properties)."""
    if report.when == "call":
        _SUMMARIES.extend(
            (report.nodeid, str(v)) for k, v in report.user_properties if k == "summary"
        )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _SUMMARIES:
        terminalreporter.section("measured")
        for nodeid, line in _SUMMARIES:
            terminalreporter.write_line(f"[{nodeid.rsplit('::', 1)[-1]}] {line}")
