"""The widgets, live in JupyterLab, driven by a real headless Chromium (issue #5).

Each test opens its own small notebook from ``tests/browser/notebooks``, runs all cells
from the Run menu, waits for the panel and works it like a learner would: typing, choosing,
pressing buttons. A screenshot per step goes to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

KERNEL_TIMEOUT = 60_000  # ms: kernel start (and first import of smsxml/ipywidgets)
RENDER_TIMEOUT = 60_000  # ms: Run All until the panel is on screen
UPDATE_TIMEOUT = 15_000  # ms: one round trip browser → kernel → browser


def _shot(page: Any, artifacts: Path, name: str, focus: Any = None) -> Path:
    """Save a screenshot of the page (scrolled to ``focus`` when given)."""
    if focus is not None:
        try:
            focus.scroll_into_view_if_needed(timeout=5_000)
        except Exception:  # noqa: BLE001 - a screenshot must not hide the real failure
            pass
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def _errors_shown(page: Any) -> str:
    """Tracebacks / stderr the notebook shows (for failure messages)."""
    outputs = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    texts = [outputs.nth(i).inner_text() for i in range(min(outputs.count(), 3))]
    return "\n".join(t.strip()[-1500:] for t in texts if t.strip())


def open_and_run(page: Any, lab: Any, artifacts: Path, notebook: str, widget: str, css: str) -> Any:
    """Open ``notebook``, wait for an idle kernel, Run → Run All Cells, and return the
    locator of the rendered panel ``css`` — or fail naming ``widget`` and the screenshot."""
    from playwright.sync_api import Error, TimeoutError

    stem = Path(notebook).stem
    page.goto(lab.notebook_url(notebook), wait_until="domcontentloaded")
    notebook_panel = page.locator(".jp-NotebookPanel:visible")
    # The status bar says "Python 3 (ipykernel) | Idle" once the kernel is connected and
    # idle (the toolbar's execution indicator starts out "idle" before there is a kernel,
    # and Run All without a kernel runs nothing).
    kernel_idle = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\|\s*Idle\s*$"))
    try:
        notebook_panel.locator(".jp-Cell").first.wait_for(timeout=KERNEL_TIMEOUT)
        kernel_idle.first.wait_for(timeout=KERNEL_TIMEOUT)
    except TimeoutError:
        shot = _shot(page, artifacts, f"{stem}-0-kernel-not-ready")
        pytest.fail(
            f"{notebook}: notebook/kernel not ready in JupyterLab within "
            f"{KERNEL_TIMEOUT // 1000} s (for {widget}); screenshot: {shot}\n"
            f"server log:\n{lab.log_tail()}",
            pytrace=False,
        )
    _shot(page, artifacts, f"{stem}-0-opened")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    started = notebook_panel.locator(
        ".jp-CodeCell .jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]")
    )
    try:
        started.first.wait_for(timeout=UPDATE_TIMEOUT)
    except TimeoutError:
        shot = _shot(page, artifacts, f"{stem}-1-not-run")
        pytest.fail(
            f"{notebook}: Run → Run All Cells did not start the cells (for {widget}); "
            f"screenshot: {shot}",
            pytrace=False,
        )
    panel = notebook_panel.locator(f".{css}").first
    try:
        panel.wait_for(state="visible", timeout=RENDER_TIMEOUT)
    except (TimeoutError, Error):
        shot = _shot(page, artifacts, f"{stem}-1-not-rendered")
        errors = _errors_shown(page)
        pytest.fail(
            f"{widget} did not render in JupyterLab: no visible .{css} within "
            f"{RENDER_TIMEOUT // 1000} s after Run All Cells in {notebook}; screenshot: {shot}"
            + (f"\nthe notebook shows:\n{errors}" if errors else ""),
            pytrace=False,
        )
    _shot(page, artifacts, f"{stem}-1-rendered", panel)
    return panel


def test_message_composer(page: Any, lab: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect

    panel = open_and_run(
        page, lab, artifacts, "composer.ipynb", "MessageComposer", "smsxml-composer"
    )
    xml = panel.locator(".smsxml-composer-xml")
    units = panel.locator(".smsxml-composer-units")
    problems = panel.locator(".smsxml-composer-problems")
    expect(xml).to_contain_text("Hello from Plivo!", timeout=UPDATE_TIMEOUT)
    expect(units).to_contain_text("GSM-7 · 1 unit · 17/160")

    text = panel.locator(".smsxml-composer-text textarea")
    text.click()
    text.fill("")
    text.type("Typed in Chromium")
    expect(xml).to_contain_text(">Typed in Chromium</Message>", timeout=UPDATE_TIMEOUT)
    expect(units).to_contain_text("GSM-7 · 1 unit · 17/160")
    text.type(" 😀")
    expect(units).to_contain_text("UCS-2", timeout=UPDATE_TIMEOUT)
    expect(units).to_contain_text("1 unit · 20/70")
    expect(xml).to_contain_text("Typed in Chromium 😀")
    _shot(page, artifacts, "composer-2-typed-emoji", units)

    method = panel.locator(".smsxml-composer-callback-method input")
    method.click()
    method.fill("PUT")
    method.press("Enter")
    expect(xml).to_contain_text('callbackMethod="PUT"', timeout=UPDATE_TIMEOUT)
    expect(problems).to_contain_text("bad-callback-method")
    expect(problems).to_contain_text("only GET or POST")
    _shot(page, artifacts, "composer-3-invalid-callback-method", problems)

    method.fill("")
    method.press("Enter")
    expect(problems).to_contain_text("No problems", timeout=UPDATE_TIMEOUT)

    flow = panel.locator(".smsxml-composer-flow")
    expect(flow.locator("svg")).to_have_count(0)
    panel.locator("button.smsxml-composer-send").click()
    expect(flow.locator(".smsxml-flow-diagram svg")).to_be_visible(timeout=UPDATE_TIMEOUT)
    expect(flow).to_contain_text("problems: none")
    expect(flow).to_contain_text("delivered")
    expect(flow).to_contain_text("Typed in Chromium 😀")
    _shot(page, artifacts, "composer-4-flow", flow)


def test_signature_explorer(page: Any, lab: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect

    panel = open_and_run(
        page, lab, artifacts, "explorer.ipynb", "SignatureExplorer", "smsxml-explorer"
    )
    verdict = panel.locator(".smsxml-explorer-verdict")
    diagnosis = panel.locator(".smsxml-explorer-diagnosis")
    nonce = panel.locator(".smsxml-explorer-nonce input")
    expect(verdict.locator(".smsxml-valid")).to_be_visible(timeout=UPDATE_TIMEOUT)
    original = nonce.input_value()
    assert original.isdigit(), original

    changed = original[:-1] + str((int(original[-1]) + 1) % 10)
    nonce.click()
    nonce.fill(changed)
    nonce.press("Enter")
    expect(verdict.locator(".smsxml-invalid")).to_be_visible(timeout=UPDATE_TIMEOUT)
    expect(verdict.locator(".smsxml-valid")).to_have_count(0)
    expect(diagnosis).to_contain_text("does not belong to")
    _shot(page, artifacts, "explorer-2-nonce-changed-invalid", diagnosis)

    nonce.fill(original)
    nonce.press("Enter")
    expect(verdict.locator(".smsxml-valid")).to_be_visible(timeout=UPDATE_TIMEOUT)
    expect(verdict.locator(".smsxml-invalid")).to_have_count(0)
    _shot(page, artifacts, "explorer-3-nonce-restored-valid", verdict)


def test_request_replayer(page: Any, lab: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect

    panel = open_and_run(
        page, lab, artifacts, "replayer.ipynb", "RequestReplayer", "smsxml-replayer"
    )
    status = panel.locator(".smsxml-replayer-status")
    expect(panel.locator(".smsxml-replayer-original")).to_contain_text(
        "Hello replay", timeout=UPDATE_TIMEOUT
    )
    expect(status).to_contain_text("Press Replay")
    panel.locator("button.smsxml-replayer-send").click()
    expect(status).to_contain_text("200 OK", timeout=UPDATE_TIMEOUT)
    response = panel.locator(".smsxml-replayer-response")
    expect(response).to_contain_text("200 OK")
    expect(response).to_contain_text("echo: Hello replay")
    _shot(page, artifacts, "replayer-2-replayed-200", response)


def test_a_typed_token_never_reaches_the_saved_notebook(
    page: Any, lab: Any, artifacts: Path
) -> None:
    """With Save Widget State Automatically on, type a token into the explorer's Password
    field and save: the .ipynb holds the widgets' state, and not the token."""
    import json
    import time

    from playwright.sync_api import expect

    secret = "MAtypedINbrowser-secret-5c0ffee"
    panel = open_and_run(
        page, lab, artifacts, "explorer.ipynb", "SignatureExplorer", "smsxml-explorer"
    )
    field = panel.locator(".smsxml-explorer-token input")
    field.click()
    field.type(secret)
    field.press("Enter")
    verdict = panel.locator(".smsxml-explorer-verdict")
    expect(verdict.locator(".smsxml-invalid")).to_be_visible(timeout=UPDATE_TIMEOUT)
    expect(field).to_have_value("", timeout=UPDATE_TIMEOUT)  # taken into the kernel
    expect(field).to_have_attribute("placeholder", re.compile(r"\(typed\)"))
    saved = lab.root / "explorer.ipynb"
    before = saved.stat().st_mtime_ns
    page.locator(".jp-NotebookPanel:visible .jp-Cell").first.click()
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + UPDATE_TIMEOUT / 1000
    while saved.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.1)
    text = saved.read_text()
    _shot(page, artifacts, "explorer-4-token-typed-and-saved", panel)
    assert saved.stat().st_mtime_ns != before, "the notebook was not saved"
    state = json.loads(text)["metadata"].get("widgets", {})
    assert "application/vnd.jupyter.widget-state+json" in state, "no widget state was saved"
    assert secret not in text
