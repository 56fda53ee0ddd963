"""The zero-install workshop: notebooks 00-03 in JupyterLite (Pyodide kernel), served from
127.0.0.1 by ``lite/serve.py`` and run to the end in a real Chromium — offline.

The site is what ``lite/build`` makes (built here when missing or older than the package and
the notebooks). Every request the page or its workers make to any host but 127.0.0.1 is
refused and recorded; the test fails if there is one. The server records what the site
asked it for: notebooks that use no widget must not load ipywidgets.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import threading
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
from browser_helpers import REPO_ROOT, errors_shown, open_notebook, run_all, shot
from browser_helpers import wait_until_all_ran as wait_all

pytestmark = pytest.mark.browser

LITE = REPO_ROOT / "lite"
SITE = LITE / "_output"
NOTEBOOKS = ("00_start_here", "01_message_flow", "02_composing_message_xml",
             "03_signature_validation")  # fmt: skip
RUN_TIMEOUT = 240_000  # ms: Pyodide starts, loads smsxml, runs every cell (2 cores)


def _sources() -> list[Path]:
    return [
        *(REPO_ROOT / "smsxml").rglob("*.py"),
        *(REPO_ROOT / "notebooks").glob("0[0-3]_*.ipynb"),
        *(LITE / "kernel").glob("*.*"),
        LITE / "build",
        LITE / "make_lock.py",
        LITE / "precompile.py",
        LITE / "jupyter-lite.json",
        LITE / "overrides.json",
    ]


def _built_and_fresh() -> bool:
    index = SITE / "index.html"
    return index.exists() and all(p.stat().st_mtime <= index.stat().st_mtime for p in _sources())


def _serve_module() -> ModuleType:
    """lite/serve.py (a script, not a package: loaded from its path)."""
    spec = importlib.util.spec_from_file_location("lite_serve", LITE / "serve.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class LiteSite:
    """The built site on 127.0.0.1, with what open_notebook asks of a Lab."""

    base: str
    outside: list[str] = field(default_factory=list)  # requests for other hosts, refused
    asked: list[str] = field(default_factory=list)  # paths the server answered

    def notebook_url(self, name: str) -> str:
        return f"{self.base}/lab/index.html?path={name}"

    def log_tail(self, lines: int = 30) -> str:
        return "(a static file server: no log)"


def _build_unless_fresh() -> None:
    """lite/build, when the site is missing or stale: one pytest-xdist worker builds it while
    any other that needs it waits (a POSIX file lock; the browser tests run on Linux)."""
    import fcntl

    (LITE / "_build").mkdir(exist_ok=True)
    with open(LITE / "_build" / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not _built_and_fresh():
            build = subprocess.run(
                ["bash", str(LITE / "build")], capture_output=True, text=True, timeout=900
            )
            assert build.returncode == 0, (
                f"lite/build failed:\n{build.stdout[-2000:]}\n{build.stderr[-3000:]}"
            )


@pytest.fixture(scope="module")
def lite_site() -> Iterator[LiteSite]:
    _build_unless_fresh()
    serve = _serve_module()
    asked: list[str] = []

    class Recording(serve.Handler):  # lite/serve.py's, noting each path it answers
        quiet = True

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            asked.append(urlsplit(self.path).path)

    # any free port: 8000, where a workshop serves it, is where in-process hooks say they are,
    # and other tests check that nothing listens there
    server = serve.make_server(SITE, port=0, handler=Recording)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiteSite(f"http://127.0.0.1:{server.server_port}", asked=asked)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def offline_page(browser: Any, lite_site: LiteSite) -> Iterator[Any]:
    """A page whose requests to any host but 127.0.0.1 are refused and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    context.set_default_timeout(30_000)

    def only_local(route: Any) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            lite_site.outside.append(url)
            route.abort()

    context.route("**/*", only_local)
    lite_site.asked.clear()
    try:
        yield context.new_page()
    finally:
        context.close()


def _clear_and_run_all(page: Any, artifacts: Path, notebook: str, what: str) -> None:
    """Edit → Clear Outputs of All Cells (the saved outputs and counts go: what shows
    afterwards was made here), then Run → Run All Cells."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Edit$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Clear Outputs of All Cells$")).click()
    panel = page.locator(".jp-NotebookPanel:visible")
    assert panel.locator(".jp-OutputArea-output").count() == 0, f"{notebook}: outputs left"
    run_all(page, artifacts, notebook, what)


def _run_to_the_end(
    page: Any, lite_site: LiteSite, artifacts: Path, name: str, record_property: Any
) -> Any:
    """Open notebook ``name`` in a fresh JupyterLite, clear it, run all its cells, and check
    what every notebook there must show (no error, every cell run in order, nothing asked of
    the internet, the lite wheels and ipywidgets only where used). Its panel, for more."""
    notebook = f"{name}.ipynb"
    started = time.monotonic()
    panel = open_notebook(page, lite_site, artifacts, notebook, "JupyterLite")
    ready = time.monotonic() - started
    _clear_and_run_all(page, artifacts, notebook, "JupyterLite")
    first_output = panel.locator(".jp-CodeCell .jp-OutputArea-output").first
    first_output.wait_for(timeout=RUN_TIMEOUT)
    first = time.monotonic() - started
    prompts = wait_all(page, artifacts, notebook, RUN_TIMEOUT)
    finished = time.monotonic() - started
    shot(page, artifacts, f"lite-{name}", full=True)
    shown = panel.locator(".jp-OutputArea-output").all_inner_texts()
    failures = [t for t in shown if re.search(r"Traceback|\b\w+Error: ", t)]
    assert not failures, f"{notebook} in JupyterLite:\n{errors_shown(page)}"
    assert prompts == [f"[{n}]:" for n in range(1, len(prompts) + 1)], prompts  # in order
    assert lite_site.outside == [], f"the site asked the internet for: {lite_site.outside}"
    wheels = sorted({Path(p).name.split("-")[0] for p in lite_site.asked if p.endswith(".whl")})
    assert "phonenumberslite" in wheels and "phonenumbers" not in wheels, wheels
    # ipywidgets loads with the first cell that imports smsxml.widgets, not before
    uses_widgets = name in ("02_composing_message_xml", "03_signature_validation")
    assert ("ipywidgets" in wheels) == uses_widgets, wheels
    record_property(
        "summary",
        f"{notebook}: notebook ready {ready:.1f} s, first output {first:.1f} s, "
        f"all {len(prompts)} code cells run {finished:.1f} s after opening the page",
    )
    return panel


#: Notebooks with more to check than running to the end have a test of their own below.
_OWN_TEST = ("01_message_flow", "02_composing_message_xml")


@pytest.mark.parametrize("name", [n for n in NOTEBOOKS if n not in _OWN_TEST])
def test_a_notebook_runs_to_the_end_in_the_browser(
    name: str, offline_page: Any, lite_site: LiteSite, artifacts: Path, record_property: Any
) -> None:
    _run_to_the_end(offline_page, lite_site, artifacts, name, record_property)


def test_01_runs_and_its_webhook_answers_in_process(
    offline_page: Any, lite_site: LiteSite, artifacts: Path, record_property: Any
) -> None:
    """LocalWebhook answers in-process in Pyodide, says so once, and links nowhere local."""
    panel = _run_to_the_end(offline_page, lite_site, artifacts, "01_message_flow", record_property)
    said = " ".join(panel.locator(".jp-OutputArea-output").all_inner_texts())
    assert said.count("Python in the browser cannot listen on a port") == 1
    assert "answered in-process, no socket" in said and "a real HTTP server" not in said
    # The prose says so too, before the hook starts, covering both cases.
    prose = " ".join(panel.locator(".jp-MarkdownCell").all_inner_texts())
    assert "JupyterLite" in prose and "answers in-process" in prose
    assert "real HTTP server on 127.0.0.1" in prose  # the JupyterLab case
    # No link in the outputs leads to a local address where nothing answers (the
    # in-process hook's) or back to this site as if it were the webhook.
    hrefs = panel.locator(".jp-OutputArea-output a[href]").evaluate_all(
        "anchors => anchors.map(a => a.href)"
    )
    local = [h for h in hrefs if urlsplit(h).hostname in ("127.0.0.1", "localhost")]
    assert local == [], f"links to a local address that is no page: {local}"


def test_02_runs_and_its_composer_reacts_to_typing(
    offline_page: Any, lite_site: LiteSite, artifacts: Path, record_property: Any
) -> None:
    """Notebook 02 to its end (no lxml here: the SDK comparison says so); then, in the same
    kernel, its composer recounts and rewrites as a learner types, key by key."""
    from playwright.sync_api import expect

    page = offline_page
    name = "02_composing_message_xml"
    panel = _run_to_the_end(page, lite_site, artifacts, name, record_property)
    said = " ".join(panel.locator(".jp-OutputArea-output").all_inner_texts())
    assert "the plivo SDK cannot load in this browser build" in said
    composer = panel.locator(".jp-OutputArea-output > .jupyter-widgets.smsxml-composer").first
    units = composer.locator(".smsxml-composer-units")
    expect(units).to_contain_text("UCS-2", timeout=30_000)  # the 👍 in its text
    text = composer.locator(".smsxml-composer-text textarea")
    text.click()
    text.fill("")
    text.type("Typed in JupyterLite")
    expect(units).to_contain_text("GSM-7 · 1 unit · 20/160", timeout=30_000)
    expect(composer.locator(".smsxml-composer-xml")).to_contain_text(
        ">Typed in JupyterLite</Message>"
    )
    shot(page, artifacts, "lite-composer-typed", composer)
    assert lite_site.outside == [], f"the site asked the internet for: {lite_site.outside}"


def test_the_runtime_is_cacheable_and_the_rest_is_asked_again(lite_site: LiteSite) -> None:
    """lite/serve.py: a year for what is named by its content, no-cache for the rest."""
    runtime = next(SITE.glob("static/pyodide-*/"))
    immutable = [
        f"/{runtime.relative_to(SITE)}/pyodide.asm.wasm",
        f"/{runtime.relative_to(SITE)}/python_stdlib.zip",
        f"/{next(runtime.glob('smsxml-*.whl')).relative_to(SITE)}".replace("+", "%2B"),
        f"/{next(SITE.glob('build/*.*.js')).relative_to(SITE)}",
    ]
    asked_again = ["/lab/index.html", "/jupyter-lite.json", "/api/contents/all.json",
                   f"/{runtime.relative_to(SITE)}/pyodide-lock.json"]  # fmt: skip
    for path in immutable + asked_again:
        with urllib.request.urlopen(f"{lite_site.base}{path}") as answer:
            expected = "immutable" if path in immutable else "no-cache"
            assert expected in answer.headers["Cache-Control"], (path, answer.headers)
            if path.endswith(".wasm"):
                assert answer.headers["Content-Type"] == "application/wasm"


def test_smsxml_reaches_the_browser_compiled(lite_site: LiteSite) -> None:
    """lite/precompile.py: each module of the site's smsxml wheel has its bytecode beside it,
    compiled by the site's own Pyodide, hash-based and unchecked (PEP 552), and in RECORD."""
    runtime = next(SITE.glob("static/pyodide-*/"))
    with zipfile.ZipFile(next(runtime.glob("smsxml-*.whl"))) as wheel:
        names = wheel.namelist()
        record = next(n for n in names if n.endswith(".dist-info/RECORD"))
        recorded = {line.split(",")[0] for line in wheel.read(record).decode().splitlines()}
        sources = [n for n in names if n.startswith("smsxml/") and n.endswith(".py")]
        headers = {}
        for source in sources:
            folder, _, module = source.rpartition("/")
            [pyc] = [
                n for n in names if n.startswith(f"{folder}/__pycache__/{module[:-3]}.cpython-")
            ]
            headers[pyc] = wheel.read(pyc)[:8]
            assert pyc in recorded, pyc
    assert len(sources) > 50 and len(headers) == len(sources)
    assert len({h[:4] for h in headers.values()}) == 1  # one magic number: one Python
    assert {int.from_bytes(h[4:8], "little") for h in headers.values()} == {0b01}  # unchecked


def test_phonenumberslite_waits_for_the_first_import_of_phonenumbers(lite_site: LiteSite) -> None:
    """lite/build --defer: the kernel does not load phonenumberslite with smsxml (notebook
    00's first cell does not need it); the site's kernel installs it when smsxml first
    imports phonenumbers, as every notebook run above shows (its wheel was asked for)."""
    import json

    runtime = next(SITE.glob("static/pyodide-*/"))
    packages = json.loads((runtime / "pyodide-lock.json").read_text())["packages"]
    assert packages["phonenumberslite"]["imports"] == ["phonenumbers"]
    assert "phonenumbers" not in packages  # the lite wheel stands in for it
    assert [n for n, p in packages.items() if "phonenumberslite" in p["depends"]] == []
    with zipfile.ZipFile(next(runtime.glob("smsxml_lite_kernel-*.whl"))) as wheel:
        assert "class FromTheSite" in wheel.read("smsxml_lite_kernel.py").decode()
