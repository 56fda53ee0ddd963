"""The committed notebooks as files: what a reader on GitHub (or a fresh clone) gets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 8


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_saved_widget_state(path: Path) -> None:
    """Saved widget state is front-end noise (tens of KB) and can carry what a learner typed:
    the notebooks are committed without it (JupyterLab's Save Widget State setting adds it)."""
    metadata = json.loads(path.read_text())["metadata"]
    assert "widgets" not in metadata, f"{path.name}: strip metadata.widgets before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_code_cell_has_its_saved_output(path: Path) -> None:
    """Readers see results without running anything; nbval compares them on every run."""
    cells = json.loads(path.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code and all(c.get("execution_count") for c in code), path.name


# --- the prose: what a learner reads ---------------------------------------------------------


def _markdown(path: Path) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


#: Words about the project's own test suite, which a learner never runs and should not read
#: about (testing *your* app, as 07 teaches, is another matter: "your own test suite" is fine).
_ABOUT_OUR_TESTS = re.compile(
    r"nbval|saved outputs?|notebook tests?|tests? (show|shows|compare)|tested byte|"
    r"(this|the) notebook(s)? (is|are|can be) tested|\bsanitiz",
    re.IGNORECASE,
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_prose_never_mentions_the_projects_tests(path: Path) -> None:
    found = [m.group(0) for cell in _markdown(path) for m in _ABOUT_OUR_TESTS.finditer(cell)]
    assert not found, f"{path.name}: {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_heading_style(path: Path) -> None:
    """Title "# NN · …" with the file's number; every note "**What to notice.**"; a bold
    lead-in ends with a full stop, never a colon."""
    cells = _markdown(path)
    number = path.stem[:2]
    assert cells[0].startswith(f"# {number} · "), f"{path.name}: {cells[0].splitlines()[0]}"
    titles = [line for cell in cells for line in cell.splitlines() if re.match(r"# ", line)]
    assert len(titles) == 1, titles
    text = "\n".join(cells)
    assert "What to notice" in text or path.stem.startswith("07")
    assert not re.findall(r"What to notice(?!\.\*\* [A-Z0-9`\"(*])", text), path.name
    assert not re.findall(r"\*\*[^*\n]{1,60}:\*\*", text), path.name


def test_the_start_page_names_every_notebook() -> None:
    start = "\n".join(_markdown(NOTEBOOKS[0]))
    assert NOTEBOOKS[0].stem == "00_start_here"
    missing = [p.stem for p in NOTEBOOKS if f"**{p.stem}**" not in start]
    assert not missing, f"00's map of the notebooks leaves out {missing}"


#: (notebook, phrase) that contradicted what the screen shows: gone for good.
_CONTRADICTIONS = [
    ("02_composing_message_xml", "The widget\nabove has changed too"),
    ("02_composing_message_xml", "has changed too"),
    ("01_message_flow", "It is a genuine HTTP server"),
    ("01_message_flow", "over real HTTP"),
    ("01_message_flow", "show it as `PORT`"),
    ("04_local_webhook", "saved output stays the same"),
    ("06_workshop_exercises", 'report.get("ErrorCode"'),
    ("06_workshop_solutions", 'report.get("ErrorCode"'),
    ("06_workshop_exercises", "keep the beginning and end"),
    ("06_workshop_solutions", "keep the beginning and end"),
    # The composer has no curl section any more.
    ("02_composing_message_xml", "as `curl`"),
    # smsxml's requests carry V3 as well, and V3 decides: the logs say "valid V3".
    ("01_message_flow", '("valid V2")'),
    ("04_local_webhook", "checked (`signed V2`)"),
    ("05_replaying_requests", "All three were accepted (`valid V2`)"),
    ("07_your_own_app", '"valid V2" for the public URL'),
    # Replay memory is on by default, and an identical repeat is served as a duplicate.
    ("03_signature_validation", "The\noption is off by default"),
    ("03_signature_validation", "option is off by default"),
    ("05_replaying_requests", "refuses the copy with **403**"),
    ("05_replaying_requests", "no protection"),
]


@pytest.mark.parametrize(("stem", "phrase"), _CONTRADICTIONS)
def test_a_phrase_that_contradicted_the_screen_is_gone(stem: str, phrase: str) -> None:
    (path,) = [p for p in NOTEBOOKS if p.stem == stem]
    assert phrase not in "\n".join(_markdown(path))


def test_01_says_in_its_prose_what_the_browser_build_does_instead() -> None:
    """The same notebook runs in JupyterLab (a real server) and in JupyterLite (in-process):
    one markdown cell covers both, before the hook is started."""
    (path,) = [p for p in NOTEBOOKS if p.stem == "01_message_flow"]
    cells = json.loads(path.read_text())["cells"]
    starts = next(
        i for i, c in enumerate(cells) if "LocalWebhook(auto_reply" in "".join(c["source"])
    )
    before = "".join(cells[starts - 1]["source"])
    assert cells[starts - 1]["cell_type"] == "markdown"
    assert "JupyterLab" in before and "real HTTP server on `127.0.0.1`" in before
    assert "JupyterLite" in before and "in-process" in before
    assert "nothing can listen on a port" in before


def _code(stem: str) -> str:
    (path,) = [p for p in NOTEBOOKS if p.stem == stem]
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize(
    ("stem", "call", "times"),
    [
        ("02_composing_message_xml", "segment_bar(", 2),
        ("03_signature_validation", "signing_steps_v2(", 2),
        ("04_local_webhook", "proxy_path(", 1),
        ("07_your_own_app", "proxy_path(", 1),
    ],
)
def test_the_pictures_are_where_the_prose_explains_them(stem: str, call: str, times: int) -> None:
    assert _code(stem).count(call) == times


def test_03_teaches_the_one_policy() -> None:
    """Rule order, duplicate vs replay, stripped V3 without memory, and the nonce shift."""
    code = _code("03_signature_validation")
    for piece in (
        "verify(",
        "MemoryNonceStore()",
        "nonces=store",
        "nonces=None",
        "without_v3(",
        'sign_v3("GET", SHIFTED',
        'diagnose_v2(URL, NONCE, "not base64!!"',
    ):
        assert piece in code, piece
    prose = "\n".join(_markdown(NOTEBOOKS[3]))
    assert NOTEBOOKS[3].stem == "03_signature_validation"
    for heading in ("## One policy", "## Duplicate or replay", "V3 stripped", "must be digits"):
        assert heading in prose, heading


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_public_names_come_from_the_public_face(path: Path) -> None:
    """One import path: a name smsxml makes public is imported from ``smsxml`` itself, in
    every notebook; only what the public face does not hold comes from a submodule."""
    import smsxml

    source = "\n".join(
        "".join(cell["source"])
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
        if cell["cell_type"] == "code"
    )
    wrong = [
        f"from {module} import {name}"
        for module, names in re.findall(
            r"^\s*from (smsxml\.[\w.]+) import \(?([^)\n]*)", source, re.M
        )
        for name in (n.strip().split(" as ")[0] for n in names.split(","))
        if name in smsxml.__all__
    ]
    assert wrong == [], f"{path.name}: import these from smsxml: {wrong}"
