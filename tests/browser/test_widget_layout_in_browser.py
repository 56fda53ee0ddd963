"""The panels on a laptop screen: JupyterLab at 1366×768 in a real headless Chromium.

Issue 26 ("widgets that show the result first"): the composer was about 2,100 px tall in
one column, its flow diagram ~1,000 px below the Send button; the replayer's answer wrapped
out of view below two long request dumps; the timeline cut "undelivered" to "undelive…".
These tests measure the panels in the page. The screenshots of the composer and of the
replayer go to ``test-artifacts/browser/`` (and, with ``SMSXML_SCREENSHOTS=1``, to
``docs/screenshots/``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    REPO_ROOT,
    UPDATE_TIMEOUT,
    SharedPage,
    clipped_content,
    open_and_run,
    overflowing,
    shot,
)

pytestmark = pytest.mark.browser

#: A laptop screen (the commonest small one), JupyterLab's menu, tabs and status bar included.
LAPTOP = {"width": 1366, "height": 768}


def _notebook(*source: str) -> str:
    """A one-cell notebook running ``source`` (lines), as JSON."""
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": [line + "\n" for line in source[:-1]] + [source[-1]],
    }
    return json.dumps(
        {
            "cells": [cell],
            "metadata": {
                "kernelspec": {
                    "display_name": "Python 3 (ipykernel)",
                    "language": "python",
                    "name": "python3",
                }
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


#: Notebook 02's composer: an emoji and a callbackUrl (a fourth lifeline, delivery reports).
CALLBACK_COMPOSER = _notebook(
    "from smsxml.widgets import MessageComposer",
    "",
    "composer = MessageComposer(",
    "    text='Thanks! We got your message 👍',",
    "    callback_url='https://example.com/sms_status/',",
    "    auth_token='MAbrowserTEST-not-a-real-token',",
    ")",
    "composer",
)

#: A flow with every final status: delivered, undelivered, rejected (older reports) and failed.
TIMELINE_NOTEBOOK = _notebook(
    "from smsxml import Response, Simulator",
    "from smsxml.widgets import FlowTimeline",
    "",
    "TOKEN = 'MAbrowserTEST-not-a-real-token'",
    "OUTCOMES = {'14155550101': 'undelivered', '14155550102': 'rejected',",
    "            '14155550103': 'failed'}",
    "sim = Simulator(TOKEN, seed=3, legacy_reports=True, outcomes=OUTCOMES)",
    "reply = Response().add_message(",
    "    'Hi', src='12025550000', dst='14155550100<14155550101<14155550102<14155550103')",
    "",
    "def app(environ, start_response):",
    "    start_response('200 OK', [('Content-Type', 'application/xml')])",
    "    return [reply.to_xml().encode()]",
    "",
    "flow = sim.receive_sms(app, from_='14155550100', to='12025550000', text='Hi')",
    "FlowTimeline(flow)",
)


@pytest.fixture()
def laptop(shared_page: SharedPage) -> Iterator[Any]:
    """The shared page, the size of a laptop screen; its tabs and kernels closed after."""
    try:
        yield shared_page.page(LAPTOP)
    finally:
        shared_page.reset()


def _keep(path: Path, name: str) -> None:
    """Copy a screenshot to docs/screenshots/ when asked (SMSXML_SCREENSHOTS=1)."""
    if os.environ.get("SMSXML_SCREENSHOTS", "").strip() in ("1", "true", "yes"):
        folder = REPO_ROOT / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / name)


#: Where things are, in page pixels: the panel, the Send button, the flow result, and the top
#: of the notebook's scrolling area (below JupyterLab's menu and toolbar).
_COMPOSER_BOXES_JS = """panel => {
  const box = el => { const r = el.getBoundingClientRect();
                      return {top: r.top, bottom: r.bottom, height: r.height}; };
  const scroller = panel.closest('.jp-WindowedPanel-outer, .jp-Notebook');
  return {
    panel: box(panel),
    send: box(panel.querySelector('button.smsxml-composer-send')),
    flow: box(panel.querySelector('.smsxml-composer-flow')),
    outcome: box(panel.querySelector('.smsxml-composer-outcome') || panel),
    diagram: box(panel.querySelector('.smsxml-flow-diagram') || panel),
    area: box(scroller),
    viewport: window.innerHeight,
  };
}"""


@pytest.mark.parametrize("callback", [False, True], ids=["plain", "callback-url"])
def test_composer_fits_a_laptop_screen(
    laptop: Any, lab: Any, artifacts: Path, callback: bool
) -> None:
    """Scrolled to its top, the composer shows the Send button and the start of the
    simulated flow on a 1366×768 screen: the result is just under the button."""
    from playwright.sync_api import expect

    notebook = "composer.ipynb"
    if callback:
        notebook = "composer_callback.ipynb"
        (lab.root / notebook).write_text(CALLBACK_COMPOSER, encoding="utf-8")
    panel = open_and_run(laptop, lab, artifacts, notebook, "MessageComposer", "smsxml-composer")
    expect(panel.locator(".smsxml-composer-xml")).to_contain_text(
        "Plivo!" if not callback else "👍", timeout=UPDATE_TIMEOUT
    )
    before = panel.evaluate(_COMPOSER_BOXES_JS)
    panel.locator("button.smsxml-composer-send").click()
    expect(panel.locator(".smsxml-composer-flow .smsxml-flow-diagram svg")).to_be_visible(
        timeout=UPDATE_TIMEOUT
    )
    panel.evaluate("panel => panel.scrollIntoView({block: 'start'})")
    after = panel.evaluate(_COMPOSER_BOXES_JS)
    path = shot(laptop, artifacts, f"composer-laptop-{'callback' if callback else 'plain'}")
    if callback:
        _keep(path, "composer.png")
    print(f"composer: before Send {before['panel']['height']:.0f} px tall; after {after}")
    room = after["area"]["height"]  # the notebook's own scrolling area
    assert before["panel"]["height"] <= room, (
        f"before Send the composer is {before['panel']['height']:.0f} px tall: more than the "
        f"{room:.0f} px a laptop shows; screenshot: {path}"
    )
    gap = after["outcome"]["top"] - after["send"]["bottom"]
    assert 0 <= gap <= 80, (
        f"the result starts {gap:.0f} px below the Send button; screenshot: {path}"
    )
    seen = after["diagram"]["top"] + 200 - after["panel"]["top"]
    assert seen <= room, (
        f"with the panel at the top of the notebook, the outcome and the first 200 px of the "
        f"diagram need {seen:.0f} px: more than the {room:.0f} px shown; screenshot: {path}"
    )
    assert overflowing(panel) == [], f"controls stick out; screenshot: {path}"
    assert clipped_content(panel) == [], f"content cut off; screenshot: {path}"


def test_replayer_shows_the_answer_first(laptop: Any, lab: Any, artifacts: Path) -> None:
    """After Replay, the answer is on screen just under the button, and each click shows
    a new replay number."""
    from playwright.sync_api import expect

    panel = open_and_run(
        laptop, lab, artifacts, "replayer.ipynb", "RequestReplayer", "smsxml-replayer"
    )
    send = panel.locator("button.smsxml-replayer-send")
    status = panel.locator(".smsxml-replayer-status")
    send.click()
    expect(status).to_contain_text("#1", timeout=UPDATE_TIMEOUT)
    send.click()
    expect(status).to_contain_text("#2", timeout=UPDATE_TIMEOUT)
    response = panel.locator(".smsxml-replayer-response")
    expect(response).to_contain_text("echo: Hello replay")
    panel.evaluate("panel => panel.scrollIntoView({block: 'start'})")
    path = shot(laptop, artifacts, "replayer-laptop")
    _keep(path, "replayer.png")
    answer = response.evaluate("el => el.getBoundingClientRect().bottom")
    height = laptop.evaluate("() => window.innerHeight")
    assert answer <= height, (
        f"the answer ends at {answer:.0f} px: below a {height} px screen; screenshot: {path}"
    )
    assert overflowing(panel) == [], f"controls stick out; screenshot: {path}"


#: Cells of the events table whose text is cut (wider than the cell), with their text.
_TRUNCATED_JS = """panel => [...panel.querySelectorAll('td, th, text, tspan')]
  .filter(c => (c.scrollWidth > c.clientWidth + 1) || /…$/.test(c.textContent.trim()))
  .map(c => c.textContent.trim())"""


def test_timeline_statuses_read_in_full(laptop: Any, lab: Any, artifacts: Path) -> None:
    """Every status of the timeline is there in full (no "undelive…") and every kind of
    failure is coloured as one."""
    from playwright.sync_api import expect

    (lab.root / "timeline_layout.ipynb").write_text(TIMELINE_NOTEBOOK, encoding="utf-8")
    panel = open_and_run(
        laptop, lab, artifacts, "timeline_layout.ipynb", "FlowTimeline", "smsxml-timeline"
    )
    statuses = panel.locator(".smsxml-timeline-status")
    expect(statuses.first).to_be_visible(timeout=UPDATE_TIMEOUT)
    path = shot(laptop, artifacts, "timeline-laptop", panel)
    found = statuses.evaluate_all(
        """cells => cells.map(c => [c.textContent.trim(), c.scrollWidth <= c.clientWidth,
                                   getComputedStyle(c).color])"""
    )
    texts = {text for text, _, _ in found}
    assert {"undelivered", "rejected", "failed", "delivered"} <= texts, f"{found}; {path}"
    assert all(fits for _, fits, _ in found), f"status cut short: {found}; {path}"
    failure = {colour for text, _, colour in found if text in ("undelivered", "rejected", "failed")}
    assert len(failure) == 1, f"failures coloured differently: {found}; {path}"
    assert failure != {colour for text, _, colour in found if text == "delivered"}
    svg_labels = panel.locator(".smsxml-timeline-diagram svg text").all_text_contents()
    assert not [t for t in svg_labels if "undelive…" in t], f"{svg_labels}; {path}"
