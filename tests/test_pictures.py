"""The pictures of smsxml.pictures: the real values, marks in the right places, and text
that fits its boxes at notebook width."""

from __future__ import annotations

import itertools
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

from smsxml import DEMO_AUTH_TOKEN, explain_v2, segments, sign_v2
from smsxml.diagram import SVG
from smsxml.exc import InputError
from smsxml.pictures import proxy_path, segment_bar, signing_steps_v2
from smsxml.pictures._drawing import (
    _BAD,
    _CELL,
    _GOOD,
    _TEXT_FILL,
    _WARN,
    _cells,
    _fit_pieces,
    _middle,
    _width,
)
from smsxml.tokens import MASK

NS = "{http://www.w3.org/2000/svg}"
URL = "https://example.com/receive_sms/?lang=en"
NONCE = "05429567804466091622"
TOKEN = "MAXXXXXXXXXXXXXXXXXX-real-looking-secret"


@dataclass
class Text:
    """A drawn text and the box it takes (estimated for Helvetica, exact for the
    monospace values, which carry a textLength)."""

    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float
    element: ET.Element


def texts(root: ET.Element) -> list[Text]:
    found = []
    for element in root.iter(f"{NS}text"):
        text = "".join(element.itertext())
        size = float(element.get("font-size") or root.get("font-size") or 0)
        x, y = float(element.get("x", 0)), float(element.get("y", 0))
        if element.get("textLength"):
            width = float(element.get("textLength", 0))
        elif "monospace" in (element.get("font-family") or ""):
            width = _cells(text) * _CELL * size
        else:
            width = _width(text, size, element.get("font-weight") == "bold")
        anchor = element.get("text-anchor", "start")
        x0 = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        found.append(Text(text, x0, x0 + width, y - 0.8 * size, y + 0.22 * size, size, element))
    return found


def rects(root: ET.Element) -> list[tuple[float, float, float, float, str]]:
    """Every rectangle but the background: (x0, y0, x1, y1, fill)."""
    out = []
    for r in list(root.iter(f"{NS}rect"))[1:]:
        x, y = float(r.get("x", 0)), float(r.get("y", 0))
        out.append(
            (x, y, x + float(r.get("width", 0)), y + float(r.get("height", 0)), r.get("fill", ""))
        )
    return out


def check_layout(svg: SVG) -> ET.Element:
    """Well-formed, self-contained SVG at notebook width, whose texts are legible, inside the
    picture, inside the box they start in and clear of one another."""
    root = ET.fromstring(svg.data)
    assert root.tag == f"{NS}svg"
    width, height = float(root.get("width", 0)), float(root.get("height", 0))
    assert width <= 800 and root.get("viewBox") == f"0 0 {width:g} {height:g}"
    tags = {e.tag.removeprefix(NS) for e in root.iter()}
    assert tags <= {"svg", "rect", "text", "tspan", "line", "polygon", "path", "circle"}, tags
    assert "href" not in svg.data and "<style" not in svg.data and "class=" not in svg.data
    boxes = rects(root)
    drawn = texts(root)
    for t in drawn:
        assert t.size >= 11, t.text
        assert 0 <= t.x0 and t.x1 <= width and 0 <= t.y0 and t.y1 <= height, t.text
        x = (t.x0 + t.x1) / 2
        holders = [b for b in boxes if b[0] <= x <= b[2] and b[1] <= t.y0 + 2 and t.y1 - 2 <= b[3]]
        if holders:  # the smallest box the text is in holds all of it
            x0, y0, x1, y1, _ = min(holders, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
            assert x0 <= t.x0 and t.x1 <= x1 and y0 <= t.y0 and t.y1 <= y1, t.text
    for a, b in itertools.combinations(drawn, 2):
        apart = a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0
        assert apart, (a.text, b.text)
    return root


def mono(root: ET.Element) -> list[Text]:
    return [t for t in texts(root) if "monospace" in (t.element.get("font-family") or "")]


def row_of(root: ET.Element, value: str) -> Text:
    (found,) = [t for t in mono(root) if t.text == value]
    return found


def badge_beside(root: ET.Element, row: Text) -> str:
    """The fill of the rounded badge on the same row as ``row``."""
    (fill,) = [
        r.get("fill")
        for r in root.iter(f"{NS}rect")
        if r.get("rx") == "10" and abs(float(r.get("y", 0)) + 10 - (row.y0 + row.y1) / 2) < 8
    ]
    return fill or ""


# --- measuring -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, size, bold, measured",
    [  # widths Chromium gives with Liberation Sans, what Helvetica/Arial resolve to on Linux
        ("X-Plivo-Signature-V2", 12, False, 112.06),
        ("WWWWWWWWWW", 12, False, 113.27),
        ("abcdefghijklmnopqrstuvwxyz", 11, False, 140.02),
        ("0123456789 .,;:!?'\"()[]{}<>/\\|-_=+*&^%$#@~`", 12, False, 236.64),
        ("How Plivo signs a request", 14, True, 173.5),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 12, True, 214.67),
        ("•••••••• (demo token)", 12, False, 107.66),
        ("→ … ✓ ✗ é ü €", 12, False, 84.14),
    ],
)
def test_text_widths_are_never_underestimated(
    text: str, size: int, bold: bool, measured: float
) -> None:
    assert measured - 0.1 <= _width(text, size, bold) <= measured * 1.25


def test_middle_ellipsis_and_pieces_that_share_the_room() -> None:
    assert _middle("abcdefghij", 5) == "ab…ij"
    assert _middle("short", 10) == "short"
    assert _cells(_middle("😀" * 10, 7)) <= 7  # wide characters take two cells
    pieces = _fit_pieces([("a" * 100, "x"), ("://", "y"), ("b" * 10, "z"), ("c" * 200, "w")], 60)
    assert sum(_cells(t) for t, _ in pieces) <= 60
    assert pieces[1:3] == [("://", "y"), ("b" * 10, "z")]  # short pieces are kept whole
    assert _cells(pieces[0][0]) == _cells(pieces[3][0])  # long ones cut to the same length
    assert pieces[0][0].startswith("aaa") and pieces[3][0].endswith("ccc")


# --- signing steps ---------------------------------------------------------------------------


def test_signing_steps_show_the_real_strings_and_never_the_token() -> None:
    svg = signing_steps_v2(URL, NONCE, TOKEN)
    root = check_layout(svg)
    ex = explain_v2(URL, NONCE, TOKEN)
    values = [t.text for t in mono(root)]
    assert [URL, NONCE, ex.string_to_sign, ex.hmac_hex, ex.signature] == [
        v for v in values if v != MASK
    ]
    assert MASK in values  # the key is shown masked…
    assert TOKEN not in svg.data and TOKEN[:8] not in svg.data  # …and never in clear
    # The query is drawn struck through and is not in the string signed.
    url = row_of(root, URL)
    query = url.element.findall(f"{NS}tspan")[-1]
    assert query.text == "?lang=en"
    strikes = [
        line
        for line in root.iter(f"{NS}line")
        if line.get("y1") == line.get("y2") and url.y0 < float(line.get("y1", 0)) < url.y1
    ]
    assert len(strikes) == 1
    assert "?lang=en" not in ex.string_to_sign


def test_signing_steps_mark_the_scheme_and_host_a_proxy_or_tunnel_changes() -> None:
    root = check_layout(signing_steps_v2(URL, NONCE))
    url = row_of(root, URL)
    cell = (url.x1 - url.x0) / len(URL)
    scheme = (url.x0, url.x0 + cell * len("https"))
    host = (url.x0 + cell * len("https://"), url.x0 + cell * len("https://example.com"))
    leaders = [
        float(line.get("x1", 0))
        for line in root.iter(f"{NS}line")
        if line.get("stroke") == _WARN[1] and line.get("x1") == line.get("x2")
    ]
    assert len(leaders) == 2
    assert scheme[0] < leaders[0] < scheme[1] and host[0] < leaders[1] < host[1]
    # They lead from the URL box down to the amber callout.
    (callout,) = [r for r in rects(root) if r[4] == _WARN[0]]
    for line in root.iter(f"{NS}line"):
        if line.get("stroke") == _WARN[1]:
            assert float(line.get("y1", 0)) >= url.y1 and float(line.get("y2", 0)) == callout[1]


def test_signing_steps_from_an_explanation_and_the_verdict_on_a_received_header() -> None:
    public = "https://example.com/receive_sms/"
    ex = explain_v2(public, NONCE, DEMO_AUTH_TOKEN)
    received = sign_v2(public, NONCE, DEMO_AUTH_TOKEN)
    good = signing_steps_v2(ex, auth_token=DEMO_AUTH_TOKEN, received=received)
    assert good == signing_steps_v2(public, NONCE, DEMO_AUTH_TOKEN, received=received)
    root = check_layout(good)
    assert badge_beside(root, [t for t in mono(root) if t.text == ex.signature][-1]) == _GOOD[0]
    # What a TLS proxy makes the app compute is not what Plivo sent.
    seen = sign_v2("http://example.com/receive_sms/", NONCE, DEMO_AUTH_TOKEN)
    root = check_layout(signing_steps_v2(ex, received=seen))
    assert badge_beside(root, row_of(root, seen)) == _BAD[0]
    assert len([r for r in root.iter(f"{NS}rect") if r.get("rx") == "10"]) == 1
    # With no header given, no verdict is drawn.
    root = check_layout(signing_steps_v2(ex))
    assert [r for r in root.iter(f"{NS}rect") if r.get("rx") == "10"] == []


def test_signing_steps_shorten_long_values_in_the_middle() -> None:
    url = "https://a-very-long-subdomain.of.example.com:8443/" + "deep/" * 30 + "?q=" + "y" * 80
    root = check_layout(signing_steps_v2(url, NONCE * 4))
    shown = row_of(root, next(t.text for t in mono(root) if t.text.startswith("https://a-")))
    assert "…" in shown.text and shown.text.endswith("y")
    signed = [t for t in mono(root) if t.text.endswith(NONCE[-6:]) and "…" in t.text]
    assert signed  # the string signed is cut too, and still ends with the nonce


def test_signing_steps_refuse_muddled_input() -> None:
    ex = explain_v2(URL, NONCE, DEMO_AUTH_TOKEN)
    with pytest.raises(InputError, match="nonce"):
        signing_steps_v2(URL)
    with pytest.raises(InputError, match="explanation"):
        signing_steps_v2(ex, NONCE)
    with pytest.raises(InputError, match="token"):
        signing_steps_v2(ex, auth_token=TOKEN)
    assert MASK + " (demo token)" in signing_steps_v2(ex, auth_token=DEMO_AUTH_TOKEN).data


# --- Plivo → tunnel or proxy → your app ------------------------------------------------------


def test_proxy_path_shows_what_each_hop_sees_and_which_url_was_signed() -> None:
    svg = proxy_path()
    root = check_layout(svg)
    panels = min(t.x0 for t in mono(root))
    hops = [t.text for t in texts(root) if t.x1 < panels and t.element.get("font-weight") == "bold"]
    assert hops == ["Plivo", "Tunnel", "Your app"]  # the boxes left of the panels
    values = [t.text for t in mono(root)]
    assert "https://example.com/receive_sms/ + nonce" in values  # what Plivo signs
    for header in ("Host: 127.0.0.1:5000", "X-Forwarded-Proto: https"):
        assert header in values
    own = [t for t in mono(root) if t.text == "http://127.0.0.1:5000/receive_sms/"][-1]
    assert badge_beside(root, own) == _BAD[0]
    rebuilt = [t for t in mono(root) if t.text == "https://example.com/receive_sms/"][-1]
    assert badge_beside(root, rebuilt) == _GOOD[0]
    # In the app's own URL, what differs from the signed URL is red: scheme and host.
    colours = {s.text: s.get("fill") for s in own.element.findall(f"{NS}tspan")}
    assert colours["http"] == colours["127.0.0.1:5000"] == _BAD[1]
    assert colours["/receive_sms/"] == "#000000"
    assert svg == proxy_path()  # deterministic


def test_proxy_path_with_a_tls_proxy_that_keeps_the_host() -> None:
    root = check_layout(proxy_path(via="TLS proxy", host_header="example.com"))
    assert "TLS proxy" in [t.text for t in texts(root)]
    own = row_of(root, "http://example.com/receive_sms/")
    assert badge_beside(root, own) == _BAD[0]
    colours = [s.get("fill") for s in own.element.findall(f"{NS}tspan")]
    assert colours == [_BAD[1], "#000000", "#000000", "#000000"]  # only the scheme differs


def test_proxy_path_when_the_proxy_changes_the_path_no_rebuilt_url_is_the_signed_one() -> None:
    root = check_layout(
        proxy_path("https://sms.example.com/plivo/in/", "http://127.0.0.1:8000/in/")
    )
    rebuilt = row_of(root, "https://sms.example.com/in/")
    assert badge_beside(root, rebuilt) == _BAD[0]
    with pytest.raises(InputError):
        proxy_path("example.com/receive_sms/")


# --- segment bar -----------------------------------------------------------------------------


def bars(root: ET.Element) -> tuple[list[float], list[float], list[float]]:
    """Widths of the units' outlines, their header parts and their text parts."""
    outline = [r[2] - r[0] for r in rects(root) if r[4] == "#ffffff" and r[3] - r[1] > 20]
    header = [r[2] - r[0] for r in rects(root) if r[4] == _WARN[0] and r[3] - r[1] > 20]
    text = [r[2] - r[0] for r in rects(root) if r[4] == _TEXT_FILL and r[3] - r[1] > 20]
    return outline, header, text


def unit_labels(root: ET.Element) -> list[str]:
    return [t.text for t in texts(root) if t.text.startswith("unit ")]


@pytest.mark.parametrize(
    "text, encoding, sizes, single",
    [
        ("a" * 161, "GSM-7", [153, 8], 160),  # one character too many: two units
        ("Ж" * 71, "UCS-2", [67, 4], 70),
        ("€" * 81, "GSM-7", [152, 10], 160),  # an escape pair is never split
        ("😀" * 40, "UCS-2", [66, 14], 70),  # nor a surrogate pair
    ],
    ids=["161-gsm", "71-ucs2", "81-euro", "40-emoji"],
)
def test_segment_bar_draws_each_unit_in_proportion(
    text: str, encoding: str, sizes: list[int], single: int
) -> None:
    root = check_layout(segment_bar(text))
    assert unit_labels(root) == [f"unit {n}: {size}" for n, size in enumerate(sizes, 1)]
    outline, header, used = bars(root)
    assert len(outline) == len(header) == len(used) == 2
    bar = outline[0]
    assert outline == [bar, bar]  # every unit as wide as one SMS
    for width in header:  # the room each part gives to the header
        assert width / bar == pytest.approx(
            (single - {160: 153, 70: 67}[single]) / single, rel=1e-4
        )
    for width, size in zip(used, sizes, strict=True):
        assert width / bar == pytest.approx(size / single, rel=1e-4)
    assert encoding in "".join(t.text for t in texts(root))


def test_segment_bar_of_a_single_unit_has_no_header() -> None:
    text = "Hello from Plivo! Your code is 1234."
    root = check_layout(segment_bar(text))
    outline, header, used = bars(root)
    assert (len(outline), header, len(used)) == (1, [], 1)
    assert used[0] / outline[0] == pytest.approx(len(text) / 160, rel=1e-4)
    assert unit_labels(root) == [f"unit 1: {len(text)}"]
    assert segment_bar(segments(text)) == segment_bar(text)  # a Segments result will do
    root = check_layout(segment_bar(""))
    assert unit_labels(root) == ["unit 1: 0"] and bars(root)[2] == []


@pytest.mark.parametrize("units", [1, 2, 5, 9, 10, 11, 14])
def test_segment_bar_from_one_to_many_units(units: int) -> None:
    text = "x" * (153 * units if units > 1 else 100)
    assert segments(text).units == units
    root = check_layout(segment_bar(text))
    labels = unit_labels(root)
    more = [t.text for t in texts(root) if t.text.startswith("+")]
    if units <= 10:
        assert labels == [f"unit {n}: {153 if units > 1 else 100}" for n in range(1, units + 1)]
        assert more == []
    else:  # the first eight, how many more, and the last
        assert labels[:8] == [f"unit {n}: 153" for n in range(1, 9)]
        assert labels[8:] == [f"unit {units}: 153"]
        assert len(more) == 1 and more[0].startswith(f"+{units - 9} more")
    assert float(root.get("height", 0)) < 600


def test_segment_bar_escapes_the_text_it_shows() -> None:
    svg = segment_bar("<script>alert('x')</script> & ]]> \x00" * 3)
    root = check_layout(svg)
    assert "<script>" not in svg.data and not list(root.iter(f"{NS}script"))
    assert any("<script>" in t.text for t in mono(root))


@settings(max_examples=examples(40), deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_a_picture_that_fits(text: str) -> None:
    root = check_layout(segment_bar(text))
    units = segments(text).units
    assert len(unit_labels(root)) == (units if units <= 10 else 9)


@settings(max_examples=examples(25), deadline=None)
@given(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=60),
    st.text(st.characters(codec="utf-8"), max_size=40),
)
def test_any_path_and_nonce_give_a_signing_picture_that_fits(path: str, nonce: str) -> None:
    url = "https://example.com/" + path.replace("?", "").replace("#", "")
    check_layout(signing_steps_v2(url, nonce, received=nonce))


@settings(max_examples=examples(25), deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=120), st.text(max_size=80))
def test_any_proxy_name_and_host_header_give_a_picture_that_fits(via: str, host: str) -> None:
    check_layout(proxy_path(via=via, host_header=host))


def test_the_layout_check_finds_text_that_leaves_its_box() -> None:
    """The check the pictures pass would fail a picture whose text overflows."""
    head = "<svg xmlns='http://www.w3.org/2000/svg' width='300' height='60' viewBox='0 0 300 60' "
    head += "font-size='12'><rect x='0' y='0' width='300' height='60' fill='#fff'/>"
    box = "<rect x='10' y='10' width='100' height='26' fill='#eee'/>"
    fits = "<text x='20' y='28'>short</text>"
    overflows = "<text x='20' y='28'>a label much too long for it</text>"
    check_layout(SVG(head + box + fits + "</svg>"))
    with pytest.raises(AssertionError):
        check_layout(SVG(head + box + overflows + "</svg>"))
    with pytest.raises(AssertionError):  # too small to read
        check_layout(SVG(head + "<text x='20' y='50' font-size='9'>tiny</text></svg>"))


# --- in a notebook ---------------------------------------------------------------------------


def test_pictures_show_in_untrusted_notebooks_with_words_for_what_they_show() -> None:
    for picture in (signing_steps_v2(URL, NONCE), proxy_path(), segment_bar("a" * 161)):
        assert isinstance(picture, SVG) and picture._repr_svg_() == picture.data
        markdown = picture._repr_markdown_()
        assert markdown.startswith("![") and "sequence diagram" not in markdown
        assert markdown.endswith(f"]({picture.data_uri})")
    assert "2 units" in segment_bar("a" * 161).alt


def test_import_smsxml_does_not_draw() -> None:
    code = (
        "import smsxml, sys; "
        "print(sorted(m for m in sys.modules if 'diagram' in m or 'pictures' in m))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
