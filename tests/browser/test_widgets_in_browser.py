"""The widgets, live in JupyterLab, driven by a real headless Chromium (issue #5).

Each test opens its own small notebook from ``tests/browser/notebooks``, runs all cells
from the Run menu, waits for the panel and works it like a learner would: typing, choosing,
pressing buttons. A screenshot per step goes to ``test-artifacts/browser/``.

The layout tests measure the panels in the page: every button shows its whole label, no
control sticks out of its panel, no content is cut off, and the replayer's columns wrap
between words (probes in ``browser_helpers``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    UPDATE_TIMEOUT,
    broken_words,
    clipped_buttons,
    clipped_content,
    open_and_run,
    overflowing,
    save_and_read,
    wait_kernel_idle,
)
from browser_helpers import shot as _shot

pytestmark = pytest.mark.browser


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
    text = save_and_read(page, lab.root / "explorer.ipynb")
    _shot(page, artifacts, "explorer-4-token-typed-and-saved", panel)
    state = json.loads(text)["metadata"].get("widgets", {})
    assert "application/vnd.jupyter.widget-state+json" in state, "no widget state was saved"
    assert secret not in text


# -- the auth-token field, typed key by key ------------------------------------------------

GIVEN_TOKEN = "MAbrowserTEST-not-a-real-token"  # the token the test notebooks give
OTHER_TOKEN = "MAother-token-typed-key-by-key"
# Playwright's per-key delay (ms). Shorter or not, each key is its own keydown, input and
# keyup, which the page has handled before Playwright sends the next key.
TYPING_DELAY = 5


def _enter_token(page: Any, field: Any, token: str, *, paste: bool = False) -> None:
    """Type ``token`` key by key (or paste it: ``fill``) into the Password ``field``, press
    Enter, and wait until the kernel has taken it (the field is emptied)."""
    from playwright.sync_api import expect

    field.click()
    if paste:
        field.fill(token)
    else:
        field.press_sequentially(token, delay=TYPING_DELAY)
    expect(field).to_have_value(token)  # nothing is sent, nor cleared, while typing
    field.press("Enter")
    expect(field).to_have_value("", timeout=UPDATE_TIMEOUT)
    # The kernel emptied the field while busy; once it is idle again, every update it
    # made (verdict, label, signature) has reached the page.
    wait_kernel_idle(page)


def test_explorer_token_typed_key_by_key_counts_as_pasted(
    page: Any, lab: Any, artifacts: Path
) -> None:
    """Typing a token key by key and pressing Enter gives the same verdict, and the same
    computed signature, as pasting it (the kernel used to keep the last key only); Enter in
    the empty field, or the button, goes back to the token the explorer was made with."""
    from playwright.sync_api import expect

    panel = open_and_run(
        page, lab, artifacts, "explorer.ipynb", "SignatureExplorer", "smsxml-explorer"
    )
    field = panel.locator(".smsxml-explorer-token input")
    in_use = panel.locator(".smsxml-explorer-token-in-use")
    reset = panel.locator("button.smsxml-explorer-token-reset")
    verdict = panel.locator(".smsxml-explorer-verdict")
    compare = panel.locator(".smsxml-explorer-compare")
    diagnosis = panel.locator(".smsxml-explorer-diagnosis")
    expect(verdict.locator(".smsxml-valid")).to_be_visible(timeout=UPDATE_TIMEOUT)
    expect(in_use).to_contain_text("given")
    expect(reset).to_be_disabled()
    computed_given = compare.inner_text()

    # the given token itself, typed key by key: valid (the last key alone was "invalid")
    _enter_token(page, field, GIVEN_TOKEN)
    expect(in_use).to_contain_text("typed", timeout=UPDATE_TIMEOUT)
    expect(verdict.locator(".smsxml-valid")).to_be_visible()
    assert compare.inner_text() == computed_given

    # another token, typed then pasted: the same verdict, diagnosis and computed signature
    _enter_token(page, field, OTHER_TOKEN)
    expect(verdict.locator(".smsxml-invalid")).to_be_visible(timeout=UPDATE_TIMEOUT)
    typed = (verdict.inner_text(), diagnosis.inner_text(), compare.inner_text())
    _shot(page, artifacts, "explorer-5-token-typed-key-by-key", panel)
    reset.click()
    expect(verdict.locator(".smsxml-valid")).to_be_visible(timeout=UPDATE_TIMEOUT)
    expect(in_use).to_contain_text("given")
    _enter_token(page, field, OTHER_TOKEN, paste=True)
    expect(verdict.locator(".smsxml-invalid")).to_be_visible(timeout=UPDATE_TIMEOUT)
    assert (verdict.inner_text(), diagnosis.inner_text(), compare.inner_text()) == typed
    assert typed[2] != computed_given

    # typed with a slip, corrected with Backspace: what is taken is what the field showed
    field.click()
    field.press_sequentially(GIVEN_TOKEN[:-3] + "xyz", delay=TYPING_DELAY)
    for _ in range(3):
        field.press("Backspace")
    field.press_sequentially(GIVEN_TOKEN[-3:], delay=TYPING_DELAY)
    field.press("Enter")
    expect(verdict.locator(".smsxml-valid")).to_be_visible(timeout=UPDATE_TIMEOUT)
    expect(field).to_have_value("")
    expect(in_use).to_contain_text("typed")

    # clearing the field (Enter with nothing in it) goes back to the given token
    _enter_token(page, field, OTHER_TOKEN)
    expect(verdict.locator(".smsxml-invalid")).to_be_visible(timeout=UPDATE_TIMEOUT)
    field.click()
    field.press("Enter")
    expect(in_use).to_contain_text("given", timeout=UPDATE_TIMEOUT)
    expect(verdict.locator(".smsxml-valid")).to_be_visible()
    expect(reset).to_be_disabled()
    assert compare.inner_text() == computed_given
    for secret in (GIVEN_TOKEN, OTHER_TOKEN):
        assert secret not in panel.inner_text()

    # one character of the signature changed: marked in the computed and received rows
    signature = panel.locator(".smsxml-explorer-signature input")
    original = signature.input_value()
    changed = original[:12] + ("A" if original[12] != "A" else "B") + original[13:]
    signature.fill(changed)
    signature.press("Enter")
    expect(compare.locator("mark")).to_have_count(2, timeout=UPDATE_TIMEOUT)
    assert compare.locator("mark").all_inner_texts() == [original[12], changed[12]]
    _shot(page, artifacts, "explorer-6-signature-diff", panel)
    panel.screenshot(path=str(artifacts / "explorer-panel.png"))


def test_replayer_token_typed_key_by_key_counts_as_pasted(
    page: Any, lab: Any, artifacts: Path
) -> None:
    """The replayer's token field: typed key by key or pasted, the replay ends the same;
    Enter in the empty field goes back to the token the replayer was made with."""
    from playwright.sync_api import expect

    panel = open_and_run(
        page, lab, artifacts, "replayer.ipynb", "RequestReplayer", "smsxml-replayer"
    )
    field = panel.locator(".smsxml-replayer-token input")
    status = panel.locator(".smsxml-replayer-status")
    expect(panel.locator(".smsxml-replayer-original")).to_contain_text(
        "Hello replay", timeout=UPDATE_TIMEOUT
    )

    def replayed() -> str:
        """Replay; the outcome ("200 OK", "403 Forbidden"). The status numbers each replay
        ("#2 · 12:00:01 · 200 OK"), so a new one always shows."""
        before = status.inner_text()
        panel.locator("button.smsxml-replayer-send").click()
        expect(status).not_to_have_text(before, timeout=UPDATE_TIMEOUT)
        found = re.search(r"\b[2-5]\d\d(?: [A-Z][A-Za-z]*)+", status.inner_text())
        assert found, status.inner_text()
        return found.group()

    # the right token, typed key by key, re-signs the request correctly
    _enter_token(page, field, GIVEN_TOKEN)
    expect(field).to_have_attribute("placeholder", re.compile(r"\(typed\)"))
    assert replayed() == "200 OK"

    _enter_token(page, field, OTHER_TOKEN)
    typed = replayed()
    assert typed.startswith("403")
    _enter_token(page, field, OTHER_TOKEN, paste=True)
    assert replayed() == typed

    # Enter in the empty field: back to the given token
    field.click()
    field.press("Enter")
    expect(field).to_have_attribute("placeholder", re.compile(r"\(given\)"), timeout=UPDATE_TIMEOUT)
    assert replayed() == "200 OK"
    _shot(page, artifacts, "replayer-3-token-typed-and-back", panel)
    for secret in (GIVEN_TOKEN, OTHER_TOKEN):
        assert secret not in panel.inner_text()


# -- layout: what a learner sees cut, sticking out or broken -------------------------------


def _replay(panel: Any) -> None:
    from playwright.sync_api import expect

    panel.locator("button.smsxml-replayer-send").click()
    expect(panel.locator(".smsxml-replayer-status")).to_contain_text(
        "200 OK", timeout=UPDATE_TIMEOUT
    )


def _send(panel: Any) -> None:
    from playwright.sync_api import expect

    panel.locator("button.smsxml-composer-send").click()
    expect(panel.locator(".smsxml-composer-flow svg")).to_be_visible(timeout=UPDATE_TIMEOUT)


@pytest.mark.parametrize(
    ("notebook", "widget", "css", "work"),
    [
        ("composer.ipynb", "MessageComposer", "smsxml-composer", _send),
        ("explorer.ipynb", "SignatureExplorer", "smsxml-explorer", None),
        ("replayer.ipynb", "RequestReplayer", "smsxml-replayer", _replay),
    ],
    ids=["composer", "explorer", "replayer"],
)
def test_layout_nothing_cut_nothing_sticks_out(
    page: Any, lab: Any, artifacts: Path, notebook: str, widget: str, css: str, work: Any
) -> None:
    """Every button shows its whole label (the replayer's "Refresh list" was cut to
    "Refresh…"), and every control, its input box included, stays inside the panel (the
    text inputs stuck out by 2 px, their right border cut off)."""
    panel = open_and_run(page, lab, artifacts, notebook, widget, css)
    if work is not None:
        work(panel)
    path = _shot(page, artifacts, f"{css}-layout", panel)
    assert clipped_buttons(panel) == [], f"{widget}: buttons cut short; screenshot: {path}"
    assert overflowing(panel) == [], f"{widget}: controls stick out; screenshot: {path}"
    assert clipped_content(panel) == [], f"{widget}: content cut off; screenshot: {path}"


def test_layout_replayer_columns_break_lines_between_words(
    page: Any, lab: Any, artifacts: Path
) -> None:
    """Recorded / Sent / Answer wrap between words, never inside one (they showed
    ``…/receive_sm`` ``s/`` on two lines), and stay inside the panel."""
    panel = open_and_run(
        page, lab, artifacts, "replayer.ipynb", "RequestReplayer", "smsxml-replayer"
    )
    _replay(panel)
    path = _shot(
        page, artifacts, "smsxml-replayer-columns", panel.locator(".smsxml-replayer-response")
    )
    for name in ("original", "request", "response"):
        column = panel.locator(f".smsxml-replayer-{name}")
        assert broken_words(column) == [], f"{name}: words broken over two lines; {path}"
    assert overflowing(panel) == [], f"columns stick out; screenshot: {path}"
