"""smsxml._html: escaping, tables, badges and the side-by-side diff of two strings."""

from __future__ import annotations

import ast
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsxml._html import Cell, Row, Safe, badge, code, diff_pair, escape, table

# The symbols diff_pair shows for whitespace inside a difference, and back.
SHOWN = {"␣": " ", "↵": "\n", "␍": "\r", "⇥": "\t", "␀": "\x00"}


class _Rows(HTMLParser):
    """The rows of a diff_pair table: label, then the (text, marked) pieces of its code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[str, list[tuple[str, bool]]]] = []
        self._where = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "th":
            self.rows.append(("", []))
            self._where = "th"
        elif tag in ("code", "mark", "i"):
            self._where = tag

    def handle_endtag(self, tag: str) -> None:
        self._where = "code" if tag == "mark" else ""

    def handle_data(self, data: str) -> None:
        label, pieces = self.rows[-1]
        if self._where == "th":
            self.rows[-1] = (label + data, pieces)
        elif self._where in ("code", "mark"):
            pieces.append((data, self._where == "mark"))


def rows(html: str) -> list[tuple[str, list[tuple[str, bool]]]]:
    parser = _Rows()
    parser.feed(html)
    return parser.rows


def plain(pieces: list[tuple[str, bool]]) -> str:
    """The string a row shows, whitespace symbols in the marked pieces turned back."""
    return "".join("".join(SHOWN.get(c, c) for c in t) if m else t for t, m in pieces)


def unmarked(pieces: list[tuple[str, bool]]) -> str:
    return "".join(t for t, m in pieces if not m)


# Text without the whitespace symbols themselves (they would read back as whitespace).
texts = st.text(st.characters(blacklist_characters="".join(SHOWN)), max_size=60)


def test_escape_text_and_leave_safe_html_alone() -> None:
    assert escape("<b>'x' & \"y\"</b>") == "&lt;b&gt;&#x27;x&#x27; &amp; &quot;y&quot;&lt;/b&gt;"
    assert escape(3) == "3"
    assert escape(Safe("<b>x</b>")) == "<b>x</b>"
    assert isinstance(escape("x"), Safe)
    assert code("<x>") == "<code>&lt;x&gt;</code>"


def test_table_rows_headings_and_escaping() -> None:
    html = table([("a<", 1, "x&y"), ("b", code("<c>"), Safe("<i>ok</i>"))], header=("k", "v", "w"))
    assert html.count("<tr>") == 3
    assert "<th style='text-align:left'>a&lt;</th>" in html
    assert "<td style='text-align:left'>x&amp;y</td>" in html
    assert "<code>&lt;c&gt;</code>" in html and "<i>ok</i>" in html
    assert table([], css="t'x").startswith("<table class='t&#x27;x'>")


def test_table_without_header_or_row_headings() -> None:
    left = "style='text-align:left'"
    assert table([("a", "b")]) == f"<table><tr><th {left}>a</th><td {left}>b</td></tr></table>"
    assert table([("a", "b")], row_heads=False, cell_style="") == (
        "<table><tr><td>a</td><td>b</td></tr></table>"
    )


def test_table_header_style_all_or_per_column() -> None:
    assert table([], ("x", "y"), header_style="").startswith("<table><tr><th>x</th><th>y</th></tr>")
    html = table([], ("", "y"), header_style=("", "color:red"))
    assert html == "<table><tr><th></th><th style='color:red'>y</th></tr></table>"


def test_table_cell_style_per_column_missing_columns_unstyled() -> None:
    html = table([(1, 2, 3)], row_heads=False, cell_style=("", "width:1%"))
    assert html == "<table><tr><td>1</td><td style='width:1%'>2</td><td>3</td></tr></table>"


def test_a_cell_brings_its_own_style_and_is_escaped() -> None:
    html = table([("k", Cell("<ok>", "color:#1a7f37"), "v")], row_heads=False)
    assert "<td style='color:#1a7f37'>&lt;ok&gt;</td>" in html
    assert "<td style='text-align:left'>v</td>" in html
    assert "<td style='color:red'><b>x</b></td>" in table(
        [(Cell(Safe("<b>x</b>"), "color:red"),)], row_heads=False
    )


def test_a_row_gets_a_class_and_a_style_and_others_none() -> None:
    html = table([Row(("a",), css="changed", style="background:#fff8c5"), ("b",)], cell_style="")
    assert (
        "<tr class='changed' style='background:#fff8c5'><th>a</th></tr><tr><th>b</th></tr>" in html
    )


def test_table_class_and_style_are_escaped_attributes() -> None:
    html = table([], css="t", style="width:100%;font-family:'x'")
    assert html == "<table class='t' style='width:100%;font-family:&#x27;x&#x27;'></table>"
    assert table([], style="width:100%") == "<table style='width:100%'></table>"


@pytest.mark.parametrize(
    ("ok", "kind", "colour"),
    [(True, "ok", "#1a7f37"), (False, "bad", "#cf222e"), (None, "none", "#57606a")],
)
def test_badge_says_it_in_classes_and_colour(ok: bool | None, kind: str, colour: str) -> None:
    html = badge(ok, "<verdict>", "smsxml-extra")
    assert html == (
        f"<b class='smsxml-badge smsxml-badge-{kind} smsxml-extra' style='color:{colour}'>"
        "&lt;verdict&gt;</b>"
    )


def test_diff_pair_marks_one_changed_character_on_both_sides() -> None:
    computed = "5Z6zsF96x6nKzM0/GnPONo6RC/7GLtUH3uEDqxOkmpM="
    received = computed[:20] + "X" + computed[21:]
    (la, a), (lb, b) = rows(diff_pair(computed, received, ("computed", "received")))
    assert (la, lb) == ("computed", "received")
    assert [t for t, m in a if m] == [computed[20]] and [t for t, m in b if m] == ["X"]
    assert plain(a) == computed and plain(b) == received


def test_diff_pair_shows_whitespace_and_emptiness() -> None:
    (_, a), (_, b) = rows(diff_pair("abcdef", " abcdef\n"))
    assert a == [("abcdef", False)]
    assert b == [("␣", True), ("abcdef", False), ("↵", True)]
    html = diff_pair("abc", "")
    assert "<i>(empty)</i>" in html and "<mark" in html


def test_diff_pair_does_not_pretend_random_strings_match() -> None:
    """Two signatures made with different tokens share a letter here and there by chance:
    only their common ending counts as the same."""
    a = "O+f2tJQC81uQ6ZJyy+QjsHEdCYkNZB0x+dbFYIBVYBw="
    b = "k2Lq1hP0Yw8vT3nR5sD7fG9jH1kL3mN5pQ7rS9tU1vW="
    (_, ra), (_, rb) = rows(diff_pair(a, b))
    assert unmarked(ra) == unmarked(rb) == "="


@given(texts, texts)
def test_diff_pair_shows_both_strings_and_marks_only_differences(a: str, b: str) -> None:
    (_, ra), (_, rb) = rows(diff_pair(a, b))
    assert plain(ra) == a and plain(rb) == b
    # what is not marked is common to both, in the same order
    assert unmarked(ra) == unmarked(rb)
    if a == b:
        assert not any(m for _, m in ra + rb)
    elif a and b:
        assert any(m for _, m in ra + rb)


@given(texts)
def test_equal_strings_have_no_marks(a: str) -> None:
    assert "<mark" not in diff_pair(a, a)


def test_it_imports_the_stdlib_only() -> None:
    """It is imported by ``import smsxml`` (through diagnose): nothing heavy may come in."""
    import smsxml._html as module

    tree = ast.parse(Path(module.__file__ or "").read_text("utf-8"))
    imported = {
        (node.module or "" if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert imported and imported <= set(sys.stdlib_module_names) | {"__future__"}
