"""Fixtures for the browser suite: JupyterLab servers, one headless Chromium, and one page in
which JupyterLab loads once — per pytest worker (session scope; with ``--dist loadfile``
a worker runs whole test files one after another, so the widget and layout tests share
their server, browser and page).

JupyterLab runs from a temporary copy of a folder of notebooks — ``tests/browser/notebooks``
(fixture ``lab``) or the repo's teaching notebooks in ``notebooks/`` (``teaching_lab``) — on
127.0.0.1 (random free port, random token) with its config, data, runtime and IPython dirs in
that temporary folder, so nothing lands in the home folder; its ``python3`` kernel is this
interpreter. Each test opens its notebook in a new tab of the page (``page``, or a
layout test's ``laptop``), which is closed, with its kernel, after the test.
Chromium is Debian's (``chromium-headless-shell``, else ``chromium``), driven by
Playwright's sync API — no browser download. Without Chromium (or Playwright, or
JupyterLab) the tests skip locally and fail in CI (``CI=true``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    APP_RESTORED_JS,
    APP_STARTED_JS,
    KERNEL_POLL,
    KERNEL_TIMEOUT,
    OPEN_JS,
    REPO_ROOT,
    TEACHING_NOTEBOOKS,
    SharedPage,
)

# The notebooks here are driven by the browser tests only: nbval (``--nbval`` in the repo's
# addopts) must not collect them.
collect_ignore_glob = ["notebooks/*"]

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
LAB_START_TIMEOUT = 60.0
PAGE_VIEWPORT = {"width": 1280, "height": 1600}  # tall enough to show a whole panel
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _unavailable(reason: str) -> None:
    """Skip locally; in CI a missing browser stack is a failure, not a skip."""
    if _in_ci():
        pytest.fail(f"{reason} (CI=true: the browser tests must run in CI)", pytrace=False)
    pytest.skip(reason)


def _chromium_path() -> str | None:
    """``$SMSXML_CHROMIUM`` if set, else the first of ``chromium-headless-shell`` and
    ``chromium`` on the PATH, else /usr/bin/chromium. The headless shell is Chromium's own
    headless build (the one Playwright drives by default when headless): the same Blink
    and V8 without the desktop browser around them, so the suite spends less CPU on it."""
    chosen = os.environ.get("SMSXML_CHROMIUM")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    for name in ("chromium-headless-shell", "chromium"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab: where it is and how to open a notebook in it."""

    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen[bytes]
    # A python3 kernel started ahead, in the background, for the next notebook opened.
    _spares: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1), repr=False)
    _spare: Future[str] | None = field(default=None, repr=False)
    _up: bool = field(default=False, repr=False)
    _failed: str = field(default="", repr=False)

    def wait_up(self) -> None:
        """Wait until the server answers (it starts while Chromium does), or fail (at once
        for the tests after, once it did not start)."""
        if self._failed:
            pytest.fail(self._failed, pytrace=False)
        if not self._up:
            try:
                _wait_until_up(self, LAB_START_TIMEOUT)
            except RuntimeError as exc:
                self._failed = str(exc)
                pytest.fail(self._failed, pytrace=False)
            self._up = True

    def open_in(self, page: Any, name: str, *, start_kernel: bool = True) -> None:
        """Open notebook ``name`` in a new tab of the JupyterLab shown in ``page``, as the
        file browser does, with the kernel started ahead (``start_spare_kernel``), or with
        none (``start_kernel=False``); it is then the only tab. The app loads first when
        ``page`` shows none of this server's, in a new workspace (the default layout).
        Does not wait for the kernel."""
        self.wait_up()
        if not (page.url.startswith(self.url) and page.evaluate("() => !!window.jupyterapp")):
            self._end_sessions()  # any a page dropped broken left behind
            workspace = f"pytest-{secrets.token_hex(4)}"
            page.goto(
                f"{self.url}lab/workspaces/{workspace}?token={self.token}",
                wait_until="domcontentloaded",
            )
            page.wait_for_function(APP_STARTED_JS, timeout=KERNEL_TIMEOUT, polling=KERNEL_POLL)
            page.evaluate(APP_RESTORED_JS)
        kernel = self._take_spare_kernel() if start_kernel else None
        page.evaluate(OPEN_JS, [name, start_kernel, kernel])

    def _api(self, method: str, path: str, body: Any = None) -> Any:
        """Call the server's REST API (``path`` under ``/api/``); the answer's JSON."""
        request = urllib.request.Request(
            f"{self.url}api/{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
            method=method,
        )
        with urllib.request.urlopen(request, timeout=LAB_START_TIMEOUT) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def _end_sessions(self) -> None:
        """Shut down every notebook's kernel (not the spare: it has no session)."""
        for session in self._api("GET", "sessions"):
            self._api("DELETE", f"sessions/{session['id']}")

    def start_spare_kernel(self) -> None:
        """Start a ``python3`` kernel now, in the background, for the next notebook opened:
        a kernel takes seconds to start, which a test then no longer waits for. It is a
        fresh kernel all the same (nothing has run in it), started by the server from the
        same kernelspec, with the same environment and in the same folder as the one
        JupyterLab would start — but for ``__session__`` (the notebook's path, which the
        server only knows when it starts a kernel for a notebook), which nothing here uses."""
        self._spare = self._spares.submit(self._start_kernel)

    def _start_kernel(self) -> str:
        _wait_until_up(self, LAB_START_TIMEOUT)
        kernel_id: str = self._api("POST", "kernels", {"name": "python3", "path": ""})["id"]
        return kernel_id

    def _take_spare_kernel(self) -> str | None:
        """The spare kernel's id (None if it could not start: JupyterLab then starts one
        itself); another spare starts."""
        spare, kernel_id = self._spare, None
        if spare is not None:
            try:
                kernel_id = spare.result(timeout=LAB_START_TIMEOUT)
            except Exception:  # noqa: BLE001 - the notebook still gets a kernel, just later
                kernel_id = None
        self.start_spare_kernel()
        return kernel_id

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server log, with the token blanked out."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:]).replace(self.token, "<token>")

    def __repr__(self) -> str:
        return f"Lab(url={self.url!r}, pid={self.process.pid}, root={str(self.root)!r})"


def _lab_environment(base: Path) -> dict[str, str]:
    """Own Jupyter/IPython dirs in ``base``; the venv's share/jupyter stays on the path (the
    ipywidgets labextension lives there); the repo's smsxml comes first for the kernel."""
    env = dict(os.environ)
    dirs = {
        "JUPYTER_CONFIG_DIR": base / "config",
        "JUPYTER_DATA_DIR": base / "data",
        "JUPYTER_RUNTIME_DIR": base / "runtime",
        "IPYTHONDIR": base / "ipython",
        "XDG_CACHE_HOME": base / "cache",
        "XDG_CONFIG_HOME": base / "xdg-config",
    }
    for name, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    venv_share = str(Path(sys.prefix) / "share" / "jupyter")
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in [venv_share, os.environ.get("JUPYTER_PATH", "")] if p
    )
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(REPO_ROOT), os.environ.get("PYTHONPATH", "")] if p
    )
    env.pop("JUPYTER_TOKEN", None)
    return env


def _write_lab_settings(base: Path) -> None:
    """A ``python3`` kernelspec for this interpreter, and a quiet, offline Lab."""
    kernel = base / "data" / "kernels" / "python3"
    kernel.mkdir(parents=True, exist_ok=True)
    (kernel / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "metadata": {"debugger": False},
            }
        )
    )
    # Offline and quiet: no language-server autodetection (it runs `npm prefix -g`, which
    # writes logs to ~/.npm), no PyPI extension manager.
    (base / "config" / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"jpserver_extensions": {"jupyter_lsp": False}},
                "LabApp": {"extension_manager": "readonly"},
            }
        )
    )
    # No "get Jupyter news?" toast over the notebook; no language server (nor the two
    # plugins that need one: they would only fail to activate); and no build check, which
    # runs node on the server at each load of the app (the venv's build is what it is).
    labconfig = base / "config" / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text(
        json.dumps(
            {
                "disabledExtensions": {
                    "@jupyterlab/apputils-extension:announcements": True,
                    "@jupyterlab/lsp-extension": True,
                    "@jupyterlab/fileeditor-extension:language-server": True,
                    "@jupyterlab/notebook-extension:language-server": True,
                },
                "buildCheck": False,
                "buildAvailable": False,
            }
        )
    )
    # Every cell stays in the DOM (no virtual scrolling).
    tracker = base / "config" / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True, exist_ok=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    # Settings → Save Widget State Automatically: on, as many learners have it (a token in a
    # widget's state would then land in the .ipynb; the token test checks it does not).
    manager = base / "config" / "lab" / "user-settings" / "@jupyter-widgets" / "jupyterlab-manager"
    manager.mkdir(parents=True, exist_ok=True)
    (manager / "plugin.jupyterlab-settings").write_text(json.dumps({"saveState": True}))


def _wait_until_up(lab: Lab, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(
        f"{lab.url}api/status", headers={"Authorization": f"token {lab.token}"}
    )
    while time.monotonic() < deadline:
        if lab.process.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with status {lab.process.returncode} while starting; "
                f"server log:\n{lab.log_tail()}"
            )
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise RuntimeError(
        f"JupyterLab did not answer on {lab.url} within {timeout:.0f} s; server log:\n"
        f"{lab.log_tail()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server by its own pid (it shuts its kernels down); kill if it hangs."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = _chromium_path()
    if path is None:
        _unavailable(
            "Chromium not found (apt-get install chromium-headless-shell or chromium, or set "
            "SMSXML_CHROMIUM): the browser tests need it"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    return path  # type: ignore[return-value]


# ``python -m jupyterlab``, less one import: jsonschema (imported by jupyter_events) also
# imports rfc3987_syntax when it can, which builds a parser for the "iri" formats — over a
# second of CPU at each server start — and no schema the server validates uses them.
_LAB_MAIN = (
    "import sys; sys.modules['rfc3987_syntax'] = None; "
    "from jupyterlab.labapp import main; sys.exit(main())"
)


def _serve(tmp_path_factory: pytest.TempPathFactory, source: Path) -> Iterator[Lab]:
    """JupyterLab serving a temporary copy of the folder ``source``, starting (wait with
    ``Lab.wait_up``); stopped at the end."""
    # Only looked for: importing it here would cost this process seconds (the server is
    # another process).
    if importlib.util.find_spec("jupyterlab") is None:
        _unavailable("jupyterlab is not installed")
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "notebooks"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    env = _lab_environment(base)
    _write_lab_settings(base)
    port, token = _free_port(), secrets.token_hex(24)
    log = base / "jupyterlab.log"
    command = [
        sys.executable,
        "-c",
        _LAB_MAIN,
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # window.jupyterapp: the tests open notebooks in the loaded app and ask it about
        # kernels (browser_helpers.open_notebook, SharedPage).
        "--LabApp.expose_app_in_browser=True",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    running = Lab(f"http://127.0.0.1:{port}/", token, root, log, process)
    # Not waited for here: the server starts while Chromium does (Lab.wait_up), and the
    # first kernel while JupyterLab loads in the page.
    running.start_spare_kernel()
    try:
        yield running
    finally:
        running._spares.shutdown(wait=False, cancel_futures=True)
        _stop(process)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab serving a temporary copy of the test notebooks (``tests/browser/notebooks``)."""
    yield from _serve(tmp_path_factory, NOTEBOOKS)


@pytest.fixture(scope="session")
def teaching_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab serving a temporary copy of the repo's teaching notebooks (``notebooks/``)."""
    yield from _serve(tmp_path_factory, TEACHING_NOTEBOOKS)


@pytest.fixture(scope="session")
def browser(chromium_executable: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Debian Chromium under Playwright (sync API), with its own HOME."""
    from playwright.sync_api import sync_playwright

    home = tmp_path_factory.mktemp("chromium-home")
    env = dict(
        os.environ,
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
    )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_executable,
            headless=True,
            args=CHROMIUM_ARGS,
            env=env,
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def shared_page(browser: Any) -> Iterator[SharedPage]:
    """The worker's page (own context): JupyterLab loads in it once per server."""
    keeper = SharedPage(browser)
    try:
        yield keeper
    finally:
        keeper.close()


@pytest.fixture()
def page(shared_page: SharedPage) -> Iterator[Any]:
    """The shared page, 1280×1600 (tall enough to show a whole panel); after the test its
    tabs are closed and its kernels shut down. (Each test asks for the Lab it needs:
    ``lab`` or ``teaching_lab``, and opens its notebook with ``open_notebook``.)"""
    try:
        yield shared_page.page(PAGE_VIEWPORT)
    finally:
        shared_page.reset()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (git-ignored ``test-artifacts/`` at the repo root)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
