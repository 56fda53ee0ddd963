"""Every teaching notebook as a learner meets it: opened in JupyterLab, Run → Run All Cells,
in a real headless Chromium.

JupyterLab serves a temporary copy of ``notebooks/`` (fixture ``teaching_lab``). Each
notebook must run to the end with no error output; its widgets must be live (rendered
views, answering the kernel) and agree with the prose under them; its diagrams must show as
pictures. The saved diagrams must also show *without* running anything, in an untrusted
notebook — what a fresh clone gives. One screenshot per notebook goes to
``test-artifacts/browser/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    STDERR,
    TEACHING_NOTEBOOKS,
    UPDATE_TIMEOUT,
    broken_words,
    clipped_buttons,
    clipped_content,
    errors_shown,
    open_notebook,
    overflowing,
    run_all,
    save_and_read,
    shot,
    wait_until_all_ran,
)

pytestmark = pytest.mark.browser

NOTEBOOKS = sorted(path.name for path in TEACHING_NOTEBOOKS.glob("0*.ipynb"))
RUN_ALL_TIMEOUT = 180_000  # ms: the slowest notebook, Run All to the last cell, on 2 cores
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# A live widget view: the widget's own element right in an output (the text/html fallback of
# a panel is a <div> of the same CSS class, in an output with data-mime-type="text/html").
WIDGET_VIEW = ".jp-OutputArea-output > .jupyter-widgets"
SVG_MIME = "image/svg+xml"
# What shows a diagram: JupyterLab renders image/svg+xml, and Markdown's ![](data:…), as <img>.
DIAGRAM_IMAGES = (
    ".jp-OutputArea-output[data-mime-type='image/svg+xml'] img, "
    ".jp-OutputArea-output[data-mime-type='text/markdown'] img"
)
# Per diagram image: [natural width, natural height, shown width, shown height].
_IMAGE_SIZES_JS = """selector => {
  const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
    .find(p => p.offsetParent !== null);
  return panel ? [...panel.querySelectorAll(selector)].map(img => {
    const r = img.getBoundingClientRect();
    return [img.naturalWidth, img.naturalHeight, Math.round(r.width), Math.round(r.height)];
  }) : [];
}"""
# True once ``count`` diagram images have loaded (a natural size) and are laid out.
_IMAGES_LOADED_JS = """([selector, count]) => {
  const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
    .find(p => p.offsetParent !== null);
  if (!panel) return false;
  const shown = [...panel.querySelectorAll(selector)].filter(img => img.complete
    && img.naturalWidth > 0 && img.getBoundingClientRect().width > 0
    && img.getBoundingClientRect().height > 0);
  return shown.length >= count;
}"""

#: Widget models shown by more than one output, per notebook (filled by test_run_all).
SHOWN_TWICE: dict[str, list[str]] = {}


def _saved(name: str) -> dict[str, Any]:
    """The notebook as committed (or as in $SMSXML_BROWSER_NOTEBOOKS)."""
    notebook: dict[str, Any] = json.loads((TEACHING_NOTEBOOKS / name).read_text("utf-8"))
    return notebook


def _diagram_outputs(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        output
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if SVG_MIME in output.get("data", {})
    ]


def _wait_kernel_idle(page: Any) -> None:
    page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\|\s*Idle\s*$")).first.wait_for(
        timeout=UPDATE_TIMEOUT
    )


def _save(page: Any, lab: Any, name: str) -> dict[str, Any]:
    """Save the notebook from the browser (Ctrl+S: the outputs as shown, in the temporary
    copy) and return it as JSON."""
    notebook: dict[str, Any] = json.loads(save_and_read(page, lab.root / name))
    return notebook


def _error_outputs(notebook: dict[str, Any]) -> list[str]:
    """Error outputs and tracebacks on stderr, as ``cell N: …``."""
    found = []
    for number, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {number}: {output.get('ename')}: {output.get('evalue')}")
            elif output.get("name") == "stderr" and "Traceback" in "".join(output["text"]):
                found.append(f"cell {number}: stderr: {''.join(output['text'])[-300:]}")
    return found


def _models_shown_twice(notebook: dict[str, Any]) -> list[str]:
    """Widget models whose view is in more than one output (``cell A, cell B``)."""
    where: dict[str, list[int]] = {}
    for number, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_MIME)
            if view:
                where.setdefault(view["model_id"], []).append(number)
    return [f"cells {cells}" for cells in where.values() if len(cells) > 1]


def _prose_after(panel: Any) -> Any:
    """The cell right after the one whose output holds ``panel`` (the "What to notice")."""
    return panel.locator(
        "xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' jp-Cell ')]"
        "[1]/following-sibling::div[contains(concat(' ', normalize-space(@class), ' '),"
        " ' jp-Cell ')][1]"
    )


def _assert_fits(panel: Any, what: str) -> None:
    """The panel as laid out in the notebook: no button label cut, no control sticking out
    of the panel, no HTML content cut off (the same probes as test_widgets_in_browser)."""
    panel.scroll_into_view_if_needed()
    assert clipped_buttons(panel) == [], f"{what}: buttons cut short"
    assert overflowing(panel) == [], f"{what}: controls stick out of the panel"
    assert clipped_content(panel) == [], f"{what}: content cut off"


# -- what each notebook's widgets must show after Run All -------------------------------------


def _check_composer(page: Any, notebook: Any) -> Any:
    """02: the composer says UCS-2, 30/70 code units, as the prose under it does."""
    from playwright.sync_api import expect

    panel = notebook.locator(f"{WIDGET_VIEW}.smsxml-composer")
    expect(panel).to_have_count(1)
    units = panel.locator(".smsxml-composer-units")
    expect(units).to_contain_text("UCS-2", timeout=UPDATE_TIMEOUT)
    expect(units).to_contain_text("30/70")
    prose = _prose_after(panel)
    expect(prose).to_contain_text("UCS-2")
    expect(prose).to_contain_text("30/70")
    # Live: the button runs the simulator in the kernel and the flow comes back.
    panel.locator("button.smsxml-composer-send").click()
    expect(panel.locator(".smsxml-composer-flow svg")).to_be_visible(timeout=UPDATE_TIMEOUT)
    expect(units).to_contain_text("30/70")
    # The second composer (draft, GSM-7 + PUT) left this one as it was, as the prose says.
    expect(notebook.locator(".jp-MarkdownCell").last).to_contain_text(
        "the widget above is unchanged"
    )
    expect(units).not_to_contain_text("GSM-7")
    _assert_fits(panel, "MessageComposer")
    return units


def _check_local_webhook(page: Any, notebook: Any) -> Any:
    """01 in JupyterLab: the hook is a real HTTP server, as the prose's JupyterLab case says
    (the JupyterLite case is test_lite's)."""
    from playwright.sync_api import expect

    prose = notebook.locator(".jp-MarkdownCell", has_text="nothing can listen on a port")
    expect(prose).to_have_count(1)
    expect(prose).to_contain_text("real HTTP server on 127.0.0.1")
    said = notebook.locator(".jp-OutputArea-output", has_text="a real HTTP server")
    expect(said).to_have_count(1)
    expect(notebook.locator(".jp-OutputArea-output", has_text="in-process")).to_have_count(0)
    return said


def _check_explorer(page: Any, notebook: Any) -> Any:
    """03: the explorer's badge says invalid, computed and received differ, the cause is the
    scheme (http vs https), as the prose under it says."""
    from playwright.sync_api import expect

    panel = notebook.locator(f"{WIDGET_VIEW}.smsxml-explorer")
    expect(panel).to_have_count(1)
    verdict = panel.locator(".smsxml-explorer-verdict")
    expect(verdict.locator(".smsxml-invalid")).to_be_visible(timeout=UPDATE_TIMEOUT)
    expect(verdict.locator(".smsxml-valid")).to_have_count(0)
    diagnosis = panel.locator(".smsxml-explorer-diagnosis")
    expect(diagnosis).to_contain_text("scheme differs")
    expect(diagnosis).to_contain_text("http vs https")
    # Computed and received, one above the other, their differences marked: as the prose says.
    compare = panel.locator(".smsxml-explorer-compare")
    expect(compare).to_contain_text("computed")
    expect(compare).to_contain_text("received")
    expect(compare).to_contain_text("different")
    prose = _prose_after(panel)
    expect(prose).to_contain_text("The badge says invalid")
    expect(prose).to_contain_text("scheme")
    _assert_fits(panel, "SignatureExplorer")
    return diagnosis


def _check_replayer(page: Any, notebook: Any) -> Any:
    """05: the replayer lists the three recorded requests, re-signing on (as the prose under
    it says); Replay answers 200 OK — the webhooks still run after Run All, on purpose."""
    from playwright.sync_api import expect

    panel = notebook.locator(f"{WIDGET_VIEW}.smsxml-replayer").first
    expect(panel).to_be_visible(timeout=UPDATE_TIMEOUT)
    expect(panel.locator(".smsxml-replayer-select option")).to_have_count(3)
    expect(panel.locator(".smsxml-replayer-resign input")).to_be_checked()
    expect(_prose_after(panel)).to_contain_text("three recorded requests")
    timeline = notebook.locator(f"{WIDGET_VIEW}.smsxml-timeline")
    expect(timeline).to_have_count(1)
    expect(timeline.locator(".smsxml-timeline-diagram svg")).to_be_visible()
    status = panel.locator(".smsxml-replayer-status")
    panel.locator("button.smsxml-replayer-send").click()
    expect(status).to_contain_text("200 OK", timeout=UPDATE_TIMEOUT)
    expect(panel.locator(".smsxml-replayer-response")).to_contain_text("200 OK")
    _assert_fits(panel, "RequestReplayer")
    for column in ("original", "request", "response"):
        words = broken_words(panel.locator(f".smsxml-replayer-{column}"))
        assert words == [], f"RequestReplayer, {column}: words broken over two lines"
    _assert_fits(timeline, "FlowTimeline")
    return status


WIDGET_CHECKS: dict[str, Callable[[Any, Any], Any]] = {
    "01_message_flow": _check_local_webhook,
    "02_composing_message_xml": _check_composer,
    "03_signature_validation": _check_explorer,
    "05_replaying_requests": _check_replayer,
}


def test_the_teaching_notebooks_are_all_here() -> None:
    assert len(NOTEBOOKS) == 11, NOTEBOOKS  # 00-07, 06 and 08 with their solutions
    assert set(WIDGET_CHECKS) <= {Path(name).stem for name in NOTEBOOKS}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_run_all(page: Any, teaching_lab: Any, artifacts: Path, name: str) -> None:
    """Run All: every cell runs, no error; widgets live and as the prose says; diagrams
    shown as pictures."""
    from playwright.sync_api import TimeoutError, expect

    stem = Path(name).stem
    try:
        notebook = open_notebook(page, teaching_lab, artifacts, name, "Run All")
        run_all(page, artifacts, name, "Run All")
        prompts = wait_until_all_ran(page, artifacts, name, RUN_ALL_TIMEOUT)
        _wait_kernel_idle(page)
        # Where the screenshot goes if a check below fails (taken then, by the except).
        path = artifacts / f"notebook-{stem}-failed.png"

        tracebacks = [
            text
            for text in page.locator(f".jp-NotebookPanel:visible {STDERR}").all_inner_texts()
            if "Traceback" in text
        ]
        assert not tracebacks, f"{name}: tracebacks shown; screenshot: {path}\n{tracebacks}"
        shown = _save(page, teaching_lab, name)
        assert _error_outputs(shown) == [], f"{name}: error outputs; screenshot: {path}"
        assert len(prompts) == sum(cell["cell_type"] == "code" for cell in shown["cells"])
        SHOWN_TWICE[stem] = _models_shown_twice(shown)

        # Every widget output is a live view (not "Loading widget…", not an error).
        widget_outputs = sum(
            WIDGET_MIME in output.get("data", {})
            for cell in shown["cells"]
            for output in cell.get("outputs", [])
        )
        expect(notebook.locator(WIDGET_VIEW)).to_have_count(widget_outputs)
        unrendered = notebook.locator(
            ".jp-OutputArea-output",
            has_text=re.compile(r"Error displaying widget|Loading widget|model not found"),
        )
        expect(unrendered).to_have_count(0)

        # As many diagrams shown as pictures as the notebook has diagrams.
        diagrams = len(_diagram_outputs(shown))
        assert diagrams == len(_diagram_outputs(_saved(name)))
        if diagrams:
            try:
                page.wait_for_function(
                    _IMAGES_LOADED_JS, arg=[DIAGRAM_IMAGES, diagrams], timeout=UPDATE_TIMEOUT
                )
            except TimeoutError:
                sizes = page.evaluate(_IMAGE_SIZES_JS, DIAGRAM_IMAGES)
                pytest.fail(f"{name}: {diagrams} diagram(s) expected, images: {sizes}")

        check = WIDGET_CHECKS.get(stem)
        if check is not None:
            focus = check(page, notebook)
        elif diagrams:
            focus = notebook.locator(DIAGRAM_IMAGES).first
        else:
            focus = notebook.locator(".jp-CodeCell .jp-OutputArea").last
        shot(page, artifacts, f"notebook-{stem}", focus)
    except (AssertionError, pytest.fail.Exception):
        shot(page, artifacts, f"notebook-{stem}-failed")
        errors = errors_shown(page)
        if errors:
            print(f"{name} shows:\n{errors}")
        raise


def test_no_widget_is_shown_twice() -> None:
    """A panel displayed by two cells is one model in two places: the first no longer shows
    what the prose under it describes once the second cell drives it."""
    if not SHOWN_TWICE:
        pytest.skip("test_run_all has not run in this session")
    assert {stem: cells for stem, cells in SHOWN_TWICE.items() if cells} == {}


@pytest.mark.parametrize(
    "name", [name for name in NOTEBOOKS if _diagram_outputs(_saved(name))] or ["(none)"]
)
def test_saved_diagrams_show_in_an_untrusted_notebook(
    page: Any, teaching_lab: Any, artifacts: Path, name: str
) -> None:
    """Open the notebook as saved, untrusted (a fresh clone's), without running anything:
    every saved sequence diagram shows as a picture, not as ``<SVG 964×472, … characters>``.

    The copy gets one more output next to each diagram, the diagram as SVG alone: JupyterLab
    must show that one as text, which proves the notebook is untrusted here."""
    from playwright.sync_api import TimeoutError, expect

    if name == "(none)":
        pytest.fail("no teaching notebook has a saved sequence diagram")
    saved = _saved(name)
    outputs = _diagram_outputs(saved)
    stale = [o for o in outputs if "text/markdown" not in o["data"]]
    assert not stale, (
        f"{name}: {len(stale)} saved diagram(s) have no text/markdown form (the saved outputs "
        "predate SVG._repr_markdown_): re-run the notebook and save it"
    )
    for cell in saved["cells"]:
        for output in list(cell.get("outputs", [])):
            if SVG_MIME in output.get("data", {}):
                control = {key: output["data"][key] for key in (SVG_MIME, "text/plain")}
                cell["outputs"].append(
                    {"output_type": "display_data", "data": control, "metadata": {}}
                )
    copy = f"untrusted-{name}"
    (teaching_lab.root / copy).write_text(json.dumps(saved, ensure_ascii=False), "utf-8")
    # Opened as the file browser opens it, in the shared page's JupyterLab; no kernel starts
    # (nothing runs: the saved outputs are all there is to see).
    teaching_lab.open_in(page, copy, start_kernel=False)
    notebook = page.locator(".jp-NotebookPanel:visible")
    notebook.locator(".jp-Cell").first.wait_for(timeout=UPDATE_TIMEOUT * 4)
    fallback = notebook.locator(
        ".jp-OutputArea-output[data-mime-type='text/plain']",
        has_text=re.compile(r"<SVG \d+×\d+, \d+ characters>"),
    )
    # The control outputs (SVG alone) show as text: the notebook is untrusted.
    expect(fallback).to_have_count(len(outputs), timeout=UPDATE_TIMEOUT)
    try:
        page.wait_for_function(
            _IMAGES_LOADED_JS, arg=[DIAGRAM_IMAGES, len(outputs)], timeout=UPDATE_TIMEOUT
        )
    except TimeoutError:
        sizes = page.evaluate(_IMAGE_SIZES_JS, DIAGRAM_IMAGES)
        path = shot(page, artifacts, f"untrusted-{Path(name).stem}-failed")
        pytest.fail(
            f"{name}: the saved diagram does not show untrusted (images: {sizes}); "
            f"screenshot: {path}"
        )
    images = page.evaluate(_IMAGE_SIZES_JS, DIAGRAM_IMAGES)
    assert len(images) == len(outputs), images
    assert all(w > 0 and h > 0 and sw > 0 and sh > 0 for w, h, sw, sh in images), images
    shot(page, artifacts, f"untrusted-{Path(name).stem}", notebook.locator(DIAGRAM_IMAGES))
