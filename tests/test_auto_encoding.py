"""Plivo's automatic encoding: smart quotes, dashes and Unicode spaces become GSM
characters, so one of them no longer doubles the price; emoji and other scripts stay."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsxml.cli import main
from smsxml.protocol import AUTO_ENCODING
from smsxml.units import auto_encode, is_gsm, segments
from smsxml.widgets import MessageComposer


@pytest.mark.parametrize("char", sorted(AUTO_ENCODING))
def test_each_replaced_character_becomes_gsm(char: str) -> None:
    assert not is_gsm(char)
    assert all(is_gsm(c) for c in AUTO_ENCODING[char])
    assert segments(f"a{char}b").encoding == "UCS-2"
    assert segments(f"a{char}b").auto_encoded.encoding == "GSM-7"


def test_a_curly_quote_doubles_the_price_only_without_automatic_encoding() -> None:
    text = "It’s ready — pick it up any time before 6pm. " * 3 + "Thanks!"
    plain = segments(text)
    assert (plain.encoding, plain.units) == ("UCS-2", 3)
    assert plain.replaced_characters == ("’", "—")
    auto = plain.auto_encoded
    assert (auto.encoding, auto.units) == ("GSM-7", 1)
    assert auto.text == text.replace("’", "'").replace("—", "-")


def test_emoji_and_other_scripts_still_force_ucs2() -> None:
    seg = segments("“Привет” 😀")
    assert seg.replaced_characters == ("“", "”")
    assert seg.auto_encoded.encoding == "UCS-2"
    assert set(seg.auto_encoded.non_gsm_characters) == set("Привет😀")
    assert "still UCS-2 because of" in seg.describe()


@given(st.text(max_size=200))
def test_auto_encoding_never_adds_a_unit_or_touches_other_characters(text: str) -> None:
    encoded = auto_encode(text)
    assert len(encoded) == len(text)
    assert all(a == b or a in AUTO_ENCODING for a, b in zip(text, encoded, strict=True))
    assert segments(encoded).units <= segments(text).units


def test_the_cli_and_the_composer_show_both_counts(capsys: pytest.CaptureFixture[str]) -> None:
    text = "Don’t miss it — 20% off today"
    assert main(["segments", text]) == 0
    out = capsys.readouterr().out
    assert "automatic encoding: replaces ’ — → GSM-7, 1 unit" in out
    composer = MessageComposer(text=text)
    assert composer.units_label == "UCS-2 · 1 unit · 29/70"
    units = next(w for w in composer.all_widgets() if "smsxml-composer-units" in w._dom_classes)
    assert "with Plivo&#x27;s automatic encoding: GSM-7 · 1 unit" in units.value
