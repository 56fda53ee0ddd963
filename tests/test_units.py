"""SMS units: the boundary facts of the facts sheet, and a property test against a
brute-force reference that packs characters greedily one by one (tests/reference.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import REF_BASIC, REF_EXTENSION, reference_parts
from strategies import examples, utf8_char

from smsxml.exc import SmsxmlError
from smsxml.units import GSM_BASIC, GSM_EXTENSION, Segments, segments

mixed_chars = st.one_of(
    st.sampled_from(REF_BASIC),
    st.sampled_from(REF_EXTENSION),
    st.sampled_from("’“”ç😀👍🏽中ж\u00a0"),
    utf8_char,
)
gsm_chars = st.one_of(st.sampled_from(REF_BASIC), st.sampled_from(REF_EXTENSION))


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(st.text(mixed_chars, max_size=400), st.text(gsm_chars, max_size=400)))
def test_matches_reference_packing(text: str) -> None:
    result = segments(text)
    encoding, parts, length = reference_parts(text)
    assert result.encoding == encoding
    assert result.parts == parts
    assert result.units == len(parts)
    assert result.length == length
    assert "".join(result.parts) == text
    assert 0 <= result.remaining <= result.per_unit
    per_unit = {
        ("GSM-7", True): 160,
        ("GSM-7", False): 153,
        ("UCS-2", True): 70,
        ("UCS-2", False): 67,
    }[encoding, len(parts) == 1]
    assert result.per_unit == per_unit


@pytest.mark.parametrize(
    ("text", "units", "sizes"),
    [
        ("a" * 160, 1, [160]),
        ("a" * 161, 2, [153, 8]),
        ("a" * 306, 2, [153, 153]),
        ("a" * 307, 3, [153, 153, 1]),
        ("ж" * 70, 1, [70]),
        ("ж" * 71, 2, [67, 4]),
        ("ж" * 134, 2, [67, 67]),
        ("ж" * 135, 3, [67, 67, 1]),
    ],
)
def test_unit_boundaries(text: str, units: int, sizes: list[int]) -> None:
    result = segments(text)
    assert result.units == units
    assert [len(p) for p in result.parts] == sizes


def test_emoji_takes_two_code_units_and_is_never_split() -> None:
    fits = segments("a" * 68 + "😀")
    assert (fits.encoding, fits.units, fits.length, fits.remaining) == ("UCS-2", 1, 70, 0)
    over = segments("a" * 69 + "😀")
    assert (over.units, over.length) == (2, 71)
    assert over.parts == ["a" * 67, "aa😀"]
    # 66 letters leave one code unit in the first part: the emoji moves whole to part 2
    edge = segments("a" * 66 + "😀" + "b" * 10)
    assert edge.parts == ["a" * 66, "😀" + "b" * 10]


@pytest.mark.parametrize("char", list("^{}\\[~]|€\f"))
def test_extension_characters_take_two_septets(char: str) -> None:
    result = segments(char * 80)
    assert (result.encoding, result.units, result.length) == ("GSM-7", 1, 160)
    assert result.extension_characters == (char,)
    assert segments(char * 81).units == 2


def test_escape_pair_never_split_at_a_boundary() -> None:
    result = segments("a" * 152 + "{" + "a" * 10)
    assert result.length == 164
    assert result.parts == ["a" * 152, "{" + "a" * 10]
    assert result.remaining == 153 - 12


def test_curly_quote_makes_the_whole_message_ucs2() -> None:
    straight = segments("It's fine " * 16)
    assert (straight.encoding, straight.units) == ("GSM-7", 1)
    curly = segments("It’s fine " * 16)
    assert (curly.encoding, curly.units) == ("UCS-2", 3)
    assert curly.non_gsm_characters == ("’",)


def test_non_gsm_characters_listed_once_in_order() -> None:
    result = segments("ça va? 😀 ok 😀 ’")
    assert result.non_gsm_characters == ("ç", "😀", "’")


def test_empty_text_is_one_empty_unit() -> None:
    result = segments("")
    assert (result.units, result.parts, result.length, result.remaining) == (1, [""], 0, 160)


def test_repr_str_and_html() -> None:
    result = segments("a" * 170)
    assert repr(result) == "Segments(GSM-7, 2 units, 170/306 septets)"
    assert str(segments("hi 😀")) == "UCS-2, 1 unit, 5/70 code units"
    assert "<table>" in result._repr_html_()
    described = segments("x{").describe()
    assert "GSM-7" in described and "{" in described and "part 1" in described


def test_not_a_string_is_a_clear_error() -> None:
    with pytest.raises(SmsxmlError, match="str"):
        segments(b"bytes")  # type: ignore[arg-type]


def test_alphabet_tables_match_the_reference() -> None:
    assert GSM_BASIC == frozenset(REF_BASIC) and len(REF_BASIC) == 127
    assert GSM_EXTENSION == frozenset(REF_EXTENSION)


def test_segments_is_a_value() -> None:
    assert segments("abc") == segments("abc")
    assert isinstance(segments("abc"), Segments)
