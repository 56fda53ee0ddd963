"""Fixtures for the browser suite: one JupyterLab and one headless Chromium per module.

JupyterLab runs from a temporary copy of a folder of notebooks — ``tests/browser/notebooks``
(fixture ``lab``) or the repo's teaching notebooks in ``notebooks/`` (``teaching_lab``) — on
127.0.0.1 (random free port, random token) with its config, data, runtime and IPython dirs in
that temporary folder, so nothing lands in the home folder; its ``python3`` kernel is this
interpreter.
Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright's sync API — no browser
download. Without Chromium (or Playwright, or JupyterLab) the tests skip locally and fail
in CI (``CI=true``).
"""

from __future__ import annotations

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import REPO_ROOT, TEACHING_NOTEBOOKS

# The notebooks here are driven by the browser tests only: nbval (``--nbval`` in the repo's
# addopts) must not collect them.
collect_ignore_glob = ["notebooks/*"]

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
LAB_START_TIMEOUT = 60.0
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
    """``$SMSXML_CHROMIUM`` if set, else ``chromium`` on the PATH, else /usr/bin/chromium."""
    chosen = os.environ.get("SMSXML_CHROMIUM")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    found = shutil.which("chromium")
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

    def notebook_url(self, name: str) -> str:
        """``name`` alone in a fresh workspace of its own (no tabs left by other tests)."""
        workspace = Path(name).stem
        return f"{self.url}lab/workspaces/{workspace}/tree/{name}?reset&token={self.token}"

    def shut_down_kernels(self, name: str) -> None:
        """Shut down the kernel(s) of notebook ``name`` (a finished test's kernel would
        otherwise idle on, with its webhooks, until the server stops). Best effort: called
        in a test's ``finally``, it must not hide the test's own failure."""
        headers = {"Authorization": f"token {self.token}"}
        try:
            listing = urllib.request.Request(f"{self.url}api/sessions", headers=headers)
            with urllib.request.urlopen(listing, timeout=10) as answer:
                sessions = json.load(answer)
            for session in sessions:
                if session.get("path") == name:
                    ending = urllib.request.Request(
                        f"{self.url}api/sessions/{session['id']}", headers=headers, method="DELETE"
                    )
                    with urllib.request.urlopen(ending, timeout=30):
                        pass
        except (OSError, ValueError):
            pass

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
    # No "get Jupyter news?" toast over the notebook.
    labconfig = base / "config" / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text(
        json.dumps(
            {
                "disabledExtensions": {
                    "@jupyterlab/apputils-extension:announcements": True,
                    "@jupyterlab/lsp-extension": True,
                },
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


@pytest.fixture(scope="module")
def chromium_executable() -> str:
    path = _chromium_path()
    if path is None:
        _unavailable(
            "Chromium not found (apt-get install chromium, or set SMSXML_CHROMIUM): "
            "the browser tests need it"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    return path  # type: ignore[return-value]


def _serve(tmp_path_factory: pytest.TempPathFactory, source: Path) -> Iterator[Lab]:
    """JupyterLab serving a temporary copy of the folder ``source``; stopped at the end."""
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
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
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
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
    try:
        _wait_until_up(running, LAB_START_TIMEOUT)
    except RuntimeError as exc:
        _stop(process)
        pytest.fail(str(exc), pytrace=False)
    try:
        yield running
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab serving a temporary copy of the test notebooks (``tests/browser/notebooks``)."""
    yield from _serve(tmp_path_factory, NOTEBOOKS)


@pytest.fixture(scope="module")
def teaching_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab serving a temporary copy of the repo's teaching notebooks (``notebooks/``)."""
    yield from _serve(tmp_path_factory, TEACHING_NOTEBOOKS)


@pytest.fixture(scope="module")
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


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (own context) per test, tall enough to show a whole panel. (Each test
    asks for the Lab it needs: ``lab`` or ``teaching_lab``.)"""
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (git-ignored ``test-artifacts/`` at the repo root)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
