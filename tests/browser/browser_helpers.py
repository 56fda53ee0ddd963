"""What the browser tests share: one page per pytest worker, JupyterLab loaded in it once
(``SharedPage``), opening a notebook in it, Run All, screenshots, and layout probes measured
in the page (``locator.evaluate``).

Not a test module (pytest collects ``test_*.py`` only); the browser test modules import it
by name (``tests/browser`` has a conftest.py and no ``__init__.py``, so pytest puts it on
``sys.path``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# The teaching notebooks' folder (fixture ``teaching_lab`` serves a copy); set
# $SMSXML_BROWSER_NOTEBOOKS to serve another folder instead, e.g. freshly executed copies, to
# try their saved outputs before they are committed.
TEACHING_NOTEBOOKS = Path(os.environ.get("SMSXML_BROWSER_NOTEBOOKS") or REPO_ROOT / "notebooks")

KERNEL_TIMEOUT = 60_000  # ms: kernel start (and first import of smsxml/ipywidgets)
RENDER_TIMEOUT = 60_000  # ms: Run All until the panel is on screen
UPDATE_TIMEOUT = 15_000  # ms: one round trip browser → kernel → browser

STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
KERNEL_POLL = 100  # ms: how often a wait_for_function looks again

#: True once JupyterLab has started (exposed as ``window.jupyterapp``) ...
APP_STARTED_JS = "() => !!window.jupyterapp"
#: ... and this resolves once it has restored its layout.
APP_RESTORED_JS = "async () => { await window.jupyterapp.restored; }"

#: Open a notebook in the loaded JupyterLab, as the file browser does (``docmanager:open``):
#: with the running kernel ``kernel`` (an id) if given, else with a new one, or with none
#: (``start``: false). Then close the other tabs: the launcher JupyterLab opens whenever the
#: main area is left empty (so the notebook is the only tab, as when its URL is visited).
OPEN_JS = """async ([path, start, kernel]) => {
  const app = window.jupyterapp;
  const args = !start ? {path, kernelPreference: {shouldStart: false}}
    : kernel ? {path, kernel: {id: kernel}} : {path};
  const notebook = await app.commands.execute('docmanager:open', args);
  for (const widget of [...app.shell.widgets('main')]) if (widget !== notebook) widget.dispose();
}"""

#: True once the current tab is notebook ``path`` with its kernel connected and idle.
KERNEL_IDLE_JS = """path => {
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!widget || !widget.sessionContext || (path && widget.context.path !== path)) return false;
  const kernel = widget.sessionContext.session && widget.sessionContext.session.kernel;
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""

#: After a test: close every tab, and every kernel session with it. Each session is first
#: moved to a path no notebook has (quick), then shut down without waiting (a kernel takes a
#: while to exit): the next notebook opened, even the same one, cannot meet the old kernel.
#: Returns the number of dialogs left open.
RESET_JS = """async () => {
  const app = window.jupyterapp;
  if (!app) return 0;
  for (const widget of [...app.shell.widgets('main')]) widget.dispose();
  const settings = app.serviceManager.serverSettings;
  const sessions = settings.baseUrl + 'api/sessions';
  const headers = {Authorization: `token ${settings.token}`};
  const running = await (await fetch(sessions, {headers})).json();
  await Promise.all(running.map(async session => {
    const url = `${sessions}/${session.id}`;
    const moved = await fetch(url, {method: 'PATCH', headers,
                                    body: JSON.stringify({path: `closed/${session.id}`})});
    const ended = fetch(url, {method: 'DELETE', headers});
    if (!moved.ok) await ended;  // still under its notebook's path: wait until it is gone
  }));
  return document.querySelectorAll('.jp-Dialog').length;
}"""


class SharedPage:
    """One browser context and page for all the tests a pytest worker runs.

    Loading JupyterLab (its JavaScript parsed, its plugins activated) took most of each
    test's time when every test visited a notebook's URL in a fresh context; in one page
    it loads once per server, and each test opens its notebook in a new tab
    (``open_notebook``). After each test ``reset`` closes the tabs and shuts the kernels
    down, so the next test starts from a notebook just opened, with a fresh kernel. A page
    left broken (a dialog open, a crash) is dropped: the next test gets a new context and
    a fresh load.
    """

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self._viewport: dict[str, int] = {}
        self._context: Any = None
        self._page: Any = None

    def page(self, viewport: dict[str, int]) -> Any:
        """The page, its window resized to ``viewport`` (a new context and page when there
        is none)."""
        if self._page is None:
            self._context = self._browser.new_context(viewport=viewport)
            self._context.set_default_timeout(30_000)
            self._page = self._context.new_page()
        elif viewport != self._viewport:
            self._page.set_viewport_size(viewport)  # JupyterLab lays itself out again
        self._viewport = dict(viewport)
        return self._page

    def reset(self) -> None:
        """Close the tabs and the kernel sessions (best effort: drop the page instead when
        that fails or a dialog stays open)."""
        if self._page is None:
            return
        try:
            if not self._page.is_closed() and self._page.evaluate(RESET_JS) == 0:
                return
        except Exception:  # noqa: BLE001 - a broken page is replaced, not reported here
            pass
        self.close()

    def close(self) -> None:
        """Close the context (its page with it)."""
        if self._context is not None:
            try:
                self._context.close()
            except Exception:  # noqa: BLE001 - the browser may be gone already
                pass
        self._context = self._page = None


def shot(page: Any, artifacts: Path, name: str, focus: Any = None, *, full: bool = False) -> Path:
    """Save a screenshot of the page (scrolled to ``focus`` when given; ``full``: the whole
    scrollable notebook, not just the window)."""
    if focus is not None:
        try:
            focus.scroll_into_view_if_needed(timeout=5_000)
        except Exception:  # noqa: BLE001 - a screenshot must not hide the real failure
            pass
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path


def errors_shown(page: Any, limit: int = 3) -> str:
    """Tracebacks / stderr the notebook shows (for failure messages)."""
    outputs = page.locator(f".jp-NotebookPanel:visible {STDERR}")
    texts = [outputs.nth(i).inner_text() for i in range(min(outputs.count(), limit))]
    return "\n".join(t.strip()[-1500:] for t in texts if t.strip())


def save_and_read(page: Any, saved: Path) -> str:
    """Save the visible notebook from the browser (Ctrl+S) and return the file's text once
    it is whole JSON again (JupyterLab writes it in place: it may be caught mid-write)."""
    import json
    import time

    before = saved.stat().st_mtime_ns
    page.locator(".jp-NotebookPanel:visible .jp-Cell .jp-InputPrompt").first.click()
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + UPDATE_TIMEOUT / 1000
    while saved.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert saved.stat().st_mtime_ns != before, f"{saved.name} was not saved"
    while True:
        text = saved.read_text("utf-8")
        try:
            json.loads(text)
            return text
        except json.JSONDecodeError:
            if time.monotonic() > deadline:
                raise AssertionError(f"{saved.name}: the saved notebook is not JSON") from None
            time.sleep(0.1)


def wait_kernel_idle(page: Any, notebook: str = "", timeout: float = UPDATE_TIMEOUT) -> None:
    """Wait until the current notebook (``notebook``, when given) has its kernel connected
    and idle: every message the kernel sent while busy (widget updates) has arrived."""
    page.wait_for_function(KERNEL_IDLE_JS, arg=notebook, timeout=timeout, polling=KERNEL_POLL)


def open_notebook(page: Any, lab: Any, artifacts: Path, notebook: str, what: str) -> Any:
    """Open ``notebook`` and wait until its kernel is connected and idle; return the
    notebook panel's locator (or fail naming ``what`` and a screenshot).

    A JupyterLab server (``lab.open_in``, conftest's ``Lab``) opens it in a tab of the app
    loaded in ``page`` (loaded first if need be); anything else with a ``notebook_url``
    (JupyterLite) is visited at that URL."""
    from playwright.sync_api import TimeoutError

    stem = Path(notebook).stem
    open_in = getattr(lab, "open_in", None)
    notebook_panel = page.locator(".jp-NotebookPanel:visible")
    # The status bar says "Python 3 (ipykernel) | Idle" once the kernel is connected and
    # idle (the toolbar's execution indicator starts out "idle" before there is a kernel,
    # and Run All without a kernel runs nothing).
    kernel_idle = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\|\s*Idle\s*$"))
    try:
        if open_in is not None:
            open_in(page, notebook)
            # In a page that showed other notebooks before, the status bar could still
            # show the last one's "Idle": ask the app about this notebook's kernel first.
            wait_kernel_idle(page, notebook, KERNEL_TIMEOUT)
        else:
            page.goto(lab.notebook_url(notebook), wait_until="domcontentloaded")
        notebook_panel.locator(".jp-Cell").first.wait_for(timeout=KERNEL_TIMEOUT)
        kernel_idle.first.wait_for(timeout=KERNEL_TIMEOUT)
    except TimeoutError:
        path = shot(page, artifacts, f"{stem}-0-kernel-not-ready")
        pytest.fail(
            f"{notebook}: notebook/kernel not ready in JupyterLab within "
            f"{KERNEL_TIMEOUT // 1000} s (for {what}); screenshot: {path}\n"
            f"server log:\n{lab.log_tail()}",
            pytrace=False,
        )
    return notebook_panel


def run_all(page: Any, artifacts: Path, notebook: str, what: str) -> None:
    """Run → Run All Cells from the menu, and wait until a code cell has started."""
    from playwright.sync_api import TimeoutError

    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    started = page.locator(
        ".jp-NotebookPanel:visible .jp-CodeCell .jp-InputPrompt",
        has_text=re.compile(r"\[(\*|\d+)\]"),
    )
    try:
        started.first.wait_for(timeout=UPDATE_TIMEOUT)
    except TimeoutError:
        path = shot(page, artifacts, f"{Path(notebook).stem}-1-not-run")
        pytest.fail(
            f"{notebook}: Run → Run All Cells did not start the cells (for {what}); "
            f"screenshot: {path}",
            pytrace=False,
        )


# True once every code cell of the visible notebook shows "[n]": none queued or running
# ("[*]"), none left unrun ("[ ]"). Returns the prompts otherwise (for a failure message).
_PROMPTS_JS = """() => {
  const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
    .find(p => p.offsetParent !== null);
  if (!panel) return 'no notebook panel';
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
    .map(p => p.textContent.trim());
  return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:?$/.test(p)) ? true : null;
}"""

_PROMPT_LIST_JS = """() => {
  const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
    .find(p => p.offsetParent !== null);
  return panel ? [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
    .map(p => p.textContent.trim()) : [];
}"""


def wait_until_all_ran(page: Any, artifacts: Path, notebook: str, timeout: float) -> list[str]:
    """Wait until every code cell has run (no ``[*]``, no ``[ ]`` left); return the prompts."""
    from playwright.sync_api import TimeoutError

    try:
        page.wait_for_function(_PROMPTS_JS, timeout=timeout, polling=KERNEL_POLL)
    except TimeoutError:
        prompts = page.evaluate(_PROMPT_LIST_JS)
        path = shot(page, artifacts, f"{Path(notebook).stem}-not-finished", full=True)
        pytest.fail(
            f"{notebook}: Run All did not finish within {timeout / 1000:.0f} s; the prompts "
            f"are {prompts}; screenshot: {path}"
            + (f"\nthe notebook shows:\n{errors_shown(page)}" if errors_shown(page) else ""),
            pytrace=False,
        )
    prompts: list[str] = page.evaluate(_PROMPT_LIST_JS)
    return prompts


def open_and_run(page: Any, lab: Any, artifacts: Path, notebook: str, widget: str, css: str) -> Any:
    """Open ``notebook``, wait for an idle kernel, Run → Run All Cells, and return the
    locator of the rendered panel ``css`` — or fail naming ``widget`` and the screenshot."""
    from playwright.sync_api import Error, TimeoutError

    stem = Path(notebook).stem
    notebook_panel = open_notebook(page, lab, artifacts, notebook, widget)
    shot(page, artifacts, f"{stem}-0-opened")
    run_all(page, artifacts, notebook, widget)
    panel = notebook_panel.locator(f".{css}").first
    try:
        panel.wait_for(state="visible", timeout=RENDER_TIMEOUT)
    except (TimeoutError, Error):
        path = shot(page, artifacts, f"{stem}-1-not-rendered")
        errors = errors_shown(page)
        pytest.fail(
            f"{widget} did not render in JupyterLab: no visible .{css} within "
            f"{RENDER_TIMEOUT // 1000} s after Run All Cells in {notebook}; screenshot: {path}"
            + (f"\nthe notebook shows:\n{errors}" if errors else ""),
            pytrace=False,
        )
    shot(page, artifacts, f"{stem}-1-rendered", panel)
    return panel


# -- layout probes (run in the page on a panel's element) -----------------------------------

#: Buttons whose label does not fit (the browser cuts it to "Refresh…"): label and widths.
CLIPPED_BUTTONS_JS = """panel => [...panel.querySelectorAll('button')]
  .filter(b => b.offsetParent !== null && b.scrollWidth > b.clientWidth)
  .map(b => `${JSON.stringify(b.textContent.trim())}: needs ${b.scrollWidth} px, `
    + `has ${b.clientWidth}`)"""

#: Controls (and their input / textarea / select) that stick out of the panel's content
#: box, left or right, by half a pixel or more; and the panel itself if it scrolls sideways.
OVERFLOWING_JS = """panel => {
  const box = panel.getBoundingClientRect();
  const left = box.left + panel.clientLeft, right = left + panel.clientWidth;
  const out = [];
  if (panel.scrollWidth > panel.clientWidth)
    out.push(`the panel scrolls sideways: ${panel.scrollWidth} px of content `
      + `in ${panel.clientWidth}`);
  for (const el of panel.querySelectorAll(
      '.widget-inline-hbox, .widget-inline-hbox input, .widget-inline-hbox textarea, '
      + '.widget-inline-hbox select, button')) {
    if (el.offsetParent === null) continue;
    const r = el.getBoundingClientRect();
    const owner = el.closest('.widget-inline-hbox') || el;
    const label = [...owner.classList].filter(c => c.startsWith('smsxml-')).join(' ')
      || owner.className;
    const what = el === owner ? label : `${el.tagName.toLowerCase()} of ${label}`;
    if (r.right > right + 0.5)
      out.push(`${what}: right edge ${r.right.toFixed(1)} > panel's ${right.toFixed(1)}`);
    if (r.left < left - 0.5)
      out.push(`${what}: left edge ${r.left.toFixed(1)} < panel's ${left.toFixed(1)}`);
  }
  return out;
}"""

#: HTML outputs whose content is cut off at their right edge (a widget's HTML content hides
#: what overflows it: a diagram wider than the panel lost its right-hand lifeline).
CLIPPED_CONTENT_JS = """panel => [...panel.querySelectorAll('.widget-html-content')]
  .filter(c => c.offsetParent !== null && c.scrollWidth > c.clientWidth + 1)
  .map(c => {
    const owner = c.closest('.widget-html');
    const label = [...owner.classList].filter(k => k.startsWith('smsxml-')).join(' ');
    return `${label || owner.className}: ${c.scrollWidth} px of content in ${c.clientWidth}`;
  })"""

#: Words (runs of non-space characters) that the browser split over two lines, in the text
#: of an element: each is measured with a Range, one client rect per line it covers.
BROKEN_WORDS_JS = """el => {
  const broken = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const re = /\\S+/g;
    let m;
    while ((m = re.exec(node.data)) !== null) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()]
        .filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""


def clipped_buttons(panel: Any) -> list[str]:
    found: list[str] = panel.evaluate(CLIPPED_BUTTONS_JS)
    return found


def overflowing(panel: Any) -> list[str]:
    found: list[str] = panel.evaluate(OVERFLOWING_JS)
    return found


def clipped_content(panel: Any) -> list[str]:
    found: list[str] = panel.evaluate(CLIPPED_CONTENT_JS)
    return found


def broken_words(element: Any) -> list[str]:
    found: list[str] = element.evaluate(BROKEN_WORDS_JS)
    return found
