"""The committed notebooks as files: what a reader on GitHub (or a fresh clone) gets."""

from __future__ import annotations

import json
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
