"""Plivo's automatic encoding: smart quotes, dashes and Unicode spaces become GSM
characters, so one of them no longer doubles the price; emoji and other scripts stay.
``send_plan`` decides, once, whether it applies (off by default) and what that means for the
encoding, the units and Plivo's 1,600 / 737 character limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsxml.cli import main
from smsxml.exc import InputError
from smsxml.protocol import (
    AUTO_ENCODING,
    AUTO_ENCODING_BY_DEFAULT,
    MAX_TEXT_LENGTH,
    MAX_UNICODE_TEXT_LENGTH,
)
from smsxml.units import auto_encode, is_gsm, segments, send_plan
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


# --- send_plan: the one decision validate and the simulator share -----------------------------


def test_automatic_encoding_is_off_unless_asked_for() -> None:
    text = "It’s ready — thanks"
    assert AUTO_ENCODING_BY_DEFAULT is False
    off = send_plan(text)
    assert (off.encoding, off.units, off.text, off.replaced_characters) == ("UCS-2", 1, text, ())
    on = send_plan(text, auto_encoding=True)
    assert (on.encoding, on.text) == ("GSM-7", "It's ready - thanks")
    assert on.replaced_characters == ("’", "—") and on.given == text


@pytest.mark.parametrize(
    ("text", "auto", "encoding", "within"),
    [
        ("x" * MAX_TEXT_LENGTH, False, "GSM-7", True),
        ("x" * (MAX_TEXT_LENGTH + 1), False, "GSM-7", False),
        ("€" * MAX_TEXT_LENGTH, False, "GSM-7", True),  # characters count, not septets
        ("😀" * MAX_UNICODE_TEXT_LENGTH, False, "UCS-2", True),
        ("😀" * (MAX_UNICODE_TEXT_LENGTH + 1), True, "UCS-2", False),
        ("’" + "x" * MAX_UNICODE_TEXT_LENGTH, False, "UCS-2", False),
        ("’" + "x" * MAX_UNICODE_TEXT_LENGTH, True, "GSM-7", True),
    ],
)
def test_the_limit_follows_the_encoding_the_text_is_sent_in(
    text: str, auto: bool, encoding: str, within: bool
) -> None:
    plan = send_plan(text, auto_encoding=auto)
    assert (plan.encoding, plan.within_limits) == (encoding, within)
    assert plan.limit == (MAX_UNICODE_TEXT_LENGTH if encoding == "UCS-2" else MAX_TEXT_LENGTH)
    assert ("over the" in str(plan)) is not within


@given(st.text(max_size=300), st.booleans())
def test_a_plan_is_the_segments_of_the_text_it_sends(text: str, auto: bool) -> None:
    plan = send_plan(text, auto_encoding=auto)
    assert plan.text == (auto_encode(text) if auto else text)
    assert plan.segments == segments(plan.text)
    assert (plan.encoding, plan.units) == (plan.segments.encoding, plan.segments.units)
    assert plan.length == len(text)
    assert plan.units <= send_plan(text).units  # automatic encoding never costs a unit


def test_send_plan_refuses_what_is_not_text() -> None:
    with pytest.raises(InputError, match="plans a text"):
        send_plan(b"hi")  # type: ignore[arg-type]


def test_a_plan_names_what_makes_it_ucs2_as_segments_do() -> None:
    for text in ("“Привет” 😀", "plain", "a’b"):
        for auto in (False, True):
            plan = send_plan(text, auto_encoding=auto)
            assert plan.non_gsm_characters == plan.segments.non_gsm_characters
