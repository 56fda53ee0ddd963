"""SVG sequence diagrams: well-formed, deterministic, escaped."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsxml.diagram import SVG, Step, sequence_diagram

NS = "{http://www.w3.org/2000/svg}"
PEOPLE = ["Phone", "Plivo", "Your app"]


def steps() -> list[Step]:
    return [
        Step("Phone", "Plivo", 'SMS "hi"', time="12:00:00.000"),
        Step("Plivo", "Your app", "POST /receive_sms/"),
        Step("Your app", "Plivo", "200 text/xml", "reply"),
        Step("Plivo", "Plivo", "queued", "note"),
        Step("Plivo", "", "src not owned", "error"),
        Step("Plivo", "Plivo", "retry"),
    ]


def test_structure() -> None:
    svg = sequence_diagram(PEOPLE, steps(), title="Flow")
    root = ET.fromstring(svg.data)
    assert root.tag == f"{NS}svg"
    texts = [t.itertext() for t in root.iter(f"{NS}text")]
    flat = ["".join(t) for t in texts]
    for name in PEOPLE:
        assert flat.count(name) == 2  # head and foot boxes
    assert "Flow" in flat and "12:00:00.000" in flat
    lifelines = [e for e in root.iter(f"{NS}line") if e.get("stroke-dasharray") == "4 4"]
    assert len(lifelines) == 3
    assert len(list(root.iter(f"{NS}polygon"))) == 4  # 3 arrows and one self-message
    dashed = [e for e in root.iter(f"{NS}line") if e.get("stroke-dasharray") == "6 4"]
    assert len(dashed) == 1  # the reply
    width, height = int(root.get("width")), int(root.get("height"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    for rect in root.iter(f"{NS}rect"):
        left = float(rect.get("x"))
        assert 0 <= left and left + float(rect.get("width")) <= width


def test_deterministic() -> None:
    assert sequence_diagram(PEOPLE, steps()).data == sequence_diagram(PEOPLE, steps()).data
    assert sequence_diagram(PEOPLE, steps()) == sequence_diagram(PEOPLE, steps())
    assert sequence_diagram(PEOPLE, steps()) != sequence_diagram(PEOPLE, steps()[:2])


def test_text_is_escaped() -> None:
    nasty = "<script>alert('x')</script> & \"quotes\" \x00\x1b \udcff"
    svg = sequence_diagram(["A <b>", "B & C"], [Step("A <b>", "B & C", nasty)], title=nasty)
    root = ET.fromstring(svg.data)  # still well-formed XML
    assert "<script>" not in svg.data and "&lt;script&gt;" in svg.data
    assert "\x00" not in svg.data and "\x1b" not in svg.data and "\udcff" not in svg.data
    svg.data.encode("utf-8")  # no lone surrogate: it can be saved
    assert not list(root.iter(f"{NS}script"))
    texts = ["".join(t.itertext()) for t in root.iter(f"{NS}text")]
    assert "A <b>" in texts and "B & C" in texts


def test_long_labels_are_cut_with_the_full_text_as_a_tooltip() -> None:
    label = "x" * 300
    svg = sequence_diagram(["A", "B"], [Step("A", "B", label)])
    root = ET.fromstring(svg.data)
    (arrow_text,) = [t for t in root.iter(f"{NS}text") if t.find(f"{NS}title") is not None]
    assert arrow_text.find(f"{NS}title").text == label
    assert "…" in "".join(arrow_text.itertext())


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="not one of the participants"):
        sequence_diagram(PEOPLE, [Step("Phone", "Carrier", "x")])
    with pytest.raises(ValueError):
        sequence_diagram([], [])
    with pytest.raises(ValueError):
        sequence_diagram(["A", "A"], [])
    with pytest.raises(ValueError):
        Step("A", "B", "x", kind="dotted")


def test_svg_object(tmp_path: Path) -> None:
    svg = sequence_diagram(PEOPLE, steps())
    assert isinstance(svg, SVG) and svg._repr_svg_() == svg.data == str(svg)
    assert re.fullmatch(r"<SVG \d+×\d+, \d+ characters>", repr(svg))
    path = svg.save(tmp_path / "flow.svg")
    assert path.read_text(encoding="utf-8") == svg.data


def test_svg_as_markdown_image_for_untrusted_notebooks() -> None:
    """JupyterLab shows image/svg+xml only in trusted notebooks; the Markdown form, an image
    with a data: URI, shows in untrusted ones (checked in Chromium: tests/browser)."""
    diagram = [*steps(), Step("Phone", "Plivo", "<b>& é 😀")]
    svg = sequence_diagram(PEOPLE, diagram)
    markdown = svg._repr_markdown_()
    match = re.fullmatch(r"!\[sequence diagram\]\((data:image/svg\+xml;base64,([^)]+))\)", markdown)
    assert match, markdown[:80]
    assert match.group(1) == svg.data_uri
    assert base64.b64decode(match.group(2), validate=True).decode("utf-8") == svg.data
    assert sequence_diagram(PEOPLE, diagram)._repr_markdown_() == markdown  # deterministic


@given(st.lists(st.text(max_size=80), min_size=1, max_size=6))
def test_any_label_gives_well_formed_svg(labels: list[str]) -> None:
    diagram = [
        Step("A", "B" if i % 2 else "A", text, ("arrow", "reply", "note", "error")[i % 4])
        for i, text in enumerate(labels)
    ]
    root = ET.fromstring(sequence_diagram(["A", "B"], diagram, title=labels[0]).data)
    assert root.tag == f"{NS}svg"


def test_warnings_are_amber_errors_red_and_notes_grey() -> None:
    steps = [
        Step("Plivo", "Plivo", "queued", "note"),
        Step("Plivo", "Plivo", "warning: callback-unreachable", "warning"),
        Step("Plivo", "Plivo", "error: bad-type", "error"),
    ]
    svg = sequence_diagram(["Plivo"], steps).data
    boxes = re.findall(r"<rect[^>]*fill='(#[0-9a-f]{6})' stroke='(#[0-9a-f]{6})'", svg)
    assert boxes[-3:] == [("#f6f8fa", "#4d4d4d"), ("#fff8c5", "#9a6700"), ("#fde7ea", "#b00020")]


def test_a_flow_draws_its_warning_in_amber_not_in_the_red_of_a_failure() -> None:
    from smsxml import Response, Simulator, WebhookApp

    app = WebhookApp(
        lambda m: Response().add_message("hi", src=m.to, dst=m.from_, callback_method="POST")
    )
    flow = Simulator(seed=1).receive_sms(app, "14155550100", "12025550000", "hi")
    assert [p.severity for p in flow.problems] == ["warning"]
    svg = flow.sequence_diagram().data
    assert "fill='#fff8c5' stroke='#9a6700'" in svg and "#fde7ea" not in svg


def test_the_markdown_image_says_in_words_what_the_picture_shows() -> None:
    svg = SVG(sequence_diagram(PEOPLE, steps()).data, alt="units [1](of 2) \\ here")
    assert svg.alt == "units 1 of 2 here"  # nothing that would end the image's [alt] early
    assert svg._repr_markdown_() == f"![units 1 of 2 here]({svg.data_uri})"
    assert sequence_diagram(PEOPLE, steps()).alt == "sequence diagram"
